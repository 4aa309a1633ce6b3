"""``pamong rsud ...``: the monthly indicators and importing the E-Klaim grouper's results."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from pamong.plugin import (
    Actor,
    CliError,
    PamongError,
    app_context,
    csv_dict_reader,
    domain_errors,
    transaction,
)
from pamong_plugins.rsud import services

SYSTEM = Actor.system("pamong rsud")
CLAIM_COLUMNS = (
    "encounter",
    "sep",
    "inacbg",
    "cbg",
    "subacute",
    "chronic",
    "add_payment",
    "status",
)


def _upgrade_of(session: Any, number: str) -> dict[str, Any]:
    """What the grouper's export does not carry and an import must not wipe: the upgrade."""
    try:
        encounter = services.get_encounter(session, SYSTEM, number)
    except PamongError:
        return {}
    claim = services.claim_of(session, encounter)
    if claim is None or not claim.upgrade_class:
        return {}
    return {
        "upgrade_class": claim.upgrade_class,
        "upgrade_days": claim.upgrade_days,
        "upgrade_payer": claim.upgrade_payer,
        "cbg_class1_amount": claim.cbg_class1_amount,
        "cbg_upgraded_amount": claim.cbg_upgraded_amount,
    }


@click.group("rsud")
def cli() -> None:
    """Hospital billing: indicators and the E-Klaim grouper's export."""


@cli.command("indicators")
@click.option("--hospital", required=True, help="The hospital's org unit code.")
@click.option("--month", required=True, help="YYYY-MM")
@click.pass_context
@domain_errors
def indicators(ctx: click.Context, hospital: str, month: str) -> None:
    """Print BOR, ALOS, TOI, BTO, GDR and NDR per ward and for the hospital."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter(f"{month!r} is not a month (YYYY-MM)") from None
    with app_context(ctx) as app, transaction(app) as session:
        report = services.indicator_report(session, SYSTEM, hospital, first)
    click.echo(
        f"{'ward':<10} {'beds':>5} {'BOR%':>7} {'ALOS':>6} {'TOI':>6} {'BTO':>6} "
        f"{'GDR':>7} {'NDR':>7}"
    )
    for row in [*report["wards"], {**(report["total"] or {}), "ward": "TOTAL"}]:
        if "bor" not in row:
            continue
        cells = [
            row[k] if row[k] is not None else "-"
            for k in ("bor", "alos", "toi", "bto", "gdr", "ndr")
        ]
        click.echo(
            f"{row['ward']:<10} {row['beds']:>5} "
            + " ".join(f"{c:>6}" if not isinstance(c, float) else f"{c:>6.2f}" for c in cells)
        )


@cli.command("import-claims")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_claims(ctx: click.Context, path: Path) -> None:
    """Record the E-Klaim grouper's results from its CSV export (one claim a row).

    Columns: encounter, sep, inacbg, cbg, subacute, chronic, add_payment,
    status. Every row is checked first; any bad row is named by its line and
    nothing is recorded.
    """
    rows = list(csv_dict_reader(path.read_text(encoding="utf-8-sig")))
    if not rows or any(c not in rows[0] for c in CLAIM_COLUMNS):
        raise CliError(f"{path.name}: the header needs {', '.join(CLAIM_COLUMNS)}")
    problems: list[str] = []
    with app_context(ctx) as app, transaction(app) as session:
        for line, row in enumerate(rows, start=2):
            try:
                amounts = {
                    k: int(row[k] or 0) for k in ("cbg", "subacute", "chronic", "add_payment")
                }
            except ValueError:
                problems.append(f"line {line}: amounts are whole rupiah")
                continue
            try:
                with session.begin_nested():
                    kept = _upgrade_of(session, row["encounter"])
                    services.record_claim(
                        session,
                        SYSTEM,
                        row["encounter"],
                        sep_number=row["sep"].strip(),
                        inacbg_code=row["inacbg"].strip(),
                        cbg_amount=amounts["cbg"],
                        subacute_amount=amounts["subacute"],
                        chronic_amount=amounts["chronic"],
                        add_payment=amounts["add_payment"],
                        status=row["status"].strip(),
                        **kept,
                    )
            except PamongError as exc:
                problems.append(f"line {line}: {exc.detail}")
        if problems:
            session.rollback()
            for problem in problems:
                click.echo(f"  - {problem}", err=True)
            raise CliError(f"{len(problems)} bad row(s): nothing recorded")
    click.echo(f"{len(rows)} claim(s) recorded")

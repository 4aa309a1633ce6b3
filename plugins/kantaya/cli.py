"""``pamong kantaya ...``: reminders, the controlling grid in a terminal, letter numbers."""

from __future__ import annotations

from datetime import date

import click

from pamong.plugin import Actor, app_context, domain_errors, regency_today, transaction
from pamong_plugins.kantaya import services

SYSTEM = Actor.system("pamong kantaya")


def _day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group("kantaya")
def cli() -> None:
    """Kantaya: reminders, the controlling grid, letter numbers, the SRIKANDI import."""


@cli.command("remind")
@click.option("--day", help="The day to remind about (YYYY-MM-DD); default today.")
@click.pass_context
@domain_errors
def remind(ctx: click.Context, day: str | None) -> None:
    """Remind units without a submitted report for the day (each unit once per day)."""
    with app_context(ctx) as app, transaction(app) as session:
        counts = services.send_reminders(session, _day(day, regency_today(app)))
    click.echo(
        f"{counts['missing']} units missing, {counts['sent']} reminded, "
        f"{counts['already']} already reminded, {counts['nobody']} without staff"
    )


@cli.command("grid")
@click.option("--month", help="YYYY-MM; default this month.")
@click.option("--kind", help="Only units of this kind (skpd, kecamatan, bumd, rsud).")
@click.pass_context
@domain_errors
def grid(ctx: click.Context, month: str | None, kind: str | None) -> None:
    """Print the controlling grid: one line per unit, one letter per day."""
    letters = {
        "submitted": "S",
        "late": "L",
        "draft": "d",
        "missing": "-",
        "off": ".",
        "future": " ",
    }
    with app_context(ctx) as app, transaction(app) as session:
        first = _day(f"{month}-01" if month else None, regency_today(app).replace(day=1))
        found = services.controlling_grid(session, SYSTEM, first, kind=kind)
        for unit in found.units:
            row = "".join(letters[s] for s in found.cells[unit.id])
            click.echo(f"{unit.code:<24} {row}  {unit.name}")
    click.echo(" ".join(f"{k}={v}" for k, v in found.totals.items()))


@cli.command("number-letter")
@click.argument("unit_code")
@click.argument("classification")
@click.option("--subject", default="", help="The letter's subject.")
@click.option("--reserve", is_flag=True, help="Reserve the number for a letter made by hand.")
@click.pass_context
@domain_errors
def number_letter(
    ctx: click.Context, unit_code: str, classification: str, subject: str, reserve: bool
) -> None:
    """Take the next outgoing letter number for UNIT_CODE and print it."""
    with app_context(ctx) as app, transaction(app) as session:
        letter = services.number_letter(
            session,
            SYSTEM,
            unit_code=unit_code,
            classification=classification,
            subject=subject,
            reserve=reserve,
        )
        click.echo(letter.number)


@cli.command("srikandi-import")
@click.argument("unit_code")
@click.pass_context
@domain_errors
def srikandi_import(ctx: click.Context, unit_code: str) -> None:
    """Register UNIT_CODE's incoming letters fetched by installed SRIKANDI adapters."""
    with app_context(ctx) as app, transaction(app) as session:
        counts = services.import_from_srikandi(session, SYSTEM, unit_code)
    click.echo(
        f"{counts['imported']} imported, {counts['known']} already known, "
        f"{counts['invalid']} incomplete"
    )

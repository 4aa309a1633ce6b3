"""``pamong billing ...``: ledger verification, re-checks, reconciliation, closing, reports."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click
from sqlalchemy import select

from pamong.plugin import (
    Actor,
    CliError,
    app_context,
    domain_errors,
    regency_today,
    rupiah,
    transaction,
)
from pamong_plugins.billing import jobs, ledger, reconcile, reports, services
from pamong_plugins.billing.models import BillingRevenueAccount

SYSTEM = Actor.system("pamong billing")


def _day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group("billing")
def cli() -> None:
    """Billing: the ledger, channel re-checks, reconciliation, day closing, reports."""


@cli.command("verify-ledger")
@click.pass_context
def verify_ledger(ctx: click.Context) -> None:
    """Recompute the ledger's hash chain; exit 1 and list the problems if it was tampered with."""
    with app_context(ctx) as app, transaction(app) as session:
        check = ledger.verify(session)
    rate = check.entries / check.seconds if check.seconds else 0
    if check.ok:
        click.echo(f"ledger OK: {check.entries} entries verified ({rate:,.0f} entries/s)")
        return
    for problem in check.problems:
        click.echo(f"  - {problem}", err=True)
    raise CliError(f"ledger TAMPERED: {len(check.problems)} problem(s) in {check.entries} entries")


@cli.command("recheck")
@click.pass_context
def recheck(ctx: click.Context) -> None:
    """Ask the channels about pending payments and reissue expired invoices (the worker job)."""
    with app_context(ctx) as app:
        click.echo(jobs.recheck_job(app))


@cli.command("reconcile")
@click.argument("statement", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@domain_errors
def reconcile_command(ctx: click.Context, statement: Path) -> None:
    """Match a bank statement CSV (date, reference, amount) to channel payments."""
    try:
        text = statement.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{statement} is not UTF-8 text") from None
    with app_context(ctx) as app, transaction(app) as session:
        result = reconcile.reconcile(session, SYSTEM, text, filename=statement.name)
        click.echo(f"{result.matched} of {result.rows} lines matched")
        for row in result.unmatched:
            click.echo(f"  line {row['line']}: {row.get('reference', '')}: {row['reason']}")
        for row in result.missing:
            click.echo(
                f"  not in the statement: {row['payment']} ({row['invoice']}) "
                f"{rupiah(int(row['amount']))}"
            )


@cli.command("close-day")
@click.option("--unit", "unit_code", required=True, help="Unit code (e.g. 33.14.01).")
@click.option("--day", help="The day (YYYY-MM-DD); default today.")
@click.pass_context
@domain_errors
def close_day(ctx: click.Context, unit_code: str, day: str | None) -> None:
    """Close a unit's day and number its deposit slip (STS)."""
    with app_context(ctx) as app, transaction(app) as session:
        closing = services.close_day(
            session, SYSTEM, unit_code=unit_code, day=_day(day, regency_today(app))
        )
        click.echo(
            f"{closing.sts_number}: cash {rupiah(closing.cash_total)}, "
            f"bank/QRIS {rupiah(closing.noncash_total)}, {closing.payments} payments"
        )


@cli.command("report")
@click.option("--since", help="First day (YYYY-MM-DD); default 29 days before --until.")
@click.option("--until", help="Last day (YYYY-MM-DD); default today.")
@click.option("--by", type=click.Choice(reports.GROUPINGS), default="source", show_default=True)
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def report(ctx: click.Context, since: str | None, until: str | None, by: str, as_csv: bool) -> None:
    """Revenue received, by service, account code, unit, channel, day or month."""
    with app_context(ctx) as app, transaction(app) as session:
        last = _day(until, regency_today(app))
        first = _day(since, last - timedelta(days=29))
        rows = reports.revenue(session, SYSTEM, first, last, by)
        collection = reports.collection(session, SYSTEM, first, last)
    if as_csv:
        click.echo(reports.to_csv(rows), nl=False)
        return
    click.echo(f"revenue {first.isoformat()} .. {last.isoformat()} by {by}")
    for row in rows:
        click.echo(f"{row.label[:40]:<42}{row.payments:>8}{rupiah(row.amount):>20}")
    click.echo(
        f"{'total':<42}{sum(r.payments for r in rows):>8}{rupiah(sum(r.amount for r in rows)):>20}"
    )
    if collection["rate"] is not None:
        click.echo(f"collection rate of invoices due in the period: {collection['rate']}%")


@cli.command("arrears")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def arrears(ctx: click.Context, as_csv: bool) -> None:
    """Unpaid amounts past due, by payer group and age (0-30, 31-60, 61-90, >90 days)."""
    with app_context(ctx) as app, transaction(app) as session:
        rows = reports.arrears(session, SYSTEM, regency_today(app))
    if as_csv:
        click.echo(reports.to_csv(rows), nl=False)
        return
    for row in rows:
        click.echo(f"{row.payer_kind:<12}{row.bucket:>8}{row.invoices:>8}{rupiah(row.amount):>20}")


@cli.command("accounts")
@click.option("--add", nargs=2, metavar="CODE NAME", help="Add or rename a revenue account.")
@click.pass_context
def accounts(ctx: click.Context, add: tuple[str, str] | None) -> None:
    """List the revenue accounts (kode rekening), or add one."""
    with app_context(ctx) as app, transaction(app) as session:
        if add:
            code, name = add[0].strip(), " ".join(add[1].split())
            if not code or len(code) > 40 or not name:
                raise CliError("give a code (at most 40 characters) and a name")
            row = session.scalar(
                select(BillingRevenueAccount).where(BillingRevenueAccount.code == code)
            )
            if row is None:
                session.add(BillingRevenueAccount(code=code, name=name[:200]))
            else:
                row.name = name[:200]
        names = services.account_names(session)
    for code, name in sorted(names.items()):
        click.echo(f"{code:<22}{name}")

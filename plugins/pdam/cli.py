"""``pamong pdam ...``: tariffs, reading import, the monthly bill run, late fees, sealing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from pamong.plugin import (
    Actor,
    CliError,
    InvalidInput,
    app_context,
    cli_language,
    domain_errors,
    get_session,
    plugin_settings,
    regency_today,
    rupiah,
    transaction,
)
from pamong_plugins.pdam import services

SYSTEM = Actor.system("pamong pdam")


@click.group("pdam")
def cli() -> None:
    """PDAM water billing: tariffs, readings, the bill run, arrears."""


@cli.command("seed-tariffs")
@click.option("--from", "valid_from", default="2009-07-01", help="First day of the decree.")
@click.pass_context
@domain_errors
def seed_tariffs(ctx: click.Context, valid_from: str) -> None:
    """Load the PDAM Karanganyar groups and tariff table (July 2009)."""
    with app_context(ctx) as app, transaction(app) as session:
        added = services.seed_karanganyar(session, SYSTEM, date.fromisoformat(valid_from))
    click.echo(f"{added} tariff decrees added")


@cli.command("import-readings")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are bad.")
@click.pass_context
@domain_errors
def import_readings(ctx: click.Context, csv_file: Path, skip_bad: bool) -> None:
    """Readings from a handheld's CSV: customer_number,period,reading[,condition,read_on]."""
    try:
        text = csv_file.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{csv_file} is not UTF-8 text") from None
    with app_context(ctx) as app:
        try:
            with transaction(app) as session:
                result = services.import_readings(session, SYSTEM, text, skip_bad=skip_bad)
        except InvalidInput as error:
            for row in error.extra.get("errors", []):
                click.echo(f"  line {row['line']}: {row['problem']}", err=True)
            raise CliError(error.detail) from None
    for line, problem in result.errors:
        click.echo(f"  skipped line {line}: {problem}", err=True)
    click.echo(f"{result.imported} readings imported, {result.held} held for review")


@cli.command("bill-run")
@click.argument("period")
@click.option("--estimate", is_flag=True, help="Bill unread connections with an estimate.")
@click.option("--batch", default=1000, show_default=True, help="Connections per transaction.")
@click.pass_context
@domain_errors
def bill_run(ctx: click.Context, period: str, estimate: bool, batch: int) -> None:
    """Bill the month PERIOD (YYYY-MM): one invoice per active connection; safe to re-run."""
    with app_context(ctx) as app:
        # One session committed after each batch (a crash loses one batch at most);
        # the connections to bill are counted once, not per batch.
        session = get_session()
        with click.progressbar(length=0, label=f"bill run {period}") as bar:

            def advance(done: int, todo: int) -> None:
                bar.length = todo
                bar.update(done - bar.pos)

            result = services.bill_run(
                session,
                SYSTEM,
                period,
                estimate_missing=estimate,
                today=regency_today(app),
                batch=batch,
                commit=session.commit,
                progress=advance,
                due_day=plugin_settings("pdam")["due_day"],
            )
            session.commit()
    billed, total, estimated = result.billed, result.total, result.estimated
    click.echo(f"{billed} connections billed for {period} ({estimated} estimated), {rupiah(total)}")


@cli.command("copy-routes")
@click.argument("period")
@click.pass_context
@domain_errors
def copy_routes(ctx: click.Context, period: str) -> None:
    """Give every meter reader last month's route for PERIOD (YYYY-MM)."""
    from pamong_plugins.pdam import routes

    with app_context(ctx) as app, cli_language(), transaction(app) as session:
        result = routes.copy_routes(session, SYSTEM, period, today=regency_today(app))
    click.echo(
        f"{result.copied} routes copied from {result.source}; "
        f"{len(result.kept)} readers kept their route; "
        f"{result.dropped_stops} closed connections left out"
    )


@cli.command("late-fees")
@click.pass_context
@domain_errors
def late_fees(ctx: click.Context) -> None:
    """Add the late fee to every PDAM bill unpaid after its due date."""
    with app_context(ctx) as app, transaction(app) as session:
        count = services.add_late_fees(session, SYSTEM, regency_today(app))
    click.echo(f"late fee added to {count} bills")


@cli.command("sealing-orders")
@click.option("--months", type=int, help="Unpaid months (default: the setting seal_after_months).")
@click.pass_context
@domain_errors
def sealing_orders(ctx: click.Context, months: int | None) -> None:
    """Open a sealing work order for each connection with N unpaid months."""
    with app_context(ctx) as app, transaction(app) as session:
        months = months or plugin_settings("pdam")["seal_after_months"]
        made = services.open_sealing_orders(session, SYSTEM, min_months=months)
    click.echo(f"{len(made)} sealing orders opened")


@cli.command("bank-settlement")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", required=True, help="The bank's short code (bri, bpd_jateng).")
@click.option("--dry-run", is_flag=True, help="Check every line; pay nothing.")
@click.pass_context
@domain_errors
def bank_settlement(ctx: click.Context, csv_file: Path, bank: str, dry_run: bool) -> None:
    """Pay water bills from a bank's CSV: bill_number,amount,paid_at,bank_reference."""
    from pamong_plugins.pdam.settlement import import_settlement

    try:
        text = csv_file.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{csv_file} is not UTF-8 text") from None
    with app_context(ctx) as app, transaction(app) as session:
        result = import_settlement(session, SYSTEM, text, bank=bank, dry_run=dry_run)
    for problem in result.problems:
        click.echo(
            f"  line {problem['line']}: {problem['bill_number']}: {problem['detail']}", err=True
        )
    verb = "would be paid" if dry_run else "paid"
    click.echo(
        f"{result.paid} bills {verb} ({rupiah(result.total)}), {len(result.problems)} lines refused"
    )

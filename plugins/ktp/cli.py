"""``pamong ktp ...``: service-time figures at the terminal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import click

from pamong.plugin import Actor, app_context, regency_today, time_zone, transaction
from pamong_plugins.ktp import stats


def _day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group("ktp")
def ktp() -> None:
    """The KTP counter."""


@ktp.command("stats")
@click.option("--since", help="First day (YYYY-MM-DD); default 29 days before --until.")
@click.option("--until", help="Last day (YYYY-MM-DD); default today.")
@click.option("--kecamatan", help="Only this kecamatan code (e.g. 33.14.01).")
@click.option("--csv", "as_csv", is_flag=True, help="Per kecamatan and day, as CSV.")
@click.pass_context
def stats_command(
    ctx: click.Context, since: str | None, until: str | None, kecamatan: str | None, as_csv: bool
) -> None:
    """Cards issued, and minutes from application to print (median, p90), per kecamatan."""
    with app_context(ctx) as app:
        _print_stats(app, since, until, kecamatan, as_csv)


def _print_stats(
    app: Any, since: str | None, until: str | None, kecamatan: str | None, as_csv: bool
) -> None:
    last = _day(until, regency_today(app))
    first = _day(since, last - timedelta(days=29))
    actor = Actor.system("pamong ktp stats")
    with transaction(app) as session:
        if as_csv:
            rows = stats.daily_rows(session, actor, first, last, time_zone(app))
            if kecamatan:
                rows = [r for r in rows if r.kecamatan_code == kecamatan]
            click.echo(stats.to_csv(rows), nl=False)
            return
        summary = stats.summary(session, actor, first, last, time_zone(app))
    if kecamatan:
        summary = [s for s in summary if s.kecamatan_code == kecamatan]
    click.echo(f"KTP cards printed {first.isoformat()} .. {last.isoformat()}")
    click.echo(f"{'kecamatan':<22}{'issued':>8}{'median':>9}{'p90':>9}{'open':>7}")
    for row in summary:
        median = f"{row.median_minutes:.1f}" if row.median_minutes is not None else "-"
        p90 = f"{row.p90_minutes:.1f}" if row.p90_minutes is not None else "-"
        open_count = sum(row.backlog.values())
        click.echo(f"{row.kecamatan[:21]:<22}{row.issued:>8}{median:>9}{p90:>9}{open_count:>7}")
    total = sum(row.issued for row in summary)
    click.echo(f"{'total':<22}{total:>8}   (minutes from application to print)")

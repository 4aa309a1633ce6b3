"""``pamong suratdesa recap``: each desa sends its kecamatan the month's recap."""

from __future__ import annotations

from datetime import date, timedelta

import click

from pamong.plugin import Actor, app_context, regency_today, time_zone, transaction

from pamong_suratdesa import services


@click.group("suratdesa")
def cli() -> None:
    """Surat Desa: certificate letters at the desa office."""


@cli.command("recap")
@click.option("--month", help="YYYY-MM; default: last month. Run it from cron on the 1st.")
@click.pass_context
def recap(ctx: click.Context, month: str | None) -> None:
    """Send each kecamatan its desa's counts of letters issued in the month."""
    with app_context(ctx) as app:
        if month:
            try:
                first = date.fromisoformat(f"{month}-01")
            except ValueError:
                raise click.BadParameter(f"{month!r} is not a month (YYYY-MM)") from None
        else:
            first = (regency_today(app).replace(day=1) - timedelta(days=1)).replace(day=1)
        with transaction(app) as session:
            actor = Actor.system("pamong suratdesa recap")
            sent = services.send_monthly_recaps(session, actor, first, time_zone(app))
    click.echo(f"{sent} recaps sent for {first:%Y-%m}.")

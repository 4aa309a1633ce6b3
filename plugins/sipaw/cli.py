"""``pamong sipaw ...``: import observations, publish a day, pull the peers' feeds."""

from __future__ import annotations

from datetime import date

import click

from pamong.plugin import Actor, CliError, InvalidInput, app_context, regency_today, transaction
from pamong_plugins.sipaw import jobs, services


def _day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group("sipaw")
def cli() -> None:
    """Staple-food prices (SIPAW)."""


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def import_command(ctx: click.Context, path: str) -> None:
    """Import observations from a CSV (market,day,commodity,price,trader,note,confirmed).

    Nothing is imported unless every line is good; each bad line is named.
    """
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None
    with app_context(ctx) as app:
        try:
            with transaction(app) as session:
                saved = services.import_csv(session, Actor.system("pamong sipaw import"), text)
        except InvalidInput as exc:
            for error in exc.extra.get("errors") or []:
                click.echo(
                    f"line {error['row']}: {error['commodity']}: {error['message']}", err=True
                )
            raise CliError(exc.detail) from None
    click.echo(f"{saved} observations imported")


@cli.command("publish")
@click.option("--day", help="The day (YYYY-MM-DD); default today.")
@click.option("--note", default="", help="Correction note, needed when published prices change.")
@click.pass_context
def publish_command(ctx: click.Context, day: str | None, note: str) -> None:
    """Publish the medians of a day's observations in every market."""
    with app_context(ctx) as app:
        when = _day(day, regency_today(app))
        try:
            with transaction(app) as session:
                result = services.publish_day(
                    session, Actor.system("pamong sipaw publish"), when, note=note
                )
        except InvalidInput as exc:
            raise CliError(exc.detail) from None
    click.echo(
        f"{result.day}: {result.published} published, {result.corrected} corrected, "
        f"{result.unchanged} unchanged, {result.alerts} alerts"
    )


@cli.command("pull-peers")
@click.pass_context
def pull_peers_command(ctx: click.Context) -> None:
    """Pull the peer regencies' published prices and trade boards (retries; failures reported)."""
    with app_context(ctx) as app:
        results = jobs.pull_all(app)
    if not results:
        click.echo("no peers configured")
    for r in results:
        click.echo(
            f"{r.peer}: {r.stored} rows, {r.posts} board posts"
            + (f" ({r.error})" if r.error else "")
        )

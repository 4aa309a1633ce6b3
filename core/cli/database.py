"""Schema migrations: ``pamong db upgrade|status|revision``."""

from __future__ import annotations

import sys

import click

from pamong.cli.base import CliError, app_context, main


@main.group()
def db() -> None:
    """Database schema: upgrade, status and new revisions, per component."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Upgrade the core, then every enabled plugin, to its newest revision."""
    from pamong import migrate

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        for row in migrate.upgrade(state.db, state.host):
            click.echo(f"{row.id:<16} {row.current or '-'}")


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Show each component's current and head revision."""
    from pamong import migrate

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        rows = migrate.status(state.db, state.host)
        click.echo(f"{'component':<16} {'current':<14} {'head':<14} state")
        for row in rows:
            mark = "ok" if row.up_to_date else "needs upgrade"
            click.echo(f"{row.id:<16} {row.current or '-':<14} {row.head or '-':<14} {mark}")
        if not all(r.up_to_date for r in rows):
            sys.exit(1)


@db.command("revision")
@click.argument("component")
@click.option("-m", "--message", required=True, help="What changed, e.g. 'weight of a round'.")
@click.pass_context
def db_revision(ctx: click.Context, component: str, message: str) -> None:
    """Write COMPONENT's next migration (a plugin id, or core) from its models.

    For developers: run it on a development instance where the plugin is
    enabled and upgraded; read the file it writes before committing it.
    """
    from pamong import migrate

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        behind = [row.id for row in migrate.status(state.db, state.host) if not row.up_to_date]
        if behind:
            raise CliError(f"upgrade first (pamong db upgrade): {', '.join(behind)} behind")
        try:
            path = migrate.new_revision(state.host, state.db, component, message)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    click.echo(f"Wrote {path}")

"""Schema migrations: ``pamong db upgrade|status|downgrade|revision``.

These commands build the app without the schema check (the app refuses to
serve on a schema that is behind); ``status`` also works when a plugin
fails to load, and names it.
"""

from __future__ import annotations

import sys

import click

from pamong.cli.base import CliError, app_context, instance_path, main
from pamong.cli.plugins import echo_problems, inspect_plugins


@main.group()
def db() -> None:
    """Database schema: upgrade, status, downgrade and new revisions, per component."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Upgrade the core, then every enabled plugin, to its newest revision.

    All in one transaction: when a migration fails, nothing is changed and
    the failing component and revision are named.
    """
    from pamong import migrate

    with app_context(ctx, check_schema=False) as app:
        state = app.extensions["pamong"]
        for row in migrate.upgrade(state.db, state.host):
            click.echo(f"{row.id:<16} {row.current or '-'}")


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Show each component's current and head revision.

    Exits 1 unless every component is at its head. An enabled plugin that
    fails to load is listed with the revision the database holds for it.
    """
    from pamong import migrate
    from pamong.db import Database

    inspection = inspect_plugins(instance_path(ctx))
    database = Database(inspection.settings.database_url)
    try:
        rows = migrate.status(database, inspection.host)
        broken = [p for p in inspection.settings.plugins if p not in inspection.host.plugins]
        with database.engine.connect() as conn:
            held = {pid: migrate.current_of(conn, f"alembic_version_{pid}") for pid in broken}
    finally:
        database.dispose()
    click.echo(f"{'component':<16} {'current':<14} {'head':<14} state")
    for row in rows:
        mark = "ok" if row.up_to_date else "needs upgrade"
        click.echo(f"{row.id:<16} {row.current or '-':<14} {row.head or '-':<14} {mark}")
    for pid in broken:
        click.echo(f"{pid:<16} {held.get(pid) or '-':<14} {'?':<14} plugin does not load")
    echo_problems(inspection.problems)
    if inspection.problems or not all(r.up_to_date for r in rows):
        sys.exit(1)


@db.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("component")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def db_downgrade(ctx: click.Context, component: str, revision: str, yes: bool) -> None:
    """Take one COMPONENT (core or a plugin id) down to REVISION.

    REVISION is a revision id, ``-1`` (one step) or ``base`` (remove the
    component's tables). Downgrading drops tables and columns with their
    data: back up first. Plugins that depend on the core's tables must be
    downgraded before the core.
    """
    from pamong import migrate

    if not yes:
        click.confirm(
            f"Downgrade {component} to {revision}? Dropped tables and columns lose their data",
            abort=True,
        )
    with app_context(ctx, check_schema=False) as app:
        state = app.extensions["pamong"]
        try:
            migrate.downgrade(state.db, state.host, component, revision)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        for row in migrate.status(state.db, state.host):
            if row.id == component:
                click.echo(f"{row.id:<16} {row.current or '-'}")


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

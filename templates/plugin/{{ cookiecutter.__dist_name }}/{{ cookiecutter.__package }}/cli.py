"""``pamong {{ cookiecutter.plugin_id }} …``: the plugin's commands.

Pamong adds the group to its ``pamong`` command while the plugin is enabled.
"""

from __future__ import annotations

import click

from pamong.plugin import Actor, app_context, domain_errors, transaction

from {{ cookiecutter.__package }} import services


@click.group("{{ cookiecutter.plugin_id }}")
def cli() -> None:
    """{{ cookiecutter.title }}: {{ cookiecutter.description }}"""


@cli.command("add")
@click.argument("unit_code")
@click.argument("title")
@click.pass_context
@domain_errors
def add(ctx: click.Context, unit_code: str, title: str) -> None:
    """Record TITLE at the org unit UNIT_CODE (e.g. 33.14.01)."""
    actor = Actor.system("pamong {{ cookiecutter.plugin_id }} add")
    with app_context(ctx) as app, transaction(app) as session:
        entry = services.add_entry(session, actor, title=title, unit_code=unit_code)
        click.echo(f"Recorded #{entry.id} at {entry.org_unit.name}.")


@cli.command("list")
@click.option("--unit", "unit_code", help="Only this org unit (e.g. 33.14.01).")
@click.pass_context
def list_entries(ctx: click.Context, unit_code: str | None) -> None:
    """The 50 newest entries, one a line."""
    actor = Actor.system("pamong {{ cookiecutter.plugin_id }} list")
    with app_context(ctx) as app, transaction(app) as session:
        stmt = services.entries_query(actor, unit_code=unit_code).limit(50)
        for entry in session.scalars(stmt):
            click.echo(f"{entry.id:>6}  {entry.org_unit.code:<14} {entry.title}")

"""The org-unit tree: ``pamong orgunits list|add``."""

from __future__ import annotations

import click

from pamong.cli.base import (
    Lazy,
    app_context,
    domain_errors,
    main,
)

Actor = Lazy("pamong.accounts.permissions", "Actor")


@main.group("orgunits")
def orgunits_group() -> None:
    """The org-unit tree."""


@orgunits_group.command("list")
@click.option("--kind", default=None)
@click.option("--parent", default=None, help="Code of the direct parent.")
@click.pass_context
@domain_errors
def orgunits_list(ctx: click.Context, kind: str | None, parent: str | None) -> None:
    """List org units."""
    from pamong.db import get_session
    from pamong.orgunits.services import list_units

    with app_context(ctx):
        for unit in list_units(get_session(), kind=kind, parent_code=parent):
            click.echo(f"{unit.code:<16} {unit.kind:<14} {unit.name}")


@orgunits_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True)
@click.option("--parent", required=True, help="Code of the parent unit.")
@click.pass_context
@domain_errors
def orgunits_add(ctx: click.Context, code: str, name: str, kind: str, parent: str) -> None:
    """Add an org unit (an office, a service point...)."""
    from pamong.orgunits.services import add_unit

    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        unit = add_unit(
            session, Actor.system("cli"), code=code, name=name, kind=kind, parent_code=parent
        )
    click.echo(f"Added {unit.code} {unit.name}.")

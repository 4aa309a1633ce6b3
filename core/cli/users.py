"""Staff accounts and API tokens: ``pamong users``, ``pamong tokens``."""

from __future__ import annotations

from pathlib import Path

import click

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.cli.base import (
    CliError,
    app_context,
    domain_errors,
    main,
    read_password_file,
)


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--full-name", default="")
@click.option("--email", default=None)
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--role", "roles", multiple=True, help="ROLE@UNIT_CODE, e.g. registrar@33.14.01")
@click.pass_context
@domain_errors
def users_create(
    ctx: click.Context,
    username: str,
    full_name: str,
    email: str | None,
    password_file: Path | None,
    roles: tuple[str, ...],
) -> None:
    """Create a staff user and grant roles at org units."""
    from pamong.orgunits.services import get_unit

    if password_file is not None:
        password = read_password_file(password_file)
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        system = Actor.system("cli")
        user = accounts.create_user(
            session,
            system,
            username=username,
            password=password,
            full_name=full_name,
            email=email,
        )
        for spec in roles:
            role_name, sep, unit_code = spec.partition("@")
            if not sep:
                raise CliError(f"--role {spec!r}: write ROLE@UNIT_CODE")
            accounts.assign_role(
                session,
                system,
                user,
                accounts.get_role(session, role_name),
                get_unit(session, unit_code),
            )
    click.echo(f"User {user.username!r} created.")


@main.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.pass_context
@domain_errors
def tokens_create(ctx: click.Context, username: str, name: str) -> None:
    """Create a token for USERNAME and print it (it is shown only once)."""
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        user = accounts.get_user(session, username)
        _token, plain = accounts.create_token(session, Actor.system("cli"), user, name)
    click.echo(plain)

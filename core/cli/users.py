"""Staff accounts and API tokens: ``pamong users``, ``pamong tokens``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pamong.cli.base import (
    CliError,
    Lazy,
    app_context,
    domain_errors,
    main,
    read_password_file,
)

accounts = Lazy("pamong.accounts.services")
Actor = Lazy("pamong.accounts.permissions", "Actor")


def cli_actor() -> Any:
    """Who the CLI acts as: the operator at the server, outside any role (audited as "cli")."""
    return Actor.system("cli")


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
    if password_file is not None:
        password = read_password_file(password_file)
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        user = accounts.create_user(
            session,
            cli_actor(),
            username=username,
            password=password,
            full_name=full_name,
            email=email,
        )
        for spec in roles:
            accounts.assign_role(session, cli_actor(), user, *_role_at(session, spec, "--role"))
    click.echo(f"User {user.username!r} created.")


def _role_at(session: Any, spec: str, what: str) -> tuple[Any, Any]:
    """The role and the org unit of ``ROLE@UNIT_CODE``."""
    from pamong.orgunits.services import get_unit

    role_name, sep, unit_code = spec.partition("@")
    if not sep:
        raise CliError(f"{what} {spec!r}: write ROLE@UNIT_CODE")
    return accounts.get_role(session, role_name), get_unit(session, unit_code)


@users.command("list")
@click.option("--inactive", is_flag=True, help="Only deactivated accounts.")
@click.pass_context
@domain_errors
def users_list(ctx: click.Context, inactive: bool) -> None:
    """Every staff account: username, state, roles (ROLE@UNIT) and full name."""
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        for user in session.scalars(accounts.managed_users_query(cli_actor())):
            if inactive and user.is_active:
                continue
            grants = ", ".join(
                f"{a.role.name}@{a.org_unit.code}"
                for a in sorted(user.assignments, key=lambda a: (a.org_unit.code, a.role.name))
            )
            state = "active" if user.is_active else "inactive"
            click.echo(f"{user.username:<24} {state:<8} {grants or '-'}  {user.full_name}".rstrip())


@users.command("deactivate")
@click.argument("username")
@click.pass_context
@domain_errors
def users_deactivate(ctx: click.Context, username: str) -> None:
    """Switch an account off: logins, sessions and API tokens stop at once."""
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        accounts.deactivate_user(session, cli_actor(), accounts.get_user(session, username))
    click.echo(f"User {username!r} deactivated.")


@users.command("reactivate")
@click.argument("username")
@click.pass_context
@domain_errors
def users_reactivate(ctx: click.Context, username: str) -> None:
    """Switch an account on again (its old API tokens stay revoked)."""
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        accounts.reactivate_user(session, cli_actor(), accounts.get_user(session, username))
    click.echo(f"User {username!r} reactivated.")


@users.command("grant")
@click.argument("username")
@click.argument("grants", nargs=-1, required=True, metavar="ROLE@UNIT_CODE...")
@click.pass_context
@domain_errors
def users_grant(ctx: click.Context, username: str, grants: tuple[str, ...]) -> None:
    """Grant roles at org units, e.g. ``pamong users grant op1 registrar@33.14.01``."""
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        user = accounts.get_user(session, username)
        for spec in grants:
            accounts.assign_role(session, cli_actor(), user, *_role_at(session, spec, "grant"))
    click.echo(f"Granted to {username!r}: {', '.join(grants)}.")


@users.command("revoke")
@click.argument("username")
@click.argument("grants", nargs=-1, required=True, metavar="ROLE@UNIT_CODE...")
@click.pass_context
@domain_errors
def users_revoke(ctx: click.Context, username: str, grants: tuple[str, ...]) -> None:
    """Take back roles granted at org units."""
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        user = accounts.get_user(session, username)
        for spec in grants:
            accounts.revoke_role(session, cli_actor(), user, *_role_at(session, spec, "revoke"))
    click.echo(f"Revoked from {username!r}: {', '.join(grants)}.")


@users.command("set-password")
@click.argument("username")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@domain_errors
def users_set_password(ctx: click.Context, username: str, password_file: Path | None) -> None:
    """Give an account a new password (e.g. a locked-out administrator)."""
    if password_file is not None:
        password = read_password_file(password_file)
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        accounts.admin_set_password(
            session, cli_actor(), accounts.get_user(session, username), password
        )
    click.echo(f"Password of {username!r} set.")


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
        _token, plain = accounts.create_token(session, cli_actor(), user, name)
    click.echo(plain)

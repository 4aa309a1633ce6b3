"""The root ``pamong`` group and what every command module shares."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask


class Lazy:
    """A module (or one of its attributes) imported on first use.

    Command modules name the services they call through it, so that
    ``pamong --help`` and the commands that need no app import neither
    Flask nor SQLAlchemy: ``accounts = Lazy("pamong.accounts.services")``,
    ``Actor = Lazy("pamong.accounts.permissions", "Actor")``.
    """

    def __init__(self, module: str, attribute: str | None = None) -> None:
        self._module = module
        self._attribute = attribute

    def _target(self) -> Any:
        target = importlib.import_module(self._module)
        return getattr(target, self._attribute) if self._attribute else target

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)


class CliError(click.ClickException):
    exit_code = 1


def instance_path(ctx: click.Context) -> Path:
    """The instance folder the command works on."""
    return ctx.find_root().obj["instance"]


def read_password_file(path: Path) -> str:
    """The first line of a password file, without its line ending."""
    try:
        return path.read_text("utf-8").rstrip("\r\n")
    except OSError as exc:
        raise CliError(f"cannot read password file {path}: {exc.strerror}") from None


def make_app(ctx: click.Context, *, check_schema: bool = True, web: bool = True) -> Flask:
    """The instance's app; ``check_schema=False`` for commands that build the schema.

    ``web=False`` for commands that only work on the database: the app
    without pages, API, login or templates (:mod:`pamong.appbase`).
    """
    from pamong.config import ConfigError
    from pamong.plugins import StartupError

    if web:
        from pamong.app import create_app
    else:
        from pamong.appbase import create_base_app as create_app
    try:
        return create_app(instance_path(ctx), check_schema=check_schema)
    except (ConfigError, StartupError) as exc:
        raise CliError(str(exc)) from None


@contextmanager
def app_context(
    ctx: click.Context, *, check_schema: bool = True, web: bool = True
) -> Iterator[Flask]:
    """The instance's app, with an app context pushed, for a command's body.

    A failed migration in the body becomes a one-paragraph error. ``web``:
    see :func:`make_app`.
    """
    from pamong.migrate import MigrationError

    app = make_app(ctx, check_schema=check_schema, web=web)
    try:
        with app.app_context():
            yield app
    except MigrationError as exc:
        raise CliError(str(exc)) from None
    finally:
        app.extensions["pamong"].db.dispose()


@contextmanager
def cli_language() -> Iterator[None]:
    """Service messages in English, the language of click's own (usage, errors, help).

    A command's output then reads in one language: outside a request the
    services would otherwise answer in the instance's default (Indonesian)
    between English summaries. Use it inside ``app_context``.
    """
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def domain_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a service's error into a one-line CLI message and exit 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pamong.errors import PamongError

        try:
            return func(*args, **kwargs)
        except PamongError as exc:
            raise CliError(exc.detail) from None

    return wrapper


class PamongGroup(click.Group):
    """Adds the command groups of enabled plugins, read from the instance config."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        root = ctx.find_root()
        cache = root.meta.setdefault("pamong.plugin_commands", None)
        if cache is not None:
            return cache
        commands: dict[str, click.Command] = {}
        # Subcommands are resolved before main() runs: read the parsed option.
        given = root.params.get("instance")
        instance = Path(given).resolve() if given else _default_instance()
        if (instance / "pamong.toml").exists():
            from pamong.config import ConfigError
            from pamong.plugins import StartupError

            try:
                from pamong.app import create_app

                app = create_app(instance, check_schema=False)
            except (ConfigError, StartupError):
                app = None
            if app is not None:
                host = app.extensions["pamong"].host
                for _component, group in host.collect(
                    "pamong_register_cli_commands",
                    click.Command,
                    key=lambda g: g.name or "",
                    namespace_ok=lambda c, g: g.name == c,
                    what="command group",
                ):
                    commands[group.name or ""] = group
                app.extensions["pamong"].db.dispose()
        root.meta["pamong.plugin_commands"] = commands
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            command = self._plugin_commands(ctx).get(name)
        return command


def _default_instance() -> Path:
    return Path(os.environ.get("PAMONG_INSTANCE") or "instance").resolve()


@click.group(cls=PamongGroup)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instance folder (default: $PAMONG_INSTANCE or ./instance).",
)
@click.version_option(package_name="pamong")
@click.pass_context
def main(ctx: click.Context, instance: Path | None) -> None:
    """Pamong: e-government for Indonesian regencies."""
    ctx.ensure_object(dict)
    ctx.obj["instance"] = instance.resolve() if instance else _default_instance()

"""Installed and enabled plugins: ``pamong plugins list``.

``plugins list`` and ``db status`` must work when a plugin is broken, to
name it: they read the instance through :func:`inspect_plugins`, which
never fails on a plugin problem, instead of building the app.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pamong.cli.base import CliError, Lazy, instance_path, main

if TYPE_CHECKING:
    from pamong.config import Settings
    from pamong.plugins import PluginHost

available_plugins = Lazy("pamong.plugins", "available_plugins")
describe_entry_point = Lazy("pamong.plugins", "describe_entry_point")


@dataclass
class PluginInspection:
    """An instance's plugins as far as they load, and every startup problem."""

    settings: Settings
    host: PluginHost
    problems: list[str]

    def reasons(self, pid: str) -> list[str]:
        """The startup problems that name plugin ``pid``."""
        return [p for p in self.problems if repr(pid) in p]


def inspect_plugins(instance: Path) -> PluginInspection:
    """Load the instance's plugins the way the app does, but keep going past problems."""
    from pamong.app import create_app
    from pamong.config import ConfigError, load_settings
    from pamong.plugins import PluginHost, StartupError

    try:
        settings = load_settings(instance)
        app = create_app(instance, check_schema=False)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    except StartupError as exc:
        host = PluginHost(settings.plugins)
        host.load()
        host.load_settings(settings.plugin_settings)
        return PluginInspection(settings, host, exc.problems)
    state = app.extensions["pamong"]
    state.db.dispose()
    return PluginInspection(settings, state.host, [])


def echo_problems(problems: list[str]) -> None:
    """Print startup problems under the table, on stderr."""
    if problems:
        click.echo(f"Pamong cannot start ({len(problems)} problem(s)):", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)


@main.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.pass_context
def plugins_list(ctx: click.Context) -> None:
    """Installed plugins: id, version, state, implemented hooks.

    A plugin that is enabled but does not load is listed as ``broken``; the
    startup problems follow the table and the exit code is 1.
    """
    installed = available_plugins()
    instance = instance_path(ctx)
    inspection = None
    if (instance / "pamong.toml").exists():
        inspection = inspect_plugins(instance)
    if not installed:
        click.echo("No plugins installed.")
    for pid in sorted(installed):
        ep = installed[pid]
        version = ep.dist.version if ep.dist else "?"
        state, hooks = "disabled", "-"
        if inspection is not None and pid in inspection.host.plugins:
            state = "enabled"
            hooks = ", ".join(inspection.host.implemented_hooks(pid)) or "-"
        elif inspection is not None and pid in inspection.settings.plugins:
            state = "broken"
            hooks = inspection.host.broken.get(pid) or "see the problems below"
        click.echo(f"{pid:<16} {version:<10} {state:<9} {hooks}")
    if inspection is not None:
        for pid, eps in inspection.host.clashes.items():
            click.echo(f"{pid}: installed twice: " + " and ".join(map(describe_entry_point, eps)))
        echo_problems(inspection.problems)
        if inspection.problems:
            sys.exit(1)

"""Installed and enabled plugins: ``pamong plugins list``."""

from __future__ import annotations

from typing import Any

import click

from pamong.cli.base import (
    app_context,
    instance_path,
    main,
)
from pamong.plugins import available_plugins


@main.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.pass_context
def plugins_list(ctx: click.Context) -> None:
    """Installed plugins: id, version, enabled, implemented hooks."""
    installed = available_plugins()
    enabled: dict[str, Any] = {}
    hooks: dict[str, list[str]] = {}
    instance = instance_path(ctx)
    if (instance / "pamong.toml").exists():
        with app_context(ctx) as app:
            host = app.extensions["pamong"].host
            enabled = host.plugins
            hooks = {pid: host.implemented_hooks(pid) for pid in enabled}
    if not installed:
        click.echo("No plugins installed.")
    for pid in sorted(installed):
        ep = installed[pid]
        version = ep.dist.version if ep.dist else "?"
        state = "enabled" if pid in enabled else "disabled"
        click.echo(f"{pid:<16} {version:<10} {state:<9} {', '.join(hooks.get(pid, [])) or '-'}")

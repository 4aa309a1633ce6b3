"""The documentation keeps up with the code: every hook and every command."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click
import pytest

import pamong.hookspecs as hookspecs
from pamong.cli import main

DOCS = Path(__file__).parent.parent / "docs"
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("pamong_"))


def signature(name: str) -> str:
    """``pamong_x(a: T) -> R`` with the annotations as written in pamong.hookspecs."""
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


def hook_section(name: str) -> str:
    text = (DOCS / "plugins" / "hooks.md").read_text("utf-8")
    match = re.search(rf"^## `?{name}`?\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"docs/plugins/hooks.md has no section for {name}"
    return match.group(1)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented_with_its_signature(name):
    assert signature(name) in hook_section(name)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_an_example(name):
    section = hook_section(name)
    assert "```python" in section and "@hookimpl" in section


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_docstring(name):
    assert inspect.getdoc(getattr(hookspecs, name))


def commands(group: click.Group, prefix: str = "pamong") -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(commands(command, path))
        else:
            found.append(path)
    return found


@pytest.mark.parametrize("command", commands(main))
def test_every_command_is_in_the_cli_reference(command):
    assert f"`{command}" in (DOCS / "cli.md").read_text("utf-8")

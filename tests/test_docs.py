"""The documentation keeps up with the code: every hook and every command."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pytest

import pamong.plugin as api
from pamong.cli import main

DOCS = Path(__file__).parent.parent / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
import pamong_reference as reference  # noqa: E402  (the docs' own generator)

HOOKS = reference.hook_names()


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_declares_when_it_is_called_and_since_when(name):
    info = reference.hook_info(name)
    assert info["when"] and info["since"], f"declare {name} with @spec(since=..., when=...)"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_parameter_is_documented(name):
    info = reference.hook_info(name)
    assert info["prose"]
    undocumented = [p for p in info["params"] if not info["args"].get(p)]
    assert not undocumented, f"{name}: add these to Args: {undocumented}"
    assert set(info["args"]) <= set(info["params"]), f"{name}: Args names a missing parameter"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_return_is_documented(name):
    info = reference.hook_info(name)
    assert info["returns"] == "None" or info["returns_doc"], f"{name}: add Returns:"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_an_example_from_a_real_plugin(name):
    example = reference.hook_info(name)["example"]
    assert example and "@hookimpl" in example[1], f"no plugin implements {name}"


@pytest.mark.parametrize("record", reference.record_types(), ids=lambda cls: cls.__name__)
def test_every_record_field_is_documented(record):
    info = reference.record_info(record)
    assert info["prose"]
    undocumented = [name for name, _type, _default, doc in info["fields"] if not doc]
    assert not undocumented, f"{record.__name__}: add these to Attributes: {undocumented}"


def test_the_hook_reference_is_generated_from_the_code():
    text = (DOCS / "plugins" / "hooks.md").read_text("utf-8")
    assert "{pamong-hooks}" in text and "{pamong-records}" in text
    rendered = "\n".join(reference.render_hooks())
    for name in HOOKS:
        assert f"`{name}(" not in text  # nothing written by hand that could go stale
        assert reference.hook_info(name)["signature"] in rendered


def test_the_api_page_lists_every_public_name():
    rendered = "\n".join(reference.render_api())
    assert "{pamong-api}" in (DOCS / "plugins" / "api.md").read_text("utf-8")
    for name in api.__all__:
        assert f"`{name}" in rendered


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

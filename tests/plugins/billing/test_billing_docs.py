"""Billing's own hooks are documented like the core's, and its docs build into the reference."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[3] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
import pamong_reference as reference  # noqa: E402

MODULE = "pamong_plugins.billing.hookspecs"
HOOKS = reference.hook_names(MODULE)


def test_billing_declares_its_four_hooks():
    assert HOOKS == [
        "pamong_billing_channel",
        "pamong_on_invoice_cancelled",
        "pamong_on_invoice_paid",
        "pamong_register_payment_channels",
    ]


@pytest.mark.parametrize("name", HOOKS)
def test_every_billing_hook_is_documented_with_an_example(name):
    info = reference.hook_info(name, MODULE)
    assert info["since"] and info["when"] and info["prose"]
    assert set(info["args"]) == set(info["params"])
    assert info["returns"] == "None" or info["returns_doc"]
    assert info["example"] and "@hookimpl" in info["example"][1]


def test_the_channel_resolver_is_firstresult():
    assert reference.hook_info("pamong_billing_channel", MODULE)["firstresult"]


def test_the_plugin_authors_page_renders_billings_hooks():
    assert f"{{pamong-hooks}} {MODULE}" in (DOCS / "billing" / "plugin-authors.md").read_text()

"""Placeholder replaced below."""

from __future__ import annotations

from typing import Any


def seed(session: Any, ctx: Any) -> None:
    """Filled in by the demo commit."""

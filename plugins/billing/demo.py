"""Billing demo data."""

from __future__ import annotations

from typing import Any


def seed(session: Any, context: Any) -> None:
    """Add the billing demo."""

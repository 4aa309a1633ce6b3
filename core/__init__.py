"""Pamong: a plugin-based e-government framework for Indonesian regencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["__version__", "create_app"]


def create_app(instance_path: str | None = None, **overrides: Any) -> Flask:
    """Build the Flask application; see :func:`pamong.app.create_app`."""
    from pamong.app import create_app as _create_app

    return _create_app(instance_path, **overrides)

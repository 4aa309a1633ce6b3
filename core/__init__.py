"""Pamong: a plugin-based e-government framework for Indonesian regencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["__version__", "create_app"]


def create_app(instance_path: str | None = None, **overrides: Any) -> Flask:
    """Build the Flask application; see :func:`pamong.app.create_app`.

    The servers' entry point (``gunicorn 'pamong:create_app()'``): once the
    app is built, its long-lived objects (some 100,000: models, routes,
    schemas, plugin modules) are moved out of the cyclic garbage
    collector's sight with :func:`gc.freeze`. Otherwise the first
    collections of a fresh worker scan them all, and a full collection
    held a request up for 25-100 ms (the lookup benchmark's first round
    had a p99 of 40 ms). Tests and commands build apps with
    :func:`pamong.app.create_app`, which freezes nothing.

    Before that, :func:`pamong.app.prepare_to_serve` does the work the first
    request would otherwise do (the models' mapper configuration), so that a
    fresh worker's first request costs what the next one does.
    """
    import gc

    from pamong.app import create_app as _create_app
    from pamong.app import prepare_to_serve

    app = _create_app(instance_path, **overrides)
    prepare_to_serve(app)
    gc.freeze()
    return app

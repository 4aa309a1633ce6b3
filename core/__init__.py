"""Pamong: a plugin-based e-government framework for Indonesian regencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["__version__", "create_app"]


def create_app(instance_path: str | None = None, **overrides: Any) -> Flask:
    """Build the Flask application to serve; see :func:`pamong.app.create_app`.

    The entry point of the WSGI server (``gunicorn 'pamong:create_app()'``):
    its app lives as long as the process, so the objects built by then (the
    app, the modules, models and routes) leave the garbage collector's view
    for good (``gc.freeze()``). A full collection would otherwise scan those
    few hundred thousand objects (about 0.2 s) during one of the first
    requests, and again now and then. Tests and tools that build many apps
    in one process call :func:`pamong.app.create_app`, which does not.
    """
    import gc

    from pamong.app import create_app as _create_app

    app = _create_app(instance_path, **overrides)
    gc.freeze()
    return app

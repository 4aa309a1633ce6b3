"""Rate limits for the public pages and endpoints (tracker, verification)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def public_limit() -> str:
    """The per-client limit of public endpoints, from ``public_rate_limit``."""
    return current_app.extensions["pamong"].settings.public_rate_limit


def public(view: Any) -> Any:
    """Decorate a public view with the configured per-IP limit."""
    return limiter.limit(public_limit)(view)


def init_app(app: Flask) -> None:
    # Behind a reverse proxy, configure ProxyFix so that remote_addr is the client's.
    # Several app processes share counts only through a shared store (redis://…).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config["RATELIMIT_STORAGE_URI"] = app.extensions["pamong"].settings.rate_limit_storage
    limiter.init_app(app)

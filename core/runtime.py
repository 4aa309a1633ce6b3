"""What a running instance knows about itself: its settings, zone and database.

These read the current Flask app, so they work inside a request, a CLI
command run through ``app_context`` and a worker job; plugins reach them
through :mod:`pamong.plugin` instead of ``app.extensions["pamong"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context
from marshmallow import Schema
from sqlalchemy.orm import Session

DEFAULT_TIME_ZONE = "Asia/Jakarta"


def _state(app: Flask | None = None) -> Any:
    return (app or current_app).extensions["pamong"]


def plugin_settings(
    plugin_id: str, app: Flask | None = None, *, defaults: type[Schema] | None = None
) -> dict[str, Any]:
    """The validated ``[plugins.<plugin_id>]`` settings of the instance.

    With ``defaults`` (the plugin's settings schema), a call without an app
    (a bare service call in a unit test) or for a plugin the app does not
    run gets the schema's defaults instead of an error.
    """
    if defaults is None:
        return _state(app).plugin_settings(plugin_id)
    if app is None and not (has_app_context() and "pamong" in current_app.extensions):
        return defaults().load({})
    try:
        return _state(app).plugin_settings(plugin_id)
    except KeyError:
        return defaults().load({})


def time_zone(app: Flask | None = None) -> str:
    """The regency's IANA time zone (``Asia/Jakarta``, ``Asia/Makassar``, ``Asia/Jayapura``).

    Outside an app (a bare unit test), WIB.
    """
    if app is None and not (has_app_context() and "pamong" in current_app.extensions):
        return DEFAULT_TIME_ZONE
    return _state(app).settings.time_zone


def regency_now(app: Flask | None = None) -> datetime:
    """The current time, aware, in the regency's zone."""
    return datetime.now(UTC).astimezone(ZoneInfo(time_zone(app)))


def regency_today(app: Flask | None = None) -> date:
    """Today's date in the regency's zone: SLAs, reports and counters are local days."""
    return regency_now(app).date()


def region_code(app: Flask | None = None) -> str:
    """The instance's regency or city code (``33.14``)."""
    return _state(app).settings.region


def site_branding(app: Flask | None = None) -> dict[str, str]:
    """The instance's branding and contact settings, for letterheads and printed papers.

    Keys: ``logo`` (a site path such as ``/site/static/logo.png``, a URL, or
    empty), ``public_url``, ``brand_color``, ``accent_color``,
    ``contact_address``, ``contact_phone``, ``contact_email``.
    """
    settings = _state(app).settings
    names = (
        "logo",
        "public_url",
        "brand_color",
        "accent_color",
        "contact_address",
        "contact_phone",
        "contact_email",
    )
    return {name: str(getattr(settings, name) or "") for name in names}


def enabled_plugins(app: Flask | None = None) -> list[str]:
    """Ids of the plugins enabled on the instance, in load order."""
    return list(_state(app).plugins)


@contextmanager
def transaction(app: Flask | None = None) -> Iterator[Session]:
    """A session of the instance's database that commits on success, rolls back on error.

    For CLI commands and worker jobs; request handlers use ``get_session()``
    and commit themselves.
    """
    with _state(app).db.transaction() as session:
        yield session

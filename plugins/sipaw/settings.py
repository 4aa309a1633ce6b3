"""``[plugins.sipaw]`` in pamong.toml, and reading it with defaults outside an app."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from pamong.plugin import plugin_settings


class PeerSchema(Schema):
    """A peer regency (or any source) serving SIPAW's open-data JSON."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_-]{2,30}$"))
    name = fields.String(required=True, validate=validate.Length(1, 100))
    #: Base URL of the peer's deployment (``https://pamong.klatenkab.go.id``), or
    #: ``demo:<code>`` for the demo peers served in process.
    url = fields.String(required=True, validate=validate.Length(1, 300))
    #: Kemendagri code of the peer regency (``33.10``).
    region_code = fields.String(load_default="")


class SipawSettings(Schema):
    """``[plugins.sipaw]``: thresholds, the daily deadline, peers."""

    #: An entry further than this from the previous published price needs a confirmed note (%).
    confirm_change_percent = fields.Integer(
        load_default=20, strict=True, validate=validate.Range(1, 500)
    )
    #: A day-on-day change of the regency price above this raises an alert (%).
    alert_change_percent = fields.Integer(
        load_default=15, strict=True, validate=validate.Range(1, 500)
    )
    #: Local time by which markets must have entered (reminders after it).
    entry_deadline = fields.String(
        load_default="11:00", validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$")
    )
    #: Unit code of the trade office (sender of reminders, receiver of alerts).
    trade_office = fields.String(load_default="")
    #: Peers whose open data is pulled by ``pamong sipaw pull-peers`` and the worker.
    peers = fields.List(fields.Nested(PeerSchema), load_default=list)
    #: A peer whose newest price is older than this many days is marked stale.
    peer_max_age_days = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 60))
    #: Seconds to wait for a peer's answer, and attempts before giving up.
    peer_timeout_seconds = fields.Integer(
        load_default=10, strict=True, validate=validate.Range(1, 120)
    )
    peer_attempts = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 10))
    #: Licence of the open data (name, URL).
    licence_name = fields.String(load_default="CC BY 4.0")
    licence_url = fields.String(load_default="https://creativecommons.org/licenses/by/4.0/")


def settings() -> dict[str, Any]:
    """The validated settings; the defaults when no app is around (a bare service call)."""
    return plugin_settings("sipaw", defaults=SipawSettings)

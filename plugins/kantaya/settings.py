"""``[plugins.kantaya]`` in pamong.toml, and reading it with defaults outside an app."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from pamong.plugin import plugin_settings

DEFAULT_KINDS = ["skpd", "kecamatan", "bumd", "rsud"]
DEFAULT_TEMPLATE = "{code}/{seq}/{unit}/{year}"


class KantayaSettings(Schema):
    """``[plugins.kantaya]``: who reports, when reminders go out, the letter number format."""

    #: Unit kinds that report daily.
    reporting_kinds = fields.List(
        fields.String(validate=validate.Length(1, 20)), load_default=lambda: list(DEFAULT_KINDS)
    )
    #: Local hour at which units without a report for today are reminded (working days).
    reminder_hour = fields.Integer(load_default=15, strict=True, validate=validate.Range(0, 23))
    #: A report submitted after this local hour of the next day counts as late.
    late_after_hour = fields.Integer(load_default=9, strict=True, validate=validate.Range(0, 23))
    #: Outgoing letter number template; fields: code, seq, unit, grade, month, year.
    letter_template = fields.String(load_default=DEFAULT_TEMPLATE, validate=validate.Length(5, 120))
    #: Digits of the sequence (zero padded).
    letter_padding = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 8))
    #: The development planning office told about critical contracts (e.g. Bappeda's code).
    planning_unit_code = fields.String(load_default="", validate=validate.Length(max=40))
    #: One sequence per classification code (else one per year for the whole agency).
    sequence_per_code = fields.Boolean(load_default=False)


def settings() -> dict[str, Any]:
    """The validated settings; the defaults when no app is around (a bare service call)."""
    return plugin_settings("kantaya", defaults=KantayaSettings)

"""``[plugins.rsud]`` in pamong.toml, and reading it with defaults outside an app."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from pamong.plugin import plugin_settings


class RsudSettings(Schema):
    """``[plugins.rsud]``: the class list, room-charge grace, upgrade caps, payer ceilings."""

    #: Care classes, highest first (KRIS under Perpres 59/2024 may shorten it).
    classes = fields.List(
        fields.String(validate=validate.Length(1, 4)),
        load_default=lambda: ["VIP", "I", "II", "III"],
    )
    #: Hours past a full day before another room day is charged.
    room_grace_hours = fields.Integer(load_default=6, strict=True, validate=validate.Range(0, 23))
    #: Above class I (VIP): the upgrade difference is at most this % of the class-I tariff.
    vip_upgrade_cap_percent = fields.Integer(
        load_default=75, strict=True, validate=validate.Range(0, 100)
    )
    #: Executive outpatient care of a JKN patient: the most the patient pays per episode.
    executive_outpatient_cap = fields.Integer(
        load_default=400_000, strict=True, validate=validate.Range(0, 10**9)
    )
    #: Payer (jamkesda, insurance, company) -> the most it pays per encounter, whole rupiah.
    payer_ceilings = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(strict=True),
        load_default=lambda: {"jamkesda": 5_000_000},
    )
    #: Revenue account of hospital bills (BLUD services).
    account_code = fields.String(load_default="4.1.04.16.01.0001")
    #: Suggested deposit on a self-pay admission.
    default_deposit = fields.Integer(load_default=1_000_000, strict=True)


def settings() -> dict[str, Any]:
    """The validated settings; the defaults when no app is around (a bare service call)."""
    return plugin_settings("rsud", defaults=RsudSettings)

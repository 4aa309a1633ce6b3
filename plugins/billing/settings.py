"""``[plugins.billing]`` in pamong.toml, and reading it with defaults outside an app."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from pamong.plugin import plugin_settings

#: Revenue accounts (Permendagri 90/2019) for the fees of the built-in plugins.
DEFAULT_FEE_ACCOUNTS = {"ktp": "4.1.02.01.01.0001", "licensing": "4.1.02.03.01.0001"}
DEFAULT_ACCOUNT_NAMES = {
    "4.1.02.01.01.0001": "Retribusi Jasa Umum - Penggantian Biaya Cetak KTP",
    "4.1.02.03.01.0001": "Retribusi Perizinan Tertentu",
    "4.1.02.01.01.0002": "Retribusi Jasa Umum - Pelayanan Lainnya",
}
DEMO_SECRET = "demo-channel-secret-not-for-production"


class BillingSettings(Schema):
    """``[plugins.billing]``: channels, their secrets, accounts and time limits."""

    #: Payment channels in use (names registered by plugins; ``demo`` is the simulated bank).
    channels = fields.List(fields.String(validate=validate.Length(1, 30)), load_default=["demo"])
    #: Channel name -> shared secret for callback signatures (HMAC-SHA512).
    channel_secrets = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    #: A callback whose X-TIMESTAMP is further than this from now is refused (replay).
    callback_window_seconds = fields.Integer(
        load_default=300, strict=True, validate=validate.Range(30, 3600)
    )
    #: Hours a virtual account or QRIS payload stays payable.
    channel_bill_hours = fields.Integer(
        load_default=72, strict=True, validate=validate.Range(1, 24 * 90)
    )
    #: Channel bills still open after this many minutes are re-checked by the worker.
    recheck_after_minutes = fields.Integer(
        load_default=15, strict=True, validate=validate.Range(1, 24 * 60)
    )
    #: Days after the due date at which an unpaid invoice expires and is reissued.
    reissue_after_days = fields.Integer(
        load_default=30, strict=True, validate=validate.Range(1, 3650)
    )
    #: Source plugin -> revenue account code of its fees.
    fee_accounts = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=DEFAULT_FEE_ACCOUNTS.copy
    )
    #: The account of fees from a source not listed in ``fee_accounts``.
    default_account = fields.String(load_default="4.1.02.01.01.0002")
    #: Source plugin -> payer group of its payers (``business`` for permit applicants).
    payer_kinds = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=lambda: {"licensing": "business"}
    )
    #: Where deposits go: the regional treasury account (RKUD).
    treasury_account = fields.String(load_default="Rekening Kas Umum Daerah (RKUD)")
    #: Unit code -> its own settlement account (a BLUD hospital, a water company).
    unit_settlement_accounts = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict
    )


def settings() -> dict[str, Any]:
    """The validated settings; the defaults when no app is around (a bare service call)."""
    return plugin_settings("billing", defaults=BillingSettings)


def channel_secret(name: str) -> str:
    secret = settings()["channel_secrets"].get(name, "")
    if not secret and name == "demo":
        return DEMO_SECRET
    return secret

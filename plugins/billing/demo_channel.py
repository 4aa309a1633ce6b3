"""The demo channel: a simulated regional bank, end to end, for trainers.

The "bank" keeps its own books (``billing_demo_bank_bills``): it issues
virtual account numbers and QRIS payloads, takes a payment from the
simulator page, and notifies billing the way a real bank does under Bank
Indonesia's SNAP conventions: a JSON body, ``X-TIMESTAMP``,
``X-SIGNATURE`` (HMAC-SHA512 over the raw body), ``X-EXTERNAL-ID`` unique
per day. Billing then confirms the payment with the bank's status check.
It is also the worked example of a payment channel (docs/billing/channels.md).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import time_zone, utcnow
from pamong_plugins.billing.models import BillingDemoBankBill
from pamong_plugins.billing.records import (
    ChannelBill,
    ChannelInfo,
    ChannelNotification,
    ChannelStatus,
    InvoiceInfo,
    PaymentChannel,
    snap_signature,
)

NAME = "demo"
CALLBACK_PATH = "/api/v1/billing/channels/demo/callback"
BANK_CODE = "8808"  # the demo bank's VA prefix
INFO = ChannelInfo(NAME, "Bank Daerah Demo (simulasi)", ("va", "qris"))


def crc16_ccitt(data: bytes) -> str:
    """CRC-16/CCITT-FALSE, as QRIS (EMVCo) ends every payload with it."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def qris_payload(amount: int, bill_reference: str, merchant: str = "PEMKAB DEMO") -> str:
    """A dynamic EMVCo merchant-presented QRIS payload for one bill."""
    body = (
        _tlv("00", "01")
        + _tlv("01", "12")  # dynamic: one payment
        + _tlv("26", _tlv("00", "ID.CO.QRIS.WWW") + _tlv("01", "936008080000000001"))
        + _tlv("52", "9399")  # government services
        + _tlv("53", "360")  # IDR
        + _tlv("54", str(amount))
        + _tlv("58", "ID")
        + _tlv("59", merchant[:25])
        + _tlv("60", "SRAGEN")
        + _tlv("62", _tlv("01", bill_reference[:25]))
        + "6304"
    )
    return body + crc16_ccitt(body.encode())


class DemoBankChannel(PaymentChannel):
    """The simulated bank: VA numbers ``8808`` + 12 digits, QRIS payloads, SNAP callbacks."""

    info = INFO

    def open_bill(
        self,
        session: Session,
        *,
        invoice: InvoiceInfo,
        kind: str,
        amount: int,
        expires_at: datetime,
    ) -> ChannelBill:
        reference = f"DEMO-{secrets.token_hex(8).upper()}"
        va = f"{BANK_CODE}{invoice.id % 10**11:011d}{1 if kind == 'va' else 2}"
        va_number = va if kind == "va" else ""
        payload = qris_payload(amount, reference) if kind == "qris" else ""
        session.add(
            BillingDemoBankBill(
                reference=reference,
                kind=kind,
                va_number=va_number,
                qris_payload=payload,
                amount=amount,
                status="open",
            )
        )
        session.flush()
        return ChannelBill(reference, kind, va_number=va_number, qris_payload=payload)

    def close_bill(self, session: Session, *, reference: str) -> None:
        bill = _bank_bill(session, reference)
        if bill is not None and bill.status == "open":
            bill.status = "closed"

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> ChannelNotification:
        data = json.loads(body)
        paid = data["paidAmount"]
        try:
            value = Decimal(str(paid["value"]))
        except InvalidOperation:
            raise ValueError("paidAmount.value is not a number") from None
        if value != value.to_integral_value():
            raise ValueError("rupiah amounts are whole")
        stamp = data.get("trxDateTime")
        return ChannelNotification(
            bill_reference=str(data["additionalInfo"]["billReference"]),
            transaction_id=str(data["paymentRequestId"]),
            amount=int(value),
            currency=str(paid.get("currency", "")),
            status="paid",
            paid_at=datetime.fromisoformat(stamp) if stamp else None,
        )

    def check_status(self, session: Session, *, reference: str) -> ChannelStatus:
        bill = _bank_bill(session, reference)
        if bill is None:
            return ChannelStatus("unknown")
        if bill.status == "paid":
            return ChannelStatus("paid", bill.paid_amount, bill.transaction_id, bill.paid_at)
        return ChannelStatus("closed" if bill.status == "closed" else "pending")


def _bank_bill(session: Session, reference: str) -> BillingDemoBankBill | None:
    return session.scalar(
        select(BillingDemoBankBill).where(BillingDemoBankBill.reference == reference)
    )


# --- the bank's side: take a payment, notify billing -------------------------------


class BankRefused(Exception):
    """The simulated bank refuses the payment (unknown code, closed bill)."""


def find_bank_bill(session: Session, code: str) -> BillingDemoBankBill | None:
    """A bill by VA number, QRIS payload or reference."""
    code = (code or "").strip()
    if not code:
        return None
    return session.scalar(
        select(BillingDemoBankBill).where(
            (BillingDemoBankBill.va_number == code)
            | (BillingDemoBankBill.reference == code)
            | (BillingDemoBankBill.qris_payload == code)
        )
    )


def bank_pay(
    session: Session, code: str, amount: int | None = None, *, now: datetime | None = None
) -> BillingDemoBankBill:
    """The payer pays at the bank (teller, mobile banking, a QRIS scan)."""
    bill = find_bank_bill(session, code)
    if bill is None:
        raise BankRefused("unknown virtual account or QRIS code")
    if bill.status != "open":
        raise BankRefused(f"this bill is {bill.status}")
    bill.status = "paid"
    bill.paid_amount = bill.amount if amount is None else amount
    bill.transaction_id = f"TRX{secrets.token_hex(6).upper()}"
    bill.paid_at = now or utcnow()
    session.flush()
    return bill


def notification_for(
    bill: BillingDemoBankBill,
    *,
    secret: str,
    now: datetime | None = None,
    external_id: str | None = None,
    amount: int | None = None,
    currency: str = "IDR",
) -> tuple[bytes, dict[str, str]]:
    """The body and SNAP headers the bank posts to billing's callback address."""
    from zoneinfo import ZoneInfo

    now = (now or utcnow()).astimezone(ZoneInfo(time_zone()))
    body: dict[str, Any] = {
        "partnerServiceId": f"   {BANK_CODE}",
        "virtualAccountNo": bill.va_number,
        "paymentRequestId": bill.transaction_id,
        "paidAmount": {
            "value": f"{bill.paid_amount if amount is None else amount}.00",
            "currency": currency,
        },
        "trxDateTime": (bill.paid_at or now).astimezone(now.tzinfo).isoformat(timespec="seconds"),
        "additionalInfo": {"billReference": bill.reference, "channel": bill.kind},
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    timestamp = now.isoformat(timespec="seconds")
    headers = {
        "Content-Type": "application/json",
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": snap_signature(secret, "POST", CALLBACK_PATH, raw, timestamp),
        "X-PARTNER-ID": "DEMOBANK",
        "X-EXTERNAL-ID": external_id or secrets.token_hex(16),
        "CHANNEL-ID": "95221",
    }
    return raw, headers

"""The records billing exchanges with other plugins, and the payment-channel contract.

Everything here is re-exported by :mod:`pamong_plugins.billing.services`,
the one module other plugins import. Money is whole rupiah (``int``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

#: Payer groups, as the arrears report groups them.
PAYER_KINDS = ("resident", "business", "institution", "other")


@dataclass(frozen=True)
class Payer:
    """Who an invoice is addressed to.

    Attributes:
        kind: ``resident`` (by NIK), ``business``, ``institution`` or ``other``.
        name: The name printed on the invoice and the receipt.
        ref: The caller's pointer to the payer (``resident:42``, ``applicant:7``).
        nik: The resident's NIK, when the payer is a resident (personal data).
    """

    kind: str = "resident"
    name: str = ""
    ref: str = ""
    nik: str = ""


@dataclass(frozen=True)
class Line:
    """One line of an invoice.

    Attributes:
        description: What is charged, as printed.
        amount: Whole rupiah, > 0.
        account_code: The revenue account (kode rekening, ``4.1.02.03.01.0001``);
            empty: the account configured for the invoice's source.
        unit_code: The issuing unit (SKPD); empty: the invoice's unit.
        period: The billing period (``2026-11``) for water or rent; empty for one-off fees.
        priority: Lower is paid first when a partial payment is apportioned.
    """

    description: str
    amount: int
    account_code: str = ""
    unit_code: str = ""
    period: str = ""
    priority: int = 100


@dataclass(frozen=True)
class InvoiceRequest:
    """One invoice to issue in a batch (:func:`~pamong_plugins.billing.services.issue_invoices`).

    The fields mean what the keyword arguments of ``create_invoice`` mean.
    """

    source: str
    reference: str
    unit_code: str
    payer: Payer
    lines: tuple[Line, ...]
    period: str = ""
    due_date: date | None = None
    description: str = ""
    legal_basis: str = ""


@dataclass(frozen=True)
class CashPayment:
    """One cash payment of a batch (:func:`~pamong_plugins.billing.services.pay_cash_many`).

    Attributes:
        invoice_number: The invoice paid.
        amount: Whole rupiah; less than what is due is a partial payment.
        paid_by: Who paid, as printed on the receipt; empty: the payer.
        paid_at: When it was paid (the cashier session's day); empty: now.
    """

    invoice_number: str
    amount: int
    paid_by: str = ""
    paid_at: datetime | None = None


@dataclass(frozen=True)
class BankPayment:
    """One payment of a bank's settlement file, for :func:`pay_bank_many`.

    Attributes:
        invoice_number: The invoice paid.
        amount: Whole rupiah.
        paid_at: When the bank took it.
        reference: The bank's own reference of the transaction (booked once only).
        paid_by: Who paid, as printed on the receipt; empty: the payer.
    """

    invoice_number: str
    amount: int
    paid_at: datetime
    reference: str
    paid_by: str = ""


@dataclass(frozen=True)
class InvoiceInfo:
    """What other plugins see of an invoice (no payer data).

    Attributes:
        id: The invoice's id.
        number: The public number (``INV-2026-000123``), also its tracker number.
        check_code: The short code printed on the bill for the public check.
        source: The plugin that asked for it (``ktp``, ``licensing``, ``pdam``).
        reference: The source's record (``ktp_application:12``).
        period: The billing period, empty for one-off fees.
        status: ``unpaid``, ``partly_paid``, ``paid``, ``cancelled``, ``refunded`` or ``expired``.
        total: The amount billed after approved waivers and amendments.
        paid: What has been paid against it.
        due_date: The last day to pay.
        unit_code: The collecting unit.
        tracking_number: The source's tracked file, if any.
        paid_at: When it was paid in full.
        created: True when this call created it (False: it already existed).
    """

    id: int
    number: str
    check_code: str
    source: str
    reference: str
    period: str
    status: str
    total: int
    paid: int
    due_date: date | None
    unit_code: str
    tracking_number: str = ""
    paid_at: datetime | None = None
    created: bool = False

    @property
    def outstanding(self) -> int:
        """What is still to pay (0 once paid, cancelled or refunded)."""
        if self.status in ("unpaid", "partly_paid"):
            return max(self.total - self.paid, 0)
        return 0


@dataclass(frozen=True)
class RequestInfo:
    """What other plugins see of a change request a supervisor decides (four eyes).

    Attributes:
        id: The request's id (kept by the caller to follow it).
        kind: ``cancel``, ``refund``, ``waiver`` or ``amend``.
        status: ``pending``, ``approved`` or ``rejected``.
        invoice_number: The invoice it changes.
        payment_number: For a refund, the payment paid back; else empty.
        amount: The refund amount or the line's new amount (0 for a cancellation).
        requested_by: Who asked.
        decided_by: Who approved or rejected it; empty while pending.
        decided_at: When it was decided.
    """

    id: int
    kind: str
    status: str
    invoice_number: str
    payment_number: str
    amount: int
    requested_by: str
    decided_by: str
    decided_at: datetime | None


@dataclass(frozen=True)
class ChannelInfo:
    """A payment channel a plugin provides.

    Attributes:
        name: Unique name (``demo``, ``bankjateng``); also in the callback address.
        title: Shown to cashiers and on the public check page.
        kinds: What it can issue for an invoice: ``va`` and/or ``qris``.
    """

    name: str
    title: str
    kinds: tuple[str, ...] = ("va", "qris")


@dataclass(frozen=True)
class ChannelBill:
    """What a channel issued for an invoice: a virtual account number or a QRIS payload.

    Attributes:
        reference: The channel's own id of the bill (unique per channel).
        kind: ``va`` or ``qris``.
        va_number: The virtual account number to transfer to.
        qris_payload: The EMVCo QRIS string to show as a QR code.
    """

    reference: str
    kind: str
    va_number: str = ""
    qris_payload: str = ""


@dataclass(frozen=True)
class ChannelNotification:
    """A payment notification, parsed from a callback's body by the channel.

    Attributes:
        bill_reference: The channel's id of the bill that was paid.
        transaction_id: The channel's id of the payment (unique per channel).
        amount: Whole units of ``currency``.
        currency: ISO 4217 code; anything but ``IDR`` is held.
        status: ``paid``, or another status the channel reports (ignored).
        paid_at: When the payer paid, as the channel says.
    """

    bill_reference: str
    transaction_id: str
    amount: int
    currency: str = "IDR"
    status: str = "paid"
    paid_at: datetime | None = None


@dataclass(frozen=True)
class ChannelStatus:
    """The channel's answer to a status check (SNAP: inquiry of a payment).

    Attributes:
        status: ``paid``, ``pending``, ``closed`` or ``unknown``.
        amount: What was paid, when paid.
        transaction_id: The channel's id of the payment, when paid.
        paid_at: When it was paid.
    """

    status: str
    amount: int = 0
    transaction_id: str = ""
    paid_at: datetime | None = None


def snap_string_to_sign(method: str, path: str, body: bytes, timestamp: str) -> str:
    """SNAP's symmetric string to sign: ``METHOD:path:lowercase hex SHA-256(body):timestamp``."""
    digest = hashlib.sha256(body).hexdigest().lower()
    return f"{method.upper()}:{path}:{digest}:{timestamp}"


def snap_signature(secret: str, method: str, path: str, body: bytes, timestamp: str) -> str:
    """Base64 HMAC-SHA512 of :func:`snap_string_to_sign` with the channel's secret."""
    message = snap_string_to_sign(method, path, body, timestamp).encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha512).digest()).decode()


class PaymentChannel:
    """Base class of payment channels: a bank's virtual accounts, a QRIS acquirer.

    Subclass it, set ``info``, and implement the four methods. Billing calls
    them; it authenticates callbacks itself (:meth:`verify_signature`, SNAP
    style: ``X-TIMESTAMP``, ``X-SIGNATURE``, ``X-EXTERNAL-ID``) before it
    asks the channel to parse one, and it confirms every notification with
    :meth:`check_status` before marking anything paid.
    """

    info: ChannelInfo

    def open_bill(
        self,
        session: Session,
        *,
        invoice: InvoiceInfo,
        kind: str,
        amount: int,
        expires_at: datetime,
    ) -> ChannelBill:
        """Issue a virtual account number or a QRIS payload for ``amount`` of ``invoice``."""
        raise NotImplementedError

    def close_bill(self, session: Session, *, reference: str) -> None:
        """Close a bill so it can no longer be paid (another channel was faster)."""
        raise NotImplementedError

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> ChannelNotification:
        """Read an authenticated callback body; raise ValueError when it is malformed."""
        raise NotImplementedError

    def check_status(self, session: Session, *, reference: str) -> ChannelStatus:
        """Ask the channel whether bill ``reference`` is paid (never trust a callback alone)."""
        raise NotImplementedError

    def verify_signature(
        self, *, secret: str, method: str, path: str, body: bytes, headers: Mapping[str, str]
    ) -> bool:
        """SNAP symmetric signature check over the raw body; override for other schemes."""
        given = headers.get("X-SIGNATURE", "")
        timestamp = headers.get("X-TIMESTAMP", "")
        if not given or not timestamp or not secret:
            return False
        expected = snap_signature(secret, method, path, body, timestamp)
        return hmac.compare_digest(expected.encode(), given.encode())

    def describe(self) -> dict[str, Any]:
        return {"name": self.info.name, "title": self.info.title, "kinds": list(self.info.kinds)}

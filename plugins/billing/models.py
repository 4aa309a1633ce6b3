"""Invoices, payments, cashier sessions, channel bills, approvals, day closings, the ledger.

Money is whole rupiah in BIGINT columns. The rules the database keeps:
one active invoice per (source, reference, period); one open cashier
session per cashier; one callback per (channel, external id, day); one
closing per unit and day; the ledger refuses UPDATE and DELETE (triggers).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, UTCDateTime, utcnow

Money = BigInteger


class InvoiceStatus(enum.StrEnum):
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    EXPIRED = "expired"  # unpaid past its expiry: reissued under a new number


#: An active invoice blocks another for the same (source, reference, period).
ACTIVE = (InvoiceStatus.UNPAID.value, InvoiceStatus.PARTLY_PAID.value, InvoiceStatus.PAID.value)
OPEN = (InvoiceStatus.UNPAID.value, InvoiceStatus.PARTLY_PAID.value)
_ACTIVE_SQL = "status IN ('unpaid', 'partly_paid', 'paid')"


class PaymentStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # counted against the invoice
    HELD = "held"  # amount or currency did not match: waiting for review, never applied
    EXCESS = "excess"  # arrived after the invoice was paid or cancelled: refund queue
    REFUNDED = "refunded"  # paid back (the ledger holds the reversing entries)


class RequestKind(enum.StrEnum):
    CANCEL = "cancel"  # cancel an invoice nobody paid
    REFUND = "refund"  # pay a payment back (and cancel the invoice when all is refunded)
    WAIVER = "waiver"  # lower a line (a late fee waived by decree)
    AMENDMENT = "amendment"  # correct a line's amount


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class BillingRevenueAccount(Base):
    """A regional revenue account (kode rekening pendapatan, Permendagri 90/2019)."""

    __tablename__ = "billing_revenue_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BillingInvoice(Base):
    """A bill: what a payer owes, for what, to which unit, by when."""

    __tablename__ = "billing_invoices"
    __table_args__ = (
        Index(
            "uq_billing_invoices_active_source_reference_period",
            "source",
            "reference",
            "period",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_billing_invoices_status_due", "status", "due_date"),
        Index("ix_billing_invoices_unit_issued", "unit_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    check_code: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(20), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    payer_kind: Mapped[str] = mapped_column(String(12), default="resident")
    payer_ref: Mapped[str] = mapped_column(String(100), default="")
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    payer_nik: Mapped[str] = mapped_column(String(16), default="")
    description: Mapped[str] = mapped_column(String(300), default="")
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    tracking_number: Mapped[str] = mapped_column(String(30), default="", index=True)
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    total: Mapped[int] = mapped_column(Money, default=0)
    paid: Mapped[int] = mapped_column(Money, default=0)
    refunded: Mapped[int] = mapped_column(Money, default=0)
    status: Mapped[str] = mapped_column(String(12), default=InvoiceStatus.UNPAID.value)
    due_date: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str] = mapped_column(String(300), default="")
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoices.id"))

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    lines: Mapped[list[BillingInvoiceLine]] = relationship(
        back_populates="invoice", order_by="BillingInvoiceLine.seq", cascade="all, delete-orphan"
    )

    @property
    def outstanding(self) -> int:
        return max(self.total - self.paid, 0) if self.status in OPEN else 0


class BillingInvoiceLine(Base):
    """One charge of an invoice, booked to a revenue account of an issuing unit."""

    __tablename__ = "billing_invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoices.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    account_code: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    period: Mapped[str] = mapped_column(String(20), default="")
    priority: Mapped[int] = mapped_column(Integer, default=100)
    original_amount: Mapped[int] = mapped_column(Money)
    amount: Mapped[int] = mapped_column(Money)
    paid: Mapped[int] = mapped_column(Money, default=0)

    invoice: Mapped[BillingInvoice] = relationship(back_populates="lines")
    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class BillingCashierSession(Base):
    """A cashier's shift at a counter: opened with a float, closed with the counted cash."""

    __tablename__ = "billing_cashier_sessions"
    __table_args__ = (
        Index(
            "uq_billing_cashier_sessions_open_cashier",
            "cashier_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opening_float: Mapped[int] = mapped_column(Money, default=0)
    received_from_id: Mapped[int | None] = mapped_column(ForeignKey("billing_cashier_sessions.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expected_cash: Mapped[int | None] = mapped_column(Money)
    counted_cash: Mapped[int | None] = mapped_column(Money)
    difference: Mapped[int | None] = mapped_column(Money)
    handed_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(300), default="")

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class BillingChannelBill(Base):
    """A virtual account number or QRIS payload a channel issued for an invoice."""

    __tablename__ = "billing_channel_bills"
    __table_args__ = (UniqueConstraint("channel", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(4))
    reference: Mapped[str] = mapped_column(String(64))
    va_number: Mapped[str] = mapped_column(String(30), default="", index=True)
    qris_payload: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, paid, closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invoice: Mapped[BillingInvoice] = relationship()


class BillingPayment(Base):
    """Money received for an invoice: cash at a counter or a confirmed channel payment."""

    __tablename__ = "billing_payments"
    __table_args__ = (
        Index(
            "uq_billing_payments_channel_transaction",
            "channel",
            "external_ref",
            unique=True,
            sqlite_where=text("external_ref != ''"),
            postgresql_where=text("external_ref != ''"),
        ),
        Index("ix_billing_payments_unit_day", "unit_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoices.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))  # cash, channel
    channel: Mapped[str] = mapped_column(String(30), default="")
    channel_bill_id: Mapped[int | None] = mapped_column(ForeignKey("billing_channel_bills.id"))
    cashier_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("billing_cashier_sessions.id"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    status: Mapped[str] = mapped_column(String(10), default=PaymentStatus.CONFIRMED.value)
    hold_reason: Mapped[str] = mapped_column(String(300), default="")
    external_ref: Mapped[str] = mapped_column(String(64), default="")
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_by: Mapped[str] = mapped_column(String(200), default="")
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
    receipt_prints: Mapped[int] = mapped_column(Integer, default=0)
    refunded: Mapped[int] = mapped_column(Money, default=0)
    closing_id: Mapped[int | None] = mapped_column(ForeignKey("billing_day_closings.id"))

    invoice: Mapped[BillingInvoice] = relationship(lazy="joined")
    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    allocations: Mapped[list[BillingAllocation]] = relationship(
        back_populates="payment", cascade="all, delete-orphan"
    )


class BillingAllocation(Base):
    """The part of a payment that went to one invoice line (partial payments are apportioned)."""

    __tablename__ = "billing_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("billing_payments.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("billing_invoice_lines.id"), index=True)
    amount: Mapped[int] = mapped_column(Money)

    payment: Mapped[BillingPayment] = relationship(back_populates="allocations")
    line: Mapped[BillingInvoiceLine] = relationship(lazy="joined")


class BillingCallback(Base):
    """An authenticated channel callback, kept once per (channel, external id, day).

    SNAP's ``X-EXTERNAL-ID`` is unique per day: a replay hits the unique
    constraint and is answered as a duplicate without doing anything.
    """

    __tablename__ = "billing_callbacks"
    __table_args__ = (UniqueConstraint("channel", "external_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(30))
    external_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body_sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12), default="pending")
    detail: Mapped[str] = mapped_column(String(300), default="")
    bill_reference: Mapped[str] = mapped_column(String(64), default="")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("billing_payments.id"))


class BillingRequest(Base):
    """A change that needs a second person: cancel, refund, waiver, amendment.

    Requested with a reason (and, for waivers, the decree), approved or
    rejected by a supervisor who is not the requester.
    """

    __tablename__ = "billing_requests"
    __table_args__ = (Index("ix_billing_requests_status_kind", "status", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING.value)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("billing_payments.id"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice_lines.id"))
    amount: Mapped[int | None] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(300))
    document_ref: Mapped[str] = mapped_column(String(120), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(60))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by: Mapped[str] = mapped_column(String(60), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(300), default="")

    invoice: Mapped[BillingInvoice] = relationship(lazy="joined")


class BillingDayClosing(Base):
    """A unit's closed day: the receipts by account and cashier, and the deposit slip (STS)."""

    __tablename__ = "billing_day_closings"
    __table_args__ = (UniqueConstraint("unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    day: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cash_total: Mapped[int] = mapped_column(Money, default=0)
    noncash_total: Mapped[int] = mapped_column(Money, default=0)
    payments: Mapped[int] = mapped_column(Integer, default=0)
    by_account: Mapped[list[dict]] = mapped_column(JSON, default=list)
    by_cashier: Mapped[list[dict]] = mapped_column(JSON, default=list)
    sts_number: Mapped[str] = mapped_column(String(40), unique=True)
    settlement_account: Mapped[str] = mapped_column(String(200), default="")
    sts_document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class BillingCounter(Base):
    """Yearly sequences of receipt (KWT), deposit slip (STS) and other numbers."""

    __tablename__ = "billing_counters"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class BillingLedgerEntry(Base):
    """One money movement, append-only; ``hash`` chains it to the entry before.

    Corrections are new, reversing entries. PostgreSQL and SQLite refuse
    UPDATE and DELETE on this table (triggers); the service layer refuses
    them too. ``pamong billing verify-ledger`` recomputes the chain.
    """

    __tablename__ = "billing_ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    debit: Mapped[str] = mapped_column(String(60))
    credit: Mapped[str] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(Money)
    invoice_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payment_id: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    account_code: Mapped[str] = mapped_column(String(40), default="")
    memo: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(60), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class BillingLedgerHead(Base):
    """The ledger's last sequence and hash, one row: appending locks it (one chain, no fork)."""

    __tablename__ = "billing_ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class BillingDemoBankBill(Base):
    """The demo bank's own books (the simulated regional bank of the demo channel)."""

    __tablename__ = "billing_demo_bank_bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(4))
    va_number: Mapped[str] = mapped_column(String(30), default="", index=True)
    qris_payload: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, paid, closed
    paid_amount: Mapped[int] = mapped_column(Money, default=0)
    transaction_id: Mapped[str] = mapped_column(String(64), default="")
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BillingReconciliation(Base):
    """An imported bank statement and what it matched."""

    __tablename__ = "billing_reconciliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[list[dict]] = mapped_column(JSON, default=list)
    missing: Mapped[list[dict]] = mapped_column(JSON, default=list)

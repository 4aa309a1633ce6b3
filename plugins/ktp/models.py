"""KTP applications, the cards they produce, and the fee schedule."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, Resident, UTCDateTime, utcnow


class Reason(enum.StrEnum):
    """Why a card is made."""

    NEW = "new"  # first card: the resident turned 17 or married
    RENEWAL = "renewal"  # an old card expired
    REPLACEMENT = "replacement"  # the card was lost or damaged
    CHANGE = "change"  # the resident's data changed


class ReplacementCause(enum.StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"


class Step(enum.StrEnum):
    """Where an application stands; also its stage on the public tracker."""

    APPLIED = "applied"
    HELD = "held"  # waiting for staff to resolve possible duplicate identities
    CHECKED = "checked"
    CAPTURED = "captured"  # photo and signature taken
    PRINTED = "printed"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


#: Steps after which the application is finished.
FINAL_STEPS = (Step.COLLECTED.value, Step.CANCELLED.value)


class CardStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class KtpApplication(Base):
    """One resident's request for a card at a kecamatan counter.

    Every step keeps when it happened and which officer did it. A resident
    has at most one open application (partial unique index).
    """

    __tablename__ = "ktp_applications"
    __table_args__ = (
        Index(
            "uq_ktp_applications_open_resident",
            "resident_id",
            unique=True,
            sqlite_where=text("step NOT IN ('collected', 'cancelled')"),
            postgresql_where=text("step NOT IN ('collected', 'cancelled')"),
        ),
        Index("ix_ktp_applications_kecamatan_applied", "kecamatan_id", "applied_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    reason: Mapped[str] = mapped_column(String(12))
    replacement_cause: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(300), default="")
    step: Mapped[str] = mapped_column(String(12), default=Step.APPLIED.value, index=True)
    fee_amount: Mapped[int] = mapped_column(default=0)
    fee_basis: Mapped[str] = mapped_column(String(200), default="")
    #: When billing reported the fee paid (``pamong_on_invoice_paid``); None: not (yet) paid.
    fee_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fee_invoice: Mapped[str] = mapped_column(String(20), default="")

    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    check_source: Mapped[str] = mapped_column(String(60), default="")
    check_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    captured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    collected_by: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")

    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_warning: Mapped[str] = mapped_column(String(200), default="")
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)

    resident: Mapped[Resident] = relationship(lazy="joined")
    kecamatan: Mapped[OrgUnit] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.step not in FINAL_STEPS


class KtpCard(Base):
    """A printed KTP. At most one active card per resident, enforced by the database."""

    __tablename__ = "ktp_cards"
    __table_args__ = (
        Index(
            "uq_ktp_cards_active_resident",
            "resident_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ktp_applications.id"), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_documents.id"), unique=True)
    status: Mapped[str] = mapped_column(String(8), default=CardStatus.ACTIVE.value)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[date | None] = mapped_column(Date)  # None: for life (UU 24/2013)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(String(300), default="")
    reprints: Mapped[int] = mapped_column(default=0)

    application: Mapped[KtpApplication] = relationship(lazy="joined")


class KtpFeeRate(Base):
    """The KTP fee in force from ``valid_from`` to ``valid_until`` (inclusive; None: open).

    No rate in force means the card is free, as national law says since
    UU 24/2013; a regency with a local fee regulation records it here.
    """

    __tablename__ = "ktp_fee_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[int]
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

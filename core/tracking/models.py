"""Tracked files, their status history, and the receipt-number counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.db import Base, UTCDateTime, utcnow
from pamong.orgunits.models import OrgUnit


class ReceiptCounter(Base):
    """The last sequence number given out per kind and year."""

    __tablename__ = "receipt_counters"

    kind: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class TrackedItem(Base):
    """A file a citizen tracks by its receipt number (``KTP-2026-000042``).

    ``reference`` points at the owning plugin's record (``"ktp_application:12"``);
    it is never shown publicly.
    """

    __tablename__ = "tracked_items"
    __table_args__ = (UniqueConstraint("kind", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(6))
    year: Mapped[int]
    seq: Mapped[int]
    stage: Mapped[str] = mapped_column(String(40))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100), default="", index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    history: Mapped[list[StatusEvent]] = relationship(
        back_populates="item", order_by="StatusEvent.id", cascade="all, delete-orphan"
    )


class StatusEvent(Base):
    """One step of a tracked file: its stage, when, by whom, and two notes.

    ``note`` is internal (staff only); ``public_note`` is the note to the
    applicant, the only text the public tracker shows.
    """

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("tracked_items.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")
    public_note: Mapped[str] = mapped_column(String(300), default="")

    item: Mapped[TrackedItem] = relationship(back_populates="history")

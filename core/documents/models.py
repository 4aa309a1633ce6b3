"""The registry of issued documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.db import Base, UTCDateTime, utcnow
from pamong.orgunits.models import OrgUnit


class IssuedDocument(Base):
    """A document the regency issued (KTP card, permit, letter, invoice…).

    ``code`` is the unguessable verification code in its QR code;
    ``holder_ref`` points at the holder's record and is never shown publicly;
    ``holder_label`` is the little the verify page may show (``B*** S***``);
    ``revoke_reason`` is internal, ``public_note`` is what the verify page
    says about a revocation.
    """

    __tablename__ = "issued_documents"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    number: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(43), unique=True)
    holder_ref: Mapped[str] = mapped_column(String(100), default="", index=True)
    holder_label: Mapped[str] = mapped_column(String(100), default="")
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(String(300), default="")
    public_note: Mapped[str] = mapped_column(String(300), default="")

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

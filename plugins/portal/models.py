"""The portal's records: news, profile pages, complaints and their answers, legal documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, UTCDateTime, utcnow


class NewsPost(Base):
    """A news item or announcement; public once published and its publish time has come."""

    __tablename__ = "portal_news"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="news")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(300), default="")
    image_alt: Mapped[str] = mapped_column(String(200), default="")
    #: ``draft`` or ``published``; a published post shows from ``publish_at``.
    status: Mapped[str] = mapped_column(String(12), default="draft")
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProfilePage(Base):
    """A page of the regency profile (history, vision and mission, leaders, organisation)."""

    __tablename__ = "portal_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=100)
    #: A draft page is seen by editors only.
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Complaint(Base):
    """A complaint, aspiration, information request or whistleblowing report (pengaduan).

    The citizen's text is never edited after submission; staff can only hide
    it with a reason. The reporter's name and contacts are personal data.
    """

    __tablename__ = "portal_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="complaint")
    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    desa_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    #: The unit responsible for the answer (routed by category).
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    reporter_name: Mapped[str] = mapped_column(String(120), default="")
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")
    reporter_email: Mapped[str] = mapped_column(String(120), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The citizen agrees that the answer is published (personal data removed).
    publish_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(20), default="web")
    #: Given to the citizen with the number: proves the report is theirs (to rate, reopen).
    access_code: Mapped[str] = mapped_column(String(12), default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    verify_due: Mapped[date] = mapped_column(Date)
    answer_due: Mapped[date] = mapped_column(Date)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    forwarded_to: Mapped[str] = mapped_column(String(200), default="")
    lapor_id: Mapped[str] = mapped_column(String(40), default="")
    rating: Mapped[int | None]
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[OrgUnit] = relationship(foreign_keys=[unit_id])
    desa: Mapped[OrgUnit | None] = relationship(foreign_keys=[desa_id])
    answers: Mapped[list[ComplaintAnswer]] = relationship(
        back_populates="complaint", order_by="ComplaintAnswer.id"
    )
    photos: Mapped[list[ComplaintPhoto]] = relationship(order_by="ComplaintPhoto.id")


class ComplaintPhoto(Base):
    """A photo sent with a report: re-encoded as JPEG, its metadata (GPS, camera) dropped."""

    __tablename__ = "portal_complaint_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("portal_complaints.id"), index=True)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplaintAnswer(Base):
    """An official answer; never edited, only hidden with a reason."""

    __tablename__ = "portal_complaint_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("portal_complaints.id"))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="answers")
    unit: Mapped[OrgUnit] = relationship()


class LegalDocument(Base):
    """A regional regulation or decree with its JDIHN metadata (Permenkumham 8/2019)."""

    __tablename__ = "portal_legal_documents"
    __table_args__ = (UniqueConstraint("doc_type", "number", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``perda``, ``perbup`` or ``kepbup``.
    doc_type: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(String(200), default="")
    field_of_law: Mapped[str] = mapped_column(String(100), default="")
    #: ``berlaku`` (in force), ``diubah`` (amended) or ``dicabut`` (revoked).
    status: Mapped[str] = mapped_column(String(10), default="berlaku")
    enacted_on: Mapped[date | None] = mapped_column(Date)
    promulgated_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(100), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("portal_legal_documents.id"))
    revokes_id: Mapped[int | None] = mapped_column(ForeignKey("portal_legal_documents.id"))
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    #: A draft is seen by JDIH officers only; its amend/revoke links act when it is published.
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The signed text as published (PDF), checked by its magic bytes and size.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_size: Mapped[int] = mapped_column(Integer, default=0)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Tables of the licensing plugin: catalogue, applicants, applications, permits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, User, UTCDateTime, utcnow

#: Issuing levels: the regency one-stop office, the kecamatan (PATEN), the desa.
LEVELS = ("regency", "kecamatan", "desa")
#: Fee rules: a fixed amount, an amount per unit (m2 of a billboard…), or free.
FEE_RULES = ("fixed", "per_unit", "free")


class ServiceType(Base):
    """A permit or non-permit service of the catalogue (data, editable per regency)."""

    __tablename__ = "licensing_service_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_permit: Mapped[bool] = mapped_column(Boolean, default=True)
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    #: The requirements checklist: one document name per entry.
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    sop_days: Mapped[int] = mapped_column(default=5)
    fee_rule: Mapped[str] = mapped_column(String(10), default="free")
    fee_amount: Mapped[int] = mapped_column(default=0)
    fee_unit: Mapped[str] = mapped_column(String(20), default="")
    validity_months: Mapped[int | None]
    renewable: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[str] = mapped_column(String(12), default="regency")
    #: Optional stages this type goes through (subset of inspection, meeting).
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    delegations: Mapped[list[Delegation]] = relationship(
        back_populates="service_type", order_by="Delegation.effective_on"
    )

    def fee_for(self, quantity: int) -> int:
        """The levy (retribusi) in whole rupiah for ``quantity`` units."""
        if self.fee_rule == "fixed":
            return self.fee_amount
        if self.fee_rule == "per_unit":
            return self.fee_amount * max(quantity, 0)
        return 0

    def delegation_on(self, day: date, kecamatan_id: int | None = None) -> Delegation | None:
        """The delegation in force on ``day`` for the kecamatan ``kecamatan_id``, if any.

        A delegation naming that kecamatan wins over one for every kecamatan;
        among equals the latest effective one. Without ``kecamatan_id`` only
        delegations to every kecamatan count.
        """
        general = specific = None
        for delegation in self.delegations:
            if delegation.effective_on > day or (
                delegation.ended_on is not None and delegation.ended_on <= day
            ):
                continue
            if delegation.org_unit_id is None:
                general = delegation
            elif kecamatan_id is not None and delegation.org_unit_id == kecamatan_id:
                specific = delegation
        return specific or general

    def delegations_on(self, day: date) -> list[Delegation]:
        """Every delegation of this type in force on ``day`` (all scopes)."""
        return [
            d
            for d in self.delegations
            if d.effective_on <= day and (d.ended_on is None or d.ended_on > day)
        ]

    def level_on(self, day: date, kecamatan_id: int | None = None) -> str:
        delegation = self.delegation_on(day, kecamatan_id)
        return delegation.level if delegation else self.level


class Delegation(Base):
    """The bupati's delegation of a service type to the camat (PATEN) or desa, by decree."""

    __tablename__ = "licensing_delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(
        ForeignKey("licensing_service_types.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(12), default="kecamatan")
    decree_number: Mapped[str] = mapped_column(String(100))
    effective_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    #: The kecamatan this delegation is for; None: every kecamatan of the regency.
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), index=True
    )

    service_type: Mapped[ServiceType] = relationship(back_populates="delegations")
    org_unit: Mapped[OrgUnit | None] = relationship(lazy="joined")


class Applicant(Base):
    """An online applicant account (a person or a business), separate from staff users."""

    __tablename__ = "licensing_applicants"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="person")
    name: Mapped[str] = mapped_column(String(200))
    #: NIK of a person, or NIB/NPWP of a business.
    id_number: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    #: When the applicant proved the e-mail address or phone number is theirs.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(Base):
    """A permit or service application: one tracked file (``LIC-2026-000123``)."""

    __tablename__ = "licensing_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    tracked_item_id: Mapped[int] = mapped_column(ForeignKey("tracked_items.id"))
    service_type_id: Mapped[int] = mapped_column(
        ForeignKey("licensing_service_types.id"), index=True
    )
    applicant_id: Mapped[int] = mapped_column(ForeignKey("licensing_applicants.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="counter")
    stage: Mapped[str] = mapped_column(String(20), default="received", index=True)
    #: The stage a returned file goes back to.
    returned_from: Mapped[str] = mapped_column(String(20), default="")
    return_reason: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[int] = mapped_column(default=1)
    fee_amount: Mapped[int] = mapped_column(default=0)
    #: The SOP working days in force when the file was received (catalogue edits
    #: never rewrite a past SLA); the fee in force is ``fee_amount``.
    sop_days: Mapped[int] = mapped_column(default=0)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    paused_days: Mapped[int] = mapped_column(default=0)
    paused_since: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(10), default="")
    refusal_reason: Mapped[str] = mapped_column(String(500), default="")
    #: Working days used up to the decision (the SLA figure), kept for statistics.
    days_used: Mapped[int | None]
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_ref: Mapped[str] = mapped_column(String(100), default="")
    finished_on: Mapped[date | None] = mapped_column(Date)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("licensing_applications.id"))
    survey_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The national OSS-RBA reference of a business permit issued through it.
    oss_reference: Mapped[str] = mapped_column(String(60), default="")
    escalated_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    service_type: Mapped[ServiceType] = relationship(lazy="joined")
    applicant: Mapped[Applicant] = relationship(lazy="joined")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    assigned_to: Mapped[User | None] = relationship()
    uploads: Mapped[list[Upload]] = relationship(
        back_populates="application", order_by="Upload.id", cascade="all, delete-orphan"
    )
    permit: Mapped[Permit | None] = relationship(back_populates="application")


class Upload(Base):
    """A required document uploaded with an application (PDF or JPEG)."""

    __tablename__ = "licensing_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("licensing_applications.id", ondelete="CASCADE"), index=True
    )
    requirement: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="uploads")


class Permit(Base):
    """An issued permit (or non-permit letter), registered as a core document."""

    __tablename__ = "licensing_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("licensing_applications.id"), unique=True
    )
    number: Mapped[str] = mapped_column(String(60), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_documents.id"))
    holder: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    #: The signing official at issue (a snapshot: later changes never rewrite a permit).
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_nip: Mapped[str] = mapped_column(String(30), default="")
    signer_position: Mapped[str] = mapped_column(String(200), default="")

    application: Mapped[Application] = relationship(back_populates="permit", lazy="joined")


class Signatory(Base):
    """Who signs the permits of a unit (optionally of one service type there).

    The most specific entry wins: unit and type, then the unit alone; a unit
    without one uses the nearest unit above it that has one.
    """

    __tablename__ = "licensing_signatories"
    __table_args__ = (UniqueConstraint("org_unit_id", "service_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    service_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("licensing_service_types.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str] = mapped_column(String(30))
    position: Mapped[str] = mapped_column(String(200))

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    service_type: Mapped[ServiceType | None] = relationship(lazy="joined")


class ApplicantToken(Base):
    """A one-time code for an applicant: contact verification or password reset.

    Only the SHA-256 hash of the code is kept; it expires and works once.
    """

    __tablename__ = "licensing_applicant_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("licensing_applicants.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(10))
    #: ``email`` (a link with a long token) or ``sms`` (a six-digit code).
    channel: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Wrong codes typed for this account while the code was open; 5 void it.
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

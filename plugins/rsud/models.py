"""Patients, wards and beds, encounters and their room segments, tariffs, charges, claims.

Rules the database keeps: one No. RM per patient and one patient per
resident; one open inpatient stay per patient and one open stay per bed
(partial unique indexes); a charge is reversed at most once. Money is
whole rupiah in BIGINT columns; charges are append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, UTCDateTime, utcnow

Money = BigInteger

#: Care classes, highest first; the list is configurable per deployment (KRIS).
CLASSES = ("VIP", "I", "II", "III")
PAYERS = ("umum", "bpjs", "jamkesda", "insurance", "company")
KINDS = ("outpatient", "emergency", "inpatient")
DISCHARGE_STATUSES = ("home", "referred", "died_before_48h", "died_after_48h", "own_request")
UNITS = (
    "registration",
    "clinic",
    "emergency",
    "lab",
    "radiology",
    "operating_room",
    "pharmacy",
    "ward",
)
CLAIM_STATUSES = ("draft", "grouped", "final", "sent", "paid", "pending", "disputed")
UPGRADE_PAYERS = ("patient", "employer", "supplementary_insurance")
#: What a tariff is charged per.
TARIFF_PER = ("visit", "day", "item", "action")
#: E-Klaim's tariff buckets the hospital's real cost is reported in.
BUCKETS = (
    "prosedur_non_bedah",
    "prosedur_bedah",
    "konsultasi",
    "tenaga_ahli",
    "keperawatan",
    "penunjang",
    "radiologi",
    "laboratorium",
    "pelayanan_darah",
    "rehabilitasi",
    "kamar",
    "rawat_intensif",
    "obat",
    "obat_kronis",
    "obat_kemoterapi",
    "alkes",
    "bmhp",
    "sewa_alat",
)


class RsudCounter(Base):
    """The last number handed out per kind (No. RM, encounter numbers): never reused."""

    __tablename__ = "rsud_counters"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class RsudPatient(Base):
    """A patient: one medical record number (No. RM) for life."""

    __tablename__ = "rsud_patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(12), unique=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    hospital: Mapped[OrgUnit] = relationship()
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id"), unique=True, nullable=True
    )
    nik: Mapped[str] = mapped_column(String(16), default="", index=True)
    #: True when the NIK was found in the regency's register (a resident).
    nik_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    payer: Mapped[str] = mapped_column(String(12), default="umum")
    bpjs_number: Mapped[str | None] = mapped_column(String(13), unique=True, nullable=True)
    #: The class of entitlement of the BPJS card (I, II, III).
    bpjs_class: Mapped[str] = mapped_column(String(4), default="")
    #: Contribution-aid recipient (PBI): may not upgrade class.
    bpjs_pbi: Mapped[bool] = mapped_column(Boolean, default=False)
    payer_name: Mapped[str] = mapped_column(String(120), default="")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RsudWard(Base):
    """An inpatient ward (bangsal) of one class."""

    __tablename__ = "rsud_wards"
    __table_args__ = (UniqueConstraint("hospital_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    hospital: Mapped[OrgUnit] = relationship()
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    klass: Mapped[str] = mapped_column(String(4))
    beds: Mapped[list[RsudBed]] = relationship(back_populates="ward", order_by="RsudBed.code")


class RsudBed(Base):
    """A bed; counted in the indicators for the days it is in service."""

    __tablename__ = "rsud_beds"
    __table_args__ = (UniqueConstraint("ward_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("rsud_wards.id"))
    ward: Mapped[RsudWard] = relationship(back_populates="beds")
    code: Mapped[str] = mapped_column(String(20))
    #: free, occupied or cleaning (occupied follows the open segments).
    status: Mapped[str] = mapped_column(String(10), default="free")
    in_service_from: Mapped[date] = mapped_column(Date)
    in_service_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class RsudEncounter(Base):
    """An outpatient visit, an emergency visit or an inpatient stay."""

    __tablename__ = "rsud_encounters"
    __table_args__ = (
        Index(
            "uq_rsud_encounters_open_stay",
            "patient_id",
            unique=True,
            sqlite_where=text("kind = 'inpatient' AND status = 'open'"),
            postgresql_where=text("kind = 'inpatient' AND status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("rsud_patients.id"), index=True)
    patient: Mapped[RsudPatient] = relationship()
    hospital_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    hospital: Mapped[OrgUnit] = relationship()
    kind: Mapped[str] = mapped_column(String(12))
    poli: Mapped[str] = mapped_column(String(60), default="")
    #: An executive outpatient clinic (poli eksekutif): a JKN patient pays a capped difference.
    executive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(8), default="open")
    payer: Mapped[str] = mapped_column(String(12))
    #: The class the payer entitles the patient to (BPJS card class; else the chosen class).
    entitled_class: Mapped[str] = mapped_column(String(4), default="")
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("rsud_wards.id"), nullable=True)
    ward: Mapped[RsudWard | None] = relationship()
    bed_id: Mapped[int | None] = mapped_column(ForeignKey("rsud_beds.id"), nullable=True)
    bed: Mapped[RsudBed | None] = relationship()
    klass: Mapped[str] = mapped_column(String(4), default="")
    admitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    #: When the room was vacated: room charges end here, not at the patient's discharge.
    room_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    discharge_status: Mapped[str] = mapped_column(String(20), default="")
    sep_number: Mapped[str] = mapped_column(String(30), default="")
    #: ICD-10 codes, comma separated: specific personal data (separate permission, audited).
    diagnoses: Mapped[str] = mapped_column(String(200), default="")
    doctor: Mapped[str] = mapped_column(String(120), default="")
    real_cost: Mapped[int] = mapped_column(Money, default=0)
    patient_share: Mapped[int] = mapped_column(Money, default=0)
    invoice_number: Mapped[str] = mapped_column(String(30), default="")
    segments: Mapped[list[RsudSegment]] = relationship(
        back_populates="encounter", order_by="RsudSegment.start_at"
    )


class RsudSegment(Base):
    """A part of a stay in one bed and class; a transfer closes one and opens the next."""

    __tablename__ = "rsud_segments"
    __table_args__ = (
        Index(
            "uq_rsud_segments_open_bed",
            "bed_id",
            unique=True,
            sqlite_where=text("end_at IS NULL"),
            postgresql_where=text("end_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("rsud_encounters.id"), index=True)
    encounter: Mapped[RsudEncounter] = relationship(back_populates="segments")
    ward_id: Mapped[int] = mapped_column(ForeignKey("rsud_wards.id"), index=True)
    ward: Mapped[RsudWard] = relationship()
    bed_id: Mapped[int] = mapped_column(ForeignKey("rsud_beds.id"))
    bed: Mapped[RsudBed] = relationship()
    klass: Mapped[str] = mapped_column(String(4))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RsudTariffDecree(Base):
    """A tariff decree: Class III by Perda, the other classes by Perbup (BLUD)."""

    __tablename__ = "rsud_tariff_decrees"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    basis: Mapped[str] = mapped_column(String(10))  # perda or perbup
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class RsudTariff(Base):
    """A service's price in one class under one decree: jasa sarana + jasa pelayanan."""

    __tablename__ = "rsud_tariffs"
    __table_args__ = (UniqueConstraint("decree_id", "service_code", "klass"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decree_id: Mapped[int] = mapped_column(ForeignKey("rsud_tariff_decrees.id"))
    decree: Mapped[RsudTariffDecree] = relationship()
    service_code: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(20))
    #: VIP, I, II, III; ``-`` for a price that is the same in every class (drugs).
    klass: Mapped[str] = mapped_column(String(4))
    #: visit, day (accommodation), item (drugs, consumables) or action.
    per: Mapped[str] = mapped_column(String(8), default="action")
    #: E-Klaim tariff bucket the real cost is reported in.
    bucket: Mapped[str] = mapped_column(String(30), default="prosedur_non_bedah")
    jasa_sarana: Mapped[int] = mapped_column(Money, default=0)
    jasa_medis: Mapped[int] = mapped_column(Money, default=0)
    jasa_paramedis: Mapped[int] = mapped_column(Money, default=0)

    @property
    def price(self) -> int:
        return self.jasa_sarana + self.jasa_medis + self.jasa_paramedis


class RsudCharge(Base):
    """A charge posted to an encounter; corrected only by a reversing charge."""

    __tablename__ = "rsud_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("rsud_encounters.id"), index=True)
    encounter: Mapped[RsudEncounter] = relationship()
    tariff_id: Mapped[int | None] = mapped_column(ForeignKey("rsud_tariffs.id"), nullable=True)
    service_code: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    bucket: Mapped[str] = mapped_column(String(30), default="prosedur_non_bedah")
    klass: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    jasa_sarana: Mapped[int] = mapped_column(Money, default=0)
    jasa_medis: Mapped[int] = mapped_column(Money, default=0)
    jasa_paramedis: Mapped[int] = mapped_column(Money, default=0)
    amount: Mapped[int] = mapped_column(Money)
    performed_by: Mapped[str] = mapped_column(String(120), default="")
    service_date: Mapped[date] = mapped_column(Date, index=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("rsud_charges.id"), unique=True, nullable=True
    )
    reason: Mapped[str] = mapped_column(String(200), default="")


class RsudDeposit(Base):
    """A self-pay patient's deposit (an invoice of the billing plugin) or a refund of it.

    Rows are only added, never changed. A refund row is a request to the
    billing plugin (``request_id``) to pay back part of the deposit invoice
    ``invoice_number``; whether it was approved is read from billing. A
    refund row without a request predates the flow (paid back by hand).
    """

    __tablename__ = "rsud_deposits"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("rsud_encounters.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # deposit or refund
    amount: Mapped[int] = mapped_column(Money)
    invoice_number: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The billing plugin's refund request (a supervisor approves it).
    request_id: Mapped[int | None] = mapped_column(Integer, unique=True, index=True, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(60), default="", server_default="")
    reason: Mapped[str] = mapped_column(String(300), default="", server_default="")


def _deposits_are_append_only(_mapper: Any, _connection: Any, _target: Any) -> None:
    raise RuntimeError("rsud_deposits rows are only added: record a refund instead of a change")


event.listen(RsudDeposit, "before_update", _deposits_are_append_only)
event.listen(RsudDeposit, "before_delete", _deposits_are_append_only)


class RsudClaim(Base):
    """A BPJS claim of an encounter as the E-Klaim grouper returned it (recorded, not computed)."""

    __tablename__ = "rsud_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("rsud_encounters.id"), unique=True)
    encounter: Mapped[RsudEncounter] = relationship()
    sep_number: Mapped[str] = mapped_column(String(30))
    inacbg_code: Mapped[str] = mapped_column(String(20), default="")
    #: The package of the entitled class, and its sub-acute, chronic and add-payment parts.
    cbg_amount: Mapped[int] = mapped_column(Money, default=0)
    subacute_amount: Mapped[int] = mapped_column(Money, default=0)
    chronic_amount: Mapped[int] = mapped_column(Money, default=0)
    add_payment: Mapped[int] = mapped_column(Money, default=0)
    #: INA-CBG tariffs of the same code in class I and in the upgraded class (for the upgrade rule).
    cbg_class1_amount: Mapped[int] = mapped_column(Money, default=0)
    cbg_upgraded_amount: Mapped[int] = mapped_column(Money, default=0)
    upgrade_class: Mapped[str] = mapped_column(String(4), default="")
    upgrade_days: Mapped[int] = mapped_column(Integer, default=0)
    upgrade_payer: Mapped[str] = mapped_column(String(24), default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def total(self) -> int:
        """Claim total = CBG + sub-acute + chronic + add-payment (E-Klaim)."""
        return self.cbg_amount + self.subacute_amount + self.chronic_amount + self.add_payment

"""The resident registry and its duplicate-review queue."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.db import Base, UTCDateTime, utcnow
from pamong.orgunits.models import OrgUnit


class Sex(enum.StrEnum):
    MALE = "M"
    FEMALE = "F"


class Religion(enum.StrEnum):
    """The religions recorded on a KTP (plus kepercayaan, MK 97/PUU-XIV/2016)."""

    ISLAM = "islam"
    KRISTEN = "kristen"
    KATOLIK = "katolik"
    HINDU = "hindu"
    BUDDHA = "buddha"
    KONGHUCU = "konghucu"
    KEPERCAYAAN = "kepercayaan"


class MaritalStatus(enum.StrEnum):
    BELUM_KAWIN = "belum_kawin"  # never married
    KAWIN = "kawin"  # married
    CERAI_HIDUP = "cerai_hidup"  # divorced
    CERAI_MATI = "cerai_mati"  # widowed


class FamilyRelation(enum.StrEnum):
    """A member's relation to the head of the family card (KK), in the card's order."""

    KEPALA_KELUARGA = "kepala_keluarga"  # head of the family
    SUAMI = "suami"  # husband
    ISTRI = "istri"  # wife
    ANAK = "anak"  # child
    MENANTU = "menantu"  # child-in-law
    CUCU = "cucu"  # grandchild
    ORANG_TUA = "orang_tua"  # parent
    MERTUA = "mertua"  # parent-in-law
    FAMILI_LAIN = "famili_lain"  # other relative
    PEMBANTU = "pembantu"  # household help
    LAINNYA = "lainnya"  # other


class BloodType(enum.StrEnum):
    """Blood types as the KTP prints them; an unknown type is stored as no value."""

    A = "A"
    B = "B"
    AB = "AB"
    O = "O"  # noqa: E741
    A_POS = "A+"
    A_NEG = "A-"
    B_POS = "B+"
    B_NEG = "B-"
    AB_POS = "AB+"
    AB_NEG = "AB-"
    O_POS = "O+"
    O_NEG = "O-"


class ResidentStatus(enum.StrEnum):
    LIVING = "living"
    MOVED_OUT = "moved_out"
    DECEASED = "deceased"


class DuplicateStatus(enum.StrEnum):
    OPEN = "open"
    DISTINCT = "distinct"  # reviewed: two different people
    SAME_PERSON = "same_person"  # reviewed: one person holds two NIKs


class Resident(Base):
    """A person in the regency's population registry, keyed by NIK.

    ``name_key`` and ``birth_place_key`` are normalised copies used to
    screen for one person registered under two NIKs.
    """

    __tablename__ = "residents"
    __table_args__ = (
        Index("ix_residents_screening", "name_key", "birth_date", "birth_place_key"),
        # A unit's residents (the scope of every list), and their names: a name
        # search over many units is checked in this index, without reading rows.
        Index("ix_residents_domicile_name", "domicile_unit_id", "name_key"),
        CheckConstraint("length(nik) = 16", name="nik_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    kk_number: Mapped[str | None] = mapped_column(String(16), index=True)
    family_relation: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    birth_place: Mapped[str] = mapped_column(String(100))
    birth_place_key: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    religion: Mapped[str | None] = mapped_column(String(20))
    marital_status: Mapped[str | None] = mapped_column(String(20))
    occupation: Mapped[str | None] = mapped_column(String(100))
    blood_type: Mapped[str | None] = mapped_column(String(3))
    address: Mapped[str] = mapped_column(String(300), default="")
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    domicile_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(String(12), default=ResidentStatus.LIVING.value)
    nik_issues: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    domicile: Mapped[OrgUnit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Resident {self.id}>"


class DuplicateCandidate(Base):
    """Two residents who may be one person: same name, birth date and place."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("resident_id", "other_resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    other_resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=DuplicateStatus.OPEN.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id], lazy="joined")
    other: Mapped[Resident] = relationship(foreign_keys=[other_resident_id], lazy="joined")


class LifeEventKind(enum.StrEnum):
    """The population events a desa reports every month (mutasi penduduk)."""

    BIRTH = "birth"
    DEATH = "death"
    MOVE_IN = "move_in"  # from another desa of the regency, or from outside it
    MOVE_OUT = "move_out"  # to another desa of the regency, or out of it


class LifeEvent(Base):
    """A dated population event of a resident, at a desa.

    A move between two desa of the regency is two events, ``move_out`` at the
    old desa and ``move_in`` at the new one, so each desa's monthly report
    counts what happened there. Events are never edited: a mistake is
    corrected by the registry's correction of the resident, audited.
    """

    __tablename__ = "life_events"
    __table_args__ = (
        CheckConstraint("kind IN ('birth', 'death', 'move_in', 'move_out')", name="kind"),
        Index("ix_life_events_unit_day", "org_unit_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    day: Mapped[date] = mapped_column(Date)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    #: The other end of a move: a desa of the regency, or a place outside it.
    other_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    other_place: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id], lazy="joined")
    other_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[other_unit_id], lazy="joined")

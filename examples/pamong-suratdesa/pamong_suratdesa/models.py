"""The plugin's one table: a request for a letter, and the letter once issued.

Table names start with ``suratdesa_`` and model classes with ``Suratdesa``:
every plugin shares one database and one SQLAlchemy registry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, IssuedDocument, OrgUnit, Resident, UTCDateTime, _l, utcnow


class LetterKind(StrEnum):
    """The surat keterangan a desa office writes most."""

    DOMISILI = "domisili"
    USAHA = "usaha"
    TIDAK_MAMPU = "tidak_mampu"
    KELAKUAN_BAIK = "kelakuan_baik"


#: The letter's own title: an official document, in Indonesian whatever the page language.
OFFICIAL_TITLES = {
    LetterKind.DOMISILI: "Surat Keterangan Domisili",
    LetterKind.USAHA: "Surat Keterangan Usaha",
    LetterKind.TIDAK_MAMPU: "Surat Keterangan Tidak Mampu",
    LetterKind.KELAKUAN_BAIK: "Surat Keterangan Kelakuan Baik",
}
#: What the pages call each kind.
KIND_LABELS = {
    LetterKind.DOMISILI: _l("Certificate of domicile"),
    LetterKind.USAHA: _l("Certificate of business"),
    LetterKind.TIDAK_MAMPU: _l("Certificate of low income"),
    LetterKind.KELAKUAN_BAIK: _l("Certificate of good conduct"),
}


class SuratdesaLetter(Base):
    """A resident's request for a certificate letter; ``issued_at`` is set once it is issued."""

    __tablename__ = "suratdesa_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(200))  # keperluan: "melamar pekerjaan"
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    desa_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    email: Mapped[str] = mapped_column(String(200), default="")  # to tell the resident
    fee: Mapped[int] = mapped_column(default=0)  # whole rupiah
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))

    resident: Mapped[Resident] = relationship(lazy="joined")
    desa: Mapped[OrgUnit] = relationship(lazy="joined")
    document: Mapped[IssuedDocument | None] = relationship()

"""The org-unit tree (territorial units and offices)."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.db import Base


class OrgUnitKind(enum.StrEnum):
    """What an org unit is. The first four are territorial (Kemendagri codes)."""

    REGENCY = "regency"  # kabupaten or kota
    KECAMATAN = "kecamatan"  # district
    DESA = "desa"  # village
    KELURAHAN = "kelurahan"  # urban village, run by civil servants
    SKPD = "skpd"  # dinas, badan or kantor of the regional government
    BUMD = "bumd"  # regionally owned enterprise, e.g. PDAM
    RSUD = "rsud"  # regional hospital
    SERVICE_POINT = "service_point"  # one-stop office, kecamatan counter

    @property
    def territorial(self) -> bool:
        return self in TERRITORIAL_KINDS


TERRITORIAL_KINDS = frozenset(
    {OrgUnitKind.REGENCY, OrgUnitKind.KECAMATAN, OrgUnitKind.DESA, OrgUnitKind.KELURAHAN}
)


class OrgUnit(Base):
    """A node of the org-unit tree.

    ``path`` is the materialised path of ids (``/1/5/27/``) so that a
    subtree is one indexed prefix query: ``path LIKE '/1/5/%'``.
    """

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), default="")
    depth: Mapped[int] = mapped_column(default=0)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    __table_args__ = (
        Index("ix_org_units_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.name!r}>"

    @property
    def is_territorial(self) -> bool:
        return OrgUnitKind(self.kind).territorial

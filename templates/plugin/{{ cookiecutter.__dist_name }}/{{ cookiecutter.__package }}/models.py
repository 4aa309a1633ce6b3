"""The tables of {{ cookiecutter.plugin_id }}; every name starts with ``{{ cookiecutter.plugin_id }}_``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pamong.db import Base, UTCDateTime, utcnow


class Entry(Base):
    """Something recorded at an org unit (a kecamatan, a desa, an office)."""

    __tablename__ = "{{ cookiecutter.plugin_id }}_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

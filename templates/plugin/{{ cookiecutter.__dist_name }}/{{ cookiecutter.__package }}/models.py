"""The tables of {{ cookiecutter.plugin_id }}.

Every table name starts with ``{{ cookiecutter.plugin_id }}_`` and every model class with
``{{ cookiecutter.__model_prefix }}``: all plugins share one database and one SQLAlchemy registry,
where a plain ``Entry`` would clash with another plugin's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, UTCDateTime, utcnow


class {{ cookiecutter.__model_prefix }}Entry(Base):
    """Something recorded at an org unit (a kecamatan, a desa, an office)."""

    __tablename__ = "{{ cookiecutter.plugin_id }}_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

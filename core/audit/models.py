"""Audit log entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pamong.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """Who did what to which record, and when.

    ``action`` is ``<object>.<verb>`` (``resident.create``,
    ``personal_data.read``, ``auth.login_failed``); ``org_unit_id`` is the
    unit the record belongs to, so auditors see only their own subtree.
    ``subject_nik`` is the NIK of the person whose data was read or
    written, for the per-person access report (UU PDP 27/2022);
    ``ip`` and ``request_id`` tie the entry to the client and the request.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    subject_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))

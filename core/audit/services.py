"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.models import AuditEntry
from pamong.errors import Forbidden
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    org_unit_id: int | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add an audit entry to ``session``; it commits with the change it records."""
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        org_unit_id=org_unit_id,
        detail=detail,
        ip=actor.ip,
    )
    session.add(entry)
    return entry


def query_entries(
    actor: Actor,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[tuple[AuditEntry]]:
    """Audit entries the actor may read, newest first.

    Entries tied to an org unit are visible in the subtree where the actor
    holds ``core.audit.view``; entries without a unit only to holders of it
    at the root of the tree.
    """
    if not actor.can("core.audit.view"):
        raise Forbidden(_("You may not read the audit log."))
    stmt = select(AuditEntry).outerjoin(OrgUnit, AuditEntry.org_unit_id == OrgUnit.id)
    if not actor.is_system:
        is_root = any(path.count("/") == 2 for path in actor.scope_paths("core.audit.view"))
        scoped = actor.scope_filter("core.audit.view", OrgUnit.path)
        stmt = (
            stmt.where(scoped | AuditEntry.org_unit_id.is_(None)) if is_root else stmt.where(scoped)
        )
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if actor_name:
        stmt = stmt.where(AuditEntry.actor == actor_name)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt.order_by(AuditEntry.id.desc())

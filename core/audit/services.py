"""Writing and reading the audit log.

Three kinds of entries: writes (each service records its own change with
:func:`record`), reads of personal data (:func:`record_personal_read`,
which every plugin must call when it shows a person's NIK, address, phone,
photo and the like), and security events (failed logins, permission
denials, invalid tokens: :func:`record_security_event`). Every entry
carries the actor, the org unit concerned, the client address and the
request id; the last two come from the :class:`~pamong.accounts.permissions.Actor`,
so services never reach into the Flask request.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.models import AuditEntry
from pamong.errors import Forbidden, InvalidInput
from pamong.i18n import gettext as _
from pamong.identity.nik import clean_nik
from pamong.orgunits.models import OrgUnit

VIEW = "core.audit.view"
#: The action of every read of personal data, whatever the record.
PERSONAL_READ = "personal_data.read"
#: Security events: a refused login, a refused permission, a bad token.
LOGIN_FAILED = "auth.login_failed"
PERMISSION_DENIED = "auth.permission_denied"
INVALID_TOKEN = "auth.invalid_token"
#: The most rows one CSV export holds (a narrower filter gives the rest).
EXPORT_LIMIT = 100_000


def _unit_id(unit: OrgUnit | int | None) -> int | None:
    return unit.id if isinstance(unit, OrgUnit) else unit


def _nik_of(person: Any) -> str | None:
    """The NIK of a resident-like object or a NIK string; None if it is not a NIK."""
    value = getattr(person, "nik", person)
    if not isinstance(value, str):
        return None
    digits = clean_nik(value)
    return digits if len(digits) == 16 and digits.isascii() and digits.isdigit() else None


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    org_unit_id: int | None = None,
    subject_nik: str | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add an audit entry to ``session``; it commits with the change it records."""
    entry = AuditEntry(
        **_entry_values(actor, action, object_type, object_id, org_unit_id, subject_nik, detail)
    )
    session.add(entry)
    return entry


def _entry_values(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    org_unit_id: int | None,
    subject_nik: str | None,
    detail: dict[str, Any],
) -> dict[str, Any]:
    return {
        "actor_id": actor.user_id,
        "actor": actor.username[:64],
        "action": action,
        "object_type": object_type[:40],
        "object_id": None if object_id is None else str(object_id)[:64],
        "org_unit_id": org_unit_id,
        "subject_nik": subject_nik,
        "detail": detail,
        "ip": actor.ip,
        "request_id": actor.request_id,
    }


def _describe(subject: Any) -> tuple[str, str | None]:
    """``(object_type, object_id)`` of a mapped record or of a ``(type, id)`` pair."""
    if isinstance(subject, tuple) and len(subject) == 2:
        kind, key = subject
        return str(kind), None if key is None else str(key)
    state = inspect(subject, raiseerr=False)
    if state is None or not hasattr(state, "mapper"):
        raise TypeError(f"subject must be a mapped record or a (type, id) pair, not {subject!r}")
    identity = state.identity or ()
    key = "-".join(str(part) for part in identity) or None
    return state.mapper.local_table.name, key


def record_personal_read(
    session: Session,
    actor: Actor,
    *,
    subject: Any,
    resident: Any = None,
    unit: OrgUnit | int | None,
    purpose: str,
    fields: Sequence[str] = (),
) -> AuditEntry:
    """Record that ``actor`` was shown a person's personal data.

    Call it in the service that hands the data out (never in a template),
    once per person shown, before the request's session commits.

    :param subject: the record read: a ``("ktp_application", 12)`` pair
        (use the object type your write entries use), or a mapped object,
        stored as its table name and primary key.
    :param resident: whose data it is: a core ``Resident``, any object
        with a ``nik`` attribute, or a NIK string. Entries with a NIK make
        up the per-person access report (UU PDP 27/2022); pass None only
        for data without one (a business applicant).
    :param unit: the org unit the record belongs to (an ``OrgUnit`` or its
        id), so that the unit's auditors see the entry.
    :param purpose: a short code of where it was shown, namespaced by the
        component (``"ktp.application.page"``, ``"licensing.api.application"``).
    :param fields: optionally, which personal fields were shown.
    """
    object_type, object_id, unit_id, nik, detail = _personal_read_args(
        subject, resident, unit, purpose, fields
    )
    return record(
        session,
        actor,
        PERSONAL_READ,
        object_type,
        object_id,
        org_unit_id=unit_id,
        subject_nik=nik,
        **detail,
    )


def write_personal_read(
    conn: Connection,
    actor: Actor,
    *,
    subject: tuple[str, object],
    resident: Any = None,
    unit: OrgUnit | int | None,
    purpose: str,
    fields: Sequence[str] = (),
) -> None:
    """:func:`record_personal_read` on a Core connection, for data read without the ORM.

    The entry is inserted at once, in ``conn``'s transaction: commit that
    transaction before the data leaves, as a session's commit does for
    :func:`record_personal_read`. ``subject`` is a ``(type, id)`` pair.
    """
    object_type, object_id, unit_id, nik, detail = _personal_read_args(
        subject, resident, unit, purpose, fields
    )
    conn.execute(
        _INSERT_ENTRY,
        _entry_values(actor, PERSONAL_READ, object_type, object_id, unit_id, nik, detail),
    )


#: Built once: SQLAlchemy keeps a reused statement's cache key (the NIK lookup is a hot path).
_INSERT_ENTRY = insert(AuditEntry)


def record_personal_reads(
    session: Session,
    actor: Actor,
    reads: Iterable[tuple[Any, Any, OrgUnit | int | None]],
    *,
    purpose: str,
) -> None:
    """:func:`record_personal_read` for each ``(subject, resident, unit)`` of a list page.

    One multi-row INSERT in the session's transaction instead of one
    statement per person shown: a page of 25 search results is one write.
    The entries commit with the session, as :func:`record_personal_read`'s.
    """
    rows = []
    for subject, resident, unit in reads:
        object_type, object_id, unit_id, nik, detail = _personal_read_args(
            subject, resident, unit, purpose, ()
        )
        rows.append(
            _entry_values(actor, PERSONAL_READ, object_type, object_id, unit_id, nik, detail)
        )
    if rows:
        session.execute(_INSERT_ENTRY, rows)


def _personal_read_args(
    subject: Any, resident: Any, unit: OrgUnit | int | None, purpose: str, fields: Sequence[str]
) -> tuple[str, str | None, int | None, str | None, dict[str, Any]]:
    object_type, object_id = _describe(subject)
    detail: dict[str, Any] = {"purpose": purpose[:64]}
    if fields:
        detail["fields"] = list(fields)
    return object_type, object_id, _unit_id(unit), _nik_of(resident), detail


def record_security_event(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str = "request",
    object_id: object = None,
    unit: OrgUnit | int | None = None,
    **detail: Any,
) -> AuditEntry:
    """Record a failed login, a permission denial or an invalid token.

    Without a ``unit`` the entry goes to the actor's own unit (where they
    hold a role), so that the auditors of that unit see what their staff
    were refused; anonymous events have no unit and only regency-wide
    auditors see them.
    """
    unit_id = _unit_id(unit)
    if unit_id is None:
        unit_id = actor.home_unit_id
    return record(session, actor, action, object_type, object_id, org_unit_id=unit_id, **detail)


def query_entries(
    actor: Actor,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_name: str | None = None,
    nik: str | None = None,
    unit: OrgUnit | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[tuple[AuditEntry]]:
    """Audit entries the actor may read, newest first.

    Entries tied to an org unit are visible in the subtree where the actor
    holds ``core.audit.view``; entries without a unit only to holders of it
    at the root of the tree. ``action`` ending in ``.*`` matches a family
    (``auth.*``); ``unit`` keeps the entries of that unit's subtree; ``nik``
    those about that person.
    """
    if not actor.can(VIEW):
        raise Forbidden(_("You may not read the audit log."), permission=VIEW)
    stmt = select(AuditEntry).outerjoin(OrgUnit, AuditEntry.org_unit_id == OrgUnit.id)
    if not actor.is_system:
        is_root = any(path.count("/") == 2 for path in actor.scope_paths(VIEW))
        scoped = actor.scope_filter(VIEW, OrgUnit.path)
        stmt = (
            stmt.where(scoped | AuditEntry.org_unit_id.is_(None)) if is_root else stmt.where(scoped)
        )
    if action:
        if action.endswith(".*"):
            stmt = stmt.where(AuditEntry.action.startswith(action[:-1], autoescape=True))
        else:
            stmt = stmt.where(AuditEntry.action == action)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if actor_name:
        stmt = stmt.where(AuditEntry.actor == actor_name.strip().lower())
    if nik:
        stmt = stmt.where(AuditEntry.subject_nik == _valid_nik(nik))
    if unit is not None:
        stmt = stmt.where(OrgUnit.path.startswith(unit.path, autoescape=True))
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt.order_by(AuditEntry.id.desc())


def _valid_nik(nik: str) -> str:
    value = _nik_of(nik)
    if value is None:
        raise InvalidInput(_("A NIK has 16 digits."), slug="invalid-nik", field="nik")
    return value


@dataclass(frozen=True)
class AccessReport:
    """Who read or changed one person's data: the person's right to know (UU PDP 27/2022)."""

    nik: str
    entries: list[AuditEntry]
    unit_names: dict[int, str]


def subject_report(session: Session, actor: Actor, nik: str) -> AccessReport:
    """Every entry about the person with ``nik`` the auditor may see, newest first.

    Reads and changes alike. Running the report is itself recorded: the
    auditor read who read the person's data.
    """
    value = _valid_nik(nik)
    stmt = query_entries(actor, nik=value)
    entries = list(session.scalars(stmt.limit(EXPORT_LIMIT)))
    ids = {e.org_unit_id for e in entries if e.org_unit_id}
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())
    record_security_event(
        session,
        actor,
        "audit.subject_report",
        object_type="audit_log",
        subject_nik=value,
        rows=len(entries),
    )
    return AccessReport(value, entries, names)


CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "org_unit",
    "subject_nik",
    "ip",
    "request_id",
    "detail",
)


def export_rows(session: Session, stmt: Select[tuple[AuditEntry]]) -> list[tuple[Any, ...]]:
    """The entries of ``stmt`` as plain rows in :data:`CSV_COLUMNS` order.

    Read in one go (at most :data:`EXPORT_LIMIT`), so the caller can end
    the transaction before streaming: on SQLite an open transaction would
    hold up every writer for as long as the download takes.
    """
    rows = session.execute(stmt.add_columns(OrgUnit.code).limit(EXPORT_LIMIT))
    return [
        (
            entry.id,
            entry.at.isoformat(),
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id or "",
            code or "",
            entry.subject_nik or "",
            entry.ip or "",
            entry.request_id or "",
            json.dumps(entry.detail, ensure_ascii=False, sort_keys=True, default=str),
        )
        for entry, code in rows
    ]


def csv_chunks(rows: list[tuple[Any, ...]]) -> Iterator[str]:
    """CSV text of ``rows``, header first, in chunks of 500 rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for start in range(0, len(rows), 500):
        writer.writerows(rows[start : start + 500])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()

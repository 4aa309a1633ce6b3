"""Kantaya's public function API: daily reports, the controlling grid, reminders, letter numbers.

Every function takes the ``Actor`` and checks its permission at the unit
concerned (a scoped user never reaches above its subtree); writes happen
in the caller's transaction.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    _,
    audit,
    clean_filename,
    get_unit,
    hook_relay,
    is_working_day,
    issue_document,
    regency_today,
    send_message,
    time_zone,
    utcnow,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.agenda import (
    ANSWERS,
    confirm_event,
    create_event,
    feed,
    my_events,
    new_feed_token,
    revoke_feed,
    rsvp,
)
from pamong_plugins.kantaya.dashboard import Dashboard, leader_dashboard
from pamong_plugins.kantaya.forum import (
    forum_writable,
    get_thread,
    hide_post,
    moderate_thread,
    open_thread,
    reply,
    search,
    threads_query,
)
from pamong_plugins.kantaya.letters_in import (
    MAX_SCAN_BYTES,
    UNIT_STAFF,
    complete,
    dispose,
    dispositions_query,
    escalate_overdue,
    forward,
    get_disposition,
    get_incoming,
    incoming_query,
    is_recipient,
    recall,
    register_incoming,
)
from pamong_plugins.kantaya.models import (
    KantayaAttachment,
    KantayaComment,
    KantayaLetter,
    KantayaLetterCounter,
    KantayaReminder,
    KantayaReport,
    ReportStatus,
)
from pamong_plugins.kantaya.projects import (
    STEP_ORDER,
    create_project,
    get_project,
    is_critical,
    planned_at,
    projects_query,
    record_progress,
    record_step,
    s_curve,
    weeks_of,
)
from pamong_plugins.kantaya.settings import settings

__all__ = [
    "ANSWERS",
    "GRID_STATES",
    "MAX_SCAN_BYTES",
    "STEP_ORDER",
    "UNIT_STAFF",
    "Dashboard",
    "Grid",
    "add_attachment",
    "approve_report",
    "comment_on",
    "complete",
    "complete_task",
    "confirm_event",
    "controlling_grid",
    "create_event",
    "create_project",
    "dispose",
    "dispositions_query",
    "draft_report",
    "escalate_overdue",
    "feed",
    "forum_writable",
    "forward",
    "get_disposition",
    "get_incoming",
    "get_project",
    "get_report",
    "get_thread",
    "hide_post",
    "incoming_query",
    "is_critical",
    "is_recipient",
    "leader_dashboard",
    "letter_by_number",
    "missing_units",
    "moderate_thread",
    "my_events",
    "new_feed_token",
    "number_letter",
    "open_thread",
    "planned_at",
    "projects_query",
    "recall",
    "record_progress",
    "record_step",
    "register_incoming",
    "reply",
    "reports_query",
    "return_report",
    "revoke_feed",
    "rsvp",
    "s_curve",
    "search",
    "send_reminders",
    "submit_report",
    "tasks_query",
    "threads_query",
    "update_report",
    "weeks_of",
]

TEXT_FIELDS = ("activities", "results", "problems", "follow_up")
MAX_TEXT = 10_000
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
#: Cell states of the controlling grid.
GRID_STATES = ("submitted", "late", "draft", "missing", "off", "future")
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
GRADES = ("B", "T", "R", "SR", "P")  # biasa, terbatas, rahasia, sangat rahasia, penting


# --- helpers -----------------------------------------------------------------------


def _require(actor: Actor, permissions: Sequence[str], unit: OrgUnit, *, hide: bool) -> None:
    if any(actor.can(p, unit) for p in permissions):
        return
    if hide and not any(actor.can(p, unit) for p in perm.READ):
        raise NotFound(_("No such report."))
    raise Forbidden(_("You may not do this for %(unit)s.", unit=unit.name))


def _reporting_unit(session: Session, code: str) -> OrgUnit:
    try:
        unit = get_unit(session, code)
    except NotFound:
        raise InvalidInput(
            _("Unknown unit %(code)s.", code=repr(code)), slug="unknown-unit"
        ) from None
    if unit.kind not in settings()["reporting_kinds"]:
        raise InvalidInput(
            _("%(unit)s does not file daily reports.", unit=unit.name), slug="not-reporting"
        )
    return unit


def _deadline(day: date) -> datetime:
    """When a report of ``day`` becomes late: the next day at ``late_after_hour``, local."""
    zone = ZoneInfo(time_zone())
    local = datetime.combine(day + timedelta(days=1), time(settings()["late_after_hour"]), zone)
    return local.astimezone(UTC)


def _clean_text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(name)s must be text.", name=name), slug="invalid-text")
    value = value.replace("\x00", "").strip()
    if len(value) > MAX_TEXT:
        raise InvalidInput(
            _("%(name)s is longer than %(max)d characters.", name=name, max=MAX_TEXT),
            slug="text-too-long",
        )
    return value


# --- daily reports ---------------------------------------------------------------


def collect_facts(session: Session, unit: OrgUnit, day: date) -> list[dict[str, Any]]:
    """What every plugin recorded at ``unit`` on ``day`` (``pamong_daily_activity``)."""
    facts: list[dict[str, Any]] = []
    for answer in hook_relay(session).pamong_daily_activity(unit=unit, day=day, session=session):
        for fact in answer or ():
            label, value = fact.get("label"), fact.get("value")
            if label is None or value is None:
                continue
            facts.append(
                {"source": str(fact.get("source", "")), "label": str(label), "value": value}
            )
    return facts


def _facts_text(facts: Iterable[dict[str, Any]]) -> str:
    return "\n".join(f"- {f['label']}: {f['value']}" for f in facts)


def draft_report(
    session: Session, actor: Actor, *, unit_code: str, day: date
) -> tuple[KantayaReport, bool]:
    """The unit's report of ``day``: the existing one, or a new draft pre-filled by plugins.

    Returns ``(report, created)``. Two reporters drafting at once get the
    same report (the second edits the first). A future day is refused.
    """
    unit = _reporting_unit(session, unit_code)
    _require(actor, (perm.REPORT,), unit, hide=False)
    if day > regency_today():
        raise InvalidInput(
            _("A daily report cannot be written for a future day."), slug="future-day"
        )
    existing = _find(session, unit.id, day)
    if existing is not None:
        return existing, False
    facts = collect_facts(session, unit, day)
    try:
        with session.begin_nested():
            report = KantayaReport(
                unit_id=unit.id,
                day=day,
                facts=facts,
                activities=_facts_text(facts),
                created_by_id=actor.user_id,
            )
            session.add(report)
            session.flush()
    except IntegrityError:
        found = _find(session, unit.id, day)
        if found is None:  # pragma: no cover - the winner's row is committed
            raise
        return found, False
    audit(session, actor, "kantaya.report.draft", "kantaya_report", report.id, org_unit_id=unit.id)
    return report, True


def _find(session: Session, unit_id: int, day: date) -> KantayaReport | None:
    return session.scalar(
        select(KantayaReport).where(KantayaReport.unit_id == unit_id, KantayaReport.day == day)
    )


def get_report(session: Session, actor: Actor, report_id: int) -> KantayaReport:
    """One report; 404 for a user without a read permission at its unit."""
    report = session.get(KantayaReport, report_id)
    if report is None or not any(actor.can(p, report.unit) for p in perm.READ):
        raise NotFound(_("No such report."))
    return report


def update_report(
    session: Session, actor: Actor, report_id: int, values: dict[str, Any]
) -> KantayaReport:
    """Edit a draft or returned report's texts."""
    report = get_report(session, actor, report_id)
    _require(actor, (perm.REPORT,), report.unit, hide=True)
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise Conflict(
            _("This report is %(status)s and can no longer be edited.", status=report.status),
            slug="report-closed",
        )
    for name in TEXT_FIELDS:
        if name in values:
            setattr(report, name, _clean_text(values[name], name))
    report.updated_at = utcnow()
    audit(session, actor, "kantaya.report.edit", "kantaya_report", report.id)
    return report


def submit_report(session: Session, actor: Actor, report_id: int) -> KantayaReport:
    """The reporter submits: it goes to the head for approval; late after the deadline."""
    report = get_report(session, actor, report_id)
    _require(actor, (perm.REPORT,), report.unit, hide=True)
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise Conflict(_("This report was already submitted."), slug="already-submitted")
    if not (report.activities.strip() or report.results.strip()):
        raise InvalidInput(
            _("Write the day's activities or results before submitting."), slug="empty-report"
        )
    now = utcnow()
    report.status = ReportStatus.SUBMITTED.value
    report.submitted_at = now
    report.submitted_by_id = actor.user_id
    if report.late is False:
        report.late = now > _deadline(report.day)
    audit(session, actor, "kantaya.report.submit", "kantaya_report", report.id, late=report.late)
    return report


def approve_report(session: Session, actor: Actor, report_id: int) -> KantayaReport:
    """The head of the unit approves a submitted report."""
    report = get_report(session, actor, report_id)
    _require(actor, (perm.APPROVE,), report.unit, hide=True)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("Only a submitted report can be approved."), slug="not-submitted")
    report.status = ReportStatus.APPROVED.value
    report.approved_at = utcnow()
    report.approved_by_id = actor.user_id
    audit(session, actor, "kantaya.report.approve", "kantaya_report", report.id)
    return report


def return_report(session: Session, actor: Actor, report_id: int, reason: str) -> KantayaReport:
    """The head sends a submitted report back to the reporter, saying why."""
    report = get_report(session, actor, report_id)
    _require(actor, (perm.APPROVE,), report.unit, hide=True)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("Only a submitted report can be returned."), slug="not-submitted")
    reason = _clean_text(reason, "reason")[:500]
    if not reason:
        raise InvalidInput(_("Say why the report is returned."), slug="reason-required")
    report.status = ReportStatus.RETURNED.value
    report.return_reason = reason
    audit(session, actor, "kantaya.report.return", "kantaya_report", report.id)
    return report


def reports_query(
    actor: Actor,
    *,
    unit_code: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    status: str | None = None,
) -> Select[tuple[KantayaReport]]:
    """Reports of the units the actor may read, newest first."""
    stmt = select(KantayaReport).join(OrgUnit, OrgUnit.id == KantayaReport.unit_id)
    readable = [actor.scope_filter(p, OrgUnit.path) for p in perm.READ]
    from sqlalchemy import or_

    stmt = stmt.where(or_(*readable))
    if unit_code:
        stmt = stmt.where(OrgUnit.code == unit_code)
    if day_from:
        stmt = stmt.where(KantayaReport.day >= day_from)
    if day_to:
        stmt = stmt.where(KantayaReport.day <= day_to)
    if status:
        stmt = stmt.where(KantayaReport.status == status)
    return stmt.order_by(KantayaReport.day.desc(), OrgUnit.code)


def _attachment_type(data: bytes) -> str:
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    raise InvalidInput(
        _("Attach a photo (JPEG, PNG) or a PDF; this file is neither."), slug="invalid-attachment"
    )


def add_attachment(
    session: Session, actor: Actor, report_id: int, *, filename: str, data: bytes
) -> KantayaAttachment:
    """A photo or PDF on a report still being written (type by content, at most 5 MB)."""
    report = get_report(session, actor, report_id)
    _require(actor, (perm.REPORT,), report.unit, hide=True)
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise Conflict(_("Attachments are added before submitting."), slug="report-closed")
    if not data:
        raise InvalidInput(_("The file is empty."), slug="invalid-attachment")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            _("A file may be at most %(mb)d MB.", mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)),
            slug="attachment-too-large",
        )
    if len(report.attachments) >= MAX_ATTACHMENTS:
        raise InvalidInput(
            _("At most %(count)d files per report.", count=MAX_ATTACHMENTS),
            slug="too-many-attachments",
        )
    row = KantayaAttachment(
        filename=(clean_filename(filename) or "lampiran")[-200:],
        content_type=_attachment_type(data),
        size=len(data),
        data=data,
    )
    report.attachments.append(row)
    session.flush()
    audit(session, actor, "kantaya.report.attach", "kantaya_report", report.id, size=len(data))
    return row


# --- comments and tasks ------------------------------------------------------------


def comment_on(
    session: Session,
    actor: Actor,
    report_id: int,
    *,
    body: str,
    task: bool = False,
    due_on: date | None = None,
) -> KantayaComment:
    """A leader's comment; with ``task`` an instruction the unit sees in its task list."""
    report = get_report(session, actor, report_id)
    _require(actor, (perm.MONITOR,), report.unit, hide=True)
    body = _clean_text(body, "comment")
    if not body:
        raise InvalidInput(_("A comment needs a text."), slug="empty-comment")
    if due_on is not None and not task:
        raise InvalidInput(_("Only an instruction has a due date."), slug="invalid-due")
    if due_on is not None and due_on < report.day:
        raise InvalidInput(_("The due date is before the report's day."), slug="invalid-due")
    row = KantayaComment(body=body, is_task=task, due_on=due_on, author_id=actor.user_id)
    report.comments.append(row)
    session.flush()
    audit(session, actor, "kantaya.report.comment", "kantaya_report", report.id, task=task)
    return row


def tasks_query(actor: Actor, *, open_only: bool = True) -> Select[tuple[KantayaComment]]:
    """Instructions given to the units where the actor reports, oldest due first."""
    stmt = (
        select(KantayaComment)
        .join(KantayaReport, KantayaReport.id == KantayaComment.report_id)
        .join(OrgUnit, OrgUnit.id == KantayaReport.unit_id)
        .where(KantayaComment.is_task.is_(True))
        .where(actor.scope_filter(perm.REPORT, OrgUnit.path))
    )
    if open_only:
        stmt = stmt.where(KantayaComment.done_at.is_(None))
    return stmt.order_by(KantayaComment.due_on.is_(None), KantayaComment.due_on, KantayaComment.id)


def complete_task(session: Session, actor: Actor, comment_id: int, note: str) -> KantayaComment:
    """The unit reports an instruction done."""
    row = session.get(KantayaComment, comment_id)
    if row is None or not row.is_task or not any(actor.can(p, row.report.unit) for p in perm.READ):
        raise NotFound(_("No such task."))
    _require(actor, (perm.REPORT,), row.report.unit, hide=True)
    if row.done_at is not None:
        raise Conflict(_("This task is already done."), slug="task-done")
    row.done_at = utcnow()
    row.done_note = _clean_text(note, "note")[:500]
    audit(session, actor, "kantaya.task.done", "kantaya_comment", row.id)
    return row


# --- the controlling grid ------------------------------------------------------------


@dataclass
class Grid:
    """Units x days of a month; ``cells[unit_id][i]`` is the state of ``days[i]``."""

    month: date
    days: list[date]
    units: list[OrgUnit]
    cells: dict[int, list[str]] = field(default_factory=dict)
    report_ids: dict[tuple[int, date], int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def row(self, unit: OrgUnit) -> list[tuple[date, str, int | None]]:
        return [
            (day, state, self.report_ids.get((unit.id, day)))
            for day, state in zip(self.days, self.cells[unit.id], strict=True)
        ]


def visible_units(session: Session, actor: Actor, kind: str | None = None) -> list[OrgUnit]:
    """The reporting units inside the actor's reach for any Kantaya read permission."""
    from sqlalchemy import or_

    kinds = settings()["reporting_kinds"]
    if kind:
        if kind not in kinds:
            raise InvalidInput(
                _("%(kind)s is not a reporting unit kind.", kind=repr(kind)), slug="invalid-kind"
            )
        kinds = [kind]
    stmt = (
        select(OrgUnit)
        .where(OrgUnit.kind.in_(kinds))
        .where(or_(*(actor.scope_filter(p, OrgUnit.path) for p in perm.READ)))
        .order_by(OrgUnit.kind, OrgUnit.code)
    )
    return list(session.scalars(stmt))


def _cell(day: date, today: date, row: tuple[str, bool] | None) -> str:
    if row is not None:
        status, late = row
        if status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
            return "late" if late else "submitted"
        return "draft" if day <= today else "future"
    if day > today:
        return "future"
    if not is_working_day(day):
        return "off"
    return "missing"


def controlling_grid(
    session: Session, actor: Actor, month: date, *, kind: str | None = None
) -> Grid:
    """The month's grid for the units the actor may read (optionally one unit kind)."""
    if not any(actor.can(p) for p in perm.READ):
        raise Forbidden(_("You may not see daily reports."))
    first = month.replace(day=1)
    days = [
        first + timedelta(days=i) for i in range(_calendar.monthrange(first.year, first.month)[1])
    ]
    units = visible_units(session, actor, kind)
    grid = Grid(first, days, units)
    found: dict[tuple[int, date], tuple[str, bool]] = {}
    ids = [u.id for u in units]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        # Core rows (no ORM loading): this is the hot path of the grid.
        rows = session.connection().execute(
            select(
                KantayaReport.id,
                KantayaReport.unit_id,
                KantayaReport.day,
                KantayaReport.status,
                KantayaReport.late,
            ).where(
                KantayaReport.unit_id.in_(chunk),
                KantayaReport.day >= days[0],
                KantayaReport.day <= days[-1],
            )
        )
        for report_id, unit_id, day, status, late in rows:
            found[(unit_id, day)] = (status, late)
            grid.report_ids[(unit_id, day)] = report_id
    today = regency_today()
    working = {day: (day <= today and is_working_day(day)) for day in days}
    totals = dict.fromkeys(GRID_STATES, 0)
    for unit in units:
        unit_id = unit.id
        cells = []
        for day in days:
            row = found.get((unit_id, day))
            if row is None:
                state = "future" if day > today else ("missing" if working[day] else "off")
            else:
                state = _cell(day, today, row)
            totals[state] += 1
            cells.append(state)
        grid.cells[unit_id] = cells
    grid.totals = totals
    return grid


def missing_units(session: Session, day: date, actor: Actor | None = None) -> list[OrgUnit]:
    """Reporting units (in the actor's reach) without a submitted report for ``day``."""
    actor = actor or Actor.system("kantaya")
    units = visible_units(session, actor)
    done = set(
        session.scalars(
            select(KantayaReport.unit_id).where(
                KantayaReport.day == day,
                KantayaReport.status.in_([ReportStatus.SUBMITTED, ReportStatus.APPROVED]),
            )
        )
    )
    return [u for u in units if u.id not in done]


def send_reminders(session: Session, day: date) -> dict[str, int]:
    """Remind each unit still missing ``day``'s report, once, through core messaging.

    Idempotent: a unit reminded for the day is not reminded again. A unit
    nobody works at (no user holds a role there) is skipped and counted.
    """
    system = Actor.system("kantaya reminders")
    counts = {"missing": 0, "sent": 0, "already": 0, "nobody": 0}
    if not is_working_day(day):
        return counts
    reminded = set(
        session.scalars(select(KantayaReminder.unit_id).where(KantayaReminder.day == day))
    )
    root = session.scalar(select(OrgUnit).where(OrgUnit.depth == 0).order_by(OrgUnit.id))
    for unit in missing_units(session, day, system):
        counts["missing"] += 1
        if unit.id in reminded:
            counts["already"] += 1
            continue
        try:
            with session.begin_nested():
                message = send_message(
                    session,
                    system,
                    sender_unit=root or unit,
                    kind="notice",
                    subject=_("Daily report of %(day)s not yet submitted", day=day.isoformat()),
                    body=_(
                        "%(unit)s has not submitted its daily report for %(day)s. "
                        "Please draft and submit it in Kantaya today.",
                        unit=unit.name,
                        day=day.isoformat(),
                    ),
                    to_units=[unit.code],
                    email_copies=True,
                )
                session.add(KantayaReminder(unit_id=unit.id, day=day, message_id=message.id))
                session.flush()
        except InvalidInput:
            counts["nobody"] += 1
            continue
        except IntegrityError:  # another worker reminded it a moment ago
            counts["already"] += 1
            continue
        counts["sent"] += 1
    return counts


# --- outgoing letter numbers ------------------------------------------------------------


def _next_sequence(session: Session, year: int, scope: str) -> int:
    """The next number of the year's sequence; the row lock serialises clerks until commit.

    The counter moves in the caller's transaction: a letter that is rolled
    back gives its number back, so the sequence has neither gaps nor twins.
    """
    bump = (
        update(KantayaLetterCounter)
        .where(KantayaLetterCounter.year == year, KantayaLetterCounter.scope == scope)
        .values(last=KantayaLetterCounter.last + 1)
        .returning(KantayaLetterCounter.last)
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is not None:
        return last
    try:
        with session.begin_nested():
            session.execute(insert(KantayaLetterCounter).values(year=year, scope=scope, last=1))
        return 1
    except IntegrityError:
        return session.execute(bump).scalar_one()


def format_letter_number(
    template: str,
    *,
    code: str,
    seq: int,
    padding: int,
    unit: str,
    grade: str,
    day: date,
) -> str:
    """Fill the number template: ``{code}/{seq}/{unit}/{year}`` -> ``000.1.2/007/BAPPEDA/2026``."""
    try:
        return template.format(
            code=code,
            seq=str(seq).zfill(padding),
            unit=unit,
            grade=grade,
            month=ROMAN_MONTHS[day.month - 1],
            year=day.year,
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidInput(
            _("The letter number template is wrong: %(error)s.", error=str(exc)),
            slug="invalid-template",
        ) from None


def _classification(code: str) -> str:
    code = (code or "").strip()
    parts = code.split(".")
    if not code or len(code) > 30 or not all(p.isdigit() for p in parts) or len(parts[0]) != 3:
        raise InvalidInput(
            _(
                "%(code)s is not an archive classification code (Permendagri 83/2022, "
                "e.g. 000.1.2).",
                code=repr(code),
            ),
            slug="invalid-classification",
        )
    return code


def number_letter(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    classification: str,
    subject: str = "",
    addressee: str = "",
    grade: str = "B",
    reserve: bool = False,
    day: date | None = None,
    reply_to_id: int | None = None,
) -> KantayaLetter:
    """Give an outgoing letter the next number of the year (gapless under concurrency).

    A reserved number is for a letter made by hand: it is not registered as
    a document until the letter is filled in. Otherwise the letter is
    registered as a core document, verifiable by the QR on the paper.
    """
    try:
        unit = get_unit(session, unit_code)
    except NotFound:
        raise InvalidInput(
            _("Unknown unit %(code)s.", code=repr(unit_code)), slug="unknown-unit"
        ) from None
    if not actor.can(perm.LETTERS, unit):
        raise Forbidden(_("You may not number letters for %(unit)s.", unit=unit.name))
    code = _classification(classification)
    if grade not in GRADES:
        raise InvalidInput(
            _("Security grade must be one of %(grades)s.", grades=", ".join(GRADES)),
            slug="invalid-grade",
        )
    subject = _clean_text(subject, "subject")[:300]
    if not reserve and not subject:
        raise InvalidInput(_("A letter needs a subject."), slug="empty-subject")
    if reply_to_id is not None:
        get_incoming(session, actor, reply_to_id)  # 404 unless the actor may see it
    day = day or regency_today()
    config = settings()
    scope = code if config["sequence_per_code"] else ""
    seq = _next_sequence(session, day.year, scope)
    number = format_letter_number(
        config["letter_template"],
        code=code,
        seq=seq,
        padding=config["letter_padding"],
        unit=unit.code.rsplit("-", 1)[-1],
        grade=grade,
        day=day,
    )
    letter = KantayaLetter(
        number=number,
        year=day.year,
        scope=scope,
        sequence=seq,
        classification=code,
        grade=grade,
        unit_id=unit.id,
        subject=subject,
        addressee=_clean_text(addressee, "addressee")[:300],
        reserved=reserve,
        reply_to_id=reply_to_id,
        created_by_id=actor.user_id,
    )
    session.add(letter)
    session.flush()
    if not reserve:
        _register(session, actor, letter, unit)
    audit(session, actor, "kantaya.letter.number", "kantaya_letter", letter.id, number=number)
    return letter


def _register(session: Session, actor: Actor, letter: KantayaLetter, unit: OrgUnit) -> None:
    document = issue_document(
        session,
        actor,
        perm.OUTGOING_LETTER,
        number=letter.number,
        unit=unit,
        holder_ref=f"kantaya:{letter.id}",
        holder_label=letter.subject[:100],
    )
    letter.document_id = document.id


def fill_reserved(
    session: Session, actor: Actor, letter_id: int, *, subject: str, addressee: str = ""
) -> KantayaLetter:
    """A reserved number gets its hand-made letter: subject, addressee, document and QR."""
    letter = session.get(KantayaLetter, letter_id)
    if letter is None or not actor.can(perm.LETTERS, letter.unit):
        raise NotFound(_("No such letter."))
    if not letter.reserved:
        raise Conflict(_("This number is already used by a letter."), slug="not-reserved")
    subject = _clean_text(subject, "subject")[:300]
    if not subject:
        raise InvalidInput(_("A letter needs a subject."), slug="empty-subject")
    letter.subject, letter.reserved = subject, False
    letter.addressee = _clean_text(addressee, "addressee")[:300]
    _register(session, actor, letter, letter.unit)
    audit(session, actor, "kantaya.letter.fill", "kantaya_letter", letter.id)
    return letter


def letters_query(actor: Actor, *, year: int | None = None) -> Select[tuple[KantayaLetter]]:
    """Outgoing letters of the units where the actor numbers letters, newest first."""
    stmt = (
        select(KantayaLetter)
        .join(OrgUnit, OrgUnit.id == KantayaLetter.unit_id)
        .where(actor.scope_filter(perm.LETTERS, OrgUnit.path))
    )
    if year:
        stmt = stmt.where(KantayaLetter.year == year)
    return stmt.order_by(KantayaLetter.year.desc(), KantayaLetter.sequence.desc())


def letter_count(session: Session, year: int) -> int:
    return session.scalar(select(func.count()).where(KantayaLetter.year == year)) or 0


def letter_by_number(session: Session, number: str) -> KantayaLetter | None:
    """The registered (not reserved) outgoing letter with this number: the public check."""
    return session.scalar(
        select(KantayaLetter).where(
            KantayaLetter.number == number.strip(), KantayaLetter.reserved.is_(False)
        )
    )

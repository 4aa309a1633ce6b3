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

from sqlalchemy import Select, select
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
    hook_relay,
    is_working_day,
    regency_today,
    send_message,
    time_zone,
    utcnow,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.agenda import (
    ANSWERS,
    ATTENDANCE,
    complete_follow_up,
    confirm_event,
    create_event,
    feed,
    follow_ups_of,
    follow_ups_query,
    get_event,
    kept_events_query,
    minutes_of,
    my_events,
    new_feed_token,
    new_unit_feed,
    record_attendance,
    revoke_feed,
    revoke_unit_feed,
    rsvp,
    write_minutes,
)
from pamong_plugins.kantaya.common import DOCUMENT_TYPES, input_unit, sniff, text
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
from pamong_plugins.kantaya.letters_out import (
    GRADES,
    ROMAN_MONTHS,
    create_draft,
    drafts_query,
    endorse,
    fill_reserved,
    format_letter_number,
    get_draft,
    letter_by_number,
    letter_count,
    letters_query,
    next_step,
    number_letter,
    return_draft,
    send_draft,
    update_draft,
)
from pamong_plugins.kantaya.models import (
    KantayaAttachment,
    KantayaComment,
    KantayaReminder,
    KantayaReport,
    ReportStatus,
)
from pamong_plugins.kantaya.projects import (
    STEP_ORDER,
    create_project,
    get_project,
    is_critical,
    map_points,
    planned_at,
    projects_query,
    record_progress,
    record_step,
    s_curve,
    scatter,
    weeks_of,
)
from pamong_plugins.kantaya.settings import settings
from pamong_plugins.kantaya.srikandi import import_incoming as import_from_srikandi

__all__ = [
    "ANSWERS",
    "ATTENDANCE",
    "GRADES",
    "GRID_STATES",
    "MAX_SCAN_BYTES",
    "ROMAN_MONTHS",
    "STEP_ORDER",
    "UNIT_STAFF",
    "Dashboard",
    "Grid",
    "add_attachment",
    "approve_report",
    "collect_facts",
    "comment_on",
    "complete",
    "complete_follow_up",
    "complete_task",
    "confirm_event",
    "controlling_grid",
    "create_draft",
    "create_event",
    "create_project",
    "dispose",
    "dispositions_query",
    "draft_report",
    "drafts_query",
    "endorse",
    "escalate_overdue",
    "feed",
    "fill_reserved",
    "follow_ups_of",
    "follow_ups_query",
    "format_letter_number",
    "forum_writable",
    "forward",
    "get_disposition",
    "get_draft",
    "get_event",
    "get_incoming",
    "get_project",
    "get_report",
    "get_thread",
    "hide_post",
    "import_from_srikandi",
    "incoming_query",
    "is_critical",
    "is_recipient",
    "kept_events_query",
    "leader_dashboard",
    "letter_by_number",
    "letter_count",
    "letters_query",
    "map_points",
    "minutes_of",
    "missing_units",
    "moderate_thread",
    "my_events",
    "new_feed_token",
    "new_unit_feed",
    "next_step",
    "number_letter",
    "open_thread",
    "planned_at",
    "projects_query",
    "recall",
    "record_attendance",
    "record_progress",
    "record_step",
    "register_incoming",
    "reply",
    "reports_query",
    "return_draft",
    "return_report",
    "revoke_feed",
    "revoke_unit_feed",
    "rsvp",
    "s_curve",
    "scatter",
    "search",
    "send_draft",
    "send_reminders",
    "submit_report",
    "tasks_query",
    "threads_query",
    "update_draft",
    "update_report",
    "visible_units",
    "weeks_of",
    "write_minutes",
]

TEXT_FIELDS = ("activities", "results", "problems", "follow_up")
MAX_TEXT = 10_000
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
#: Cell states of the controlling grid.
GRID_STATES = ("submitted", "late", "draft", "missing", "off", "future")


# --- helpers -----------------------------------------------------------------------


def _require(actor: Actor, permissions: Sequence[str], unit: OrgUnit, *, hide: bool) -> None:
    if any(actor.can(p, unit) for p in permissions):
        return
    if hide and not any(actor.can(p, unit) for p in perm.READ):
        raise NotFound(_("No such report."))
    raise Forbidden(_("You may not do this for %(unit)s.", unit=unit.name))


def _reporting_unit(session: Session, code: str) -> OrgUnit:
    unit = input_unit(session, code)
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


def _clean_text(value: Any, name: str, limit: int = MAX_TEXT) -> str:
    return text(value, name, limit, required=False)


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
    reason = _clean_text(reason, "reason", 500)
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
    found = sniff(data, DOCUMENT_TYPES)
    if found is None:
        raise InvalidInput(
            _("Attach a photo (JPEG, PNG) or a PDF; this file is neither."),
            slug="invalid-attachment",
        )
    return found


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
    row.done_note = _clean_text(note, "note", 500)
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

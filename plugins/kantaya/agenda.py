"""The agenda: events with invitations through core messaging, RSVP, double-booking warnings,
attendance, minutes with follow-up tasks, and an iCalendar feed per person and per unit
behind an unguessable, revocable address.

Part of the public API through :mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
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
    utcnow,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.common import best_effort_notice, input_unit, text
from pamong_plugins.kantaya.common import users_named as _users
from pamong_plugins.kantaya.models import (
    KantayaEvent,
    KantayaFeedToken,
    KantayaFollowUp,
    KantayaInvitation,
    KantayaMinutes,
    KantayaUnitFeed,
)

ANSWERS = ("yes", "no", "delegate")
#: Attendance recorded after the event: present, represented by a delegate, absent.
ATTENDANCE = ("present", "delegate", "absent")


def conflicts(
    session: Session, leader_id: int, starts_at: datetime, ends_at: datetime, skip: int = 0
) -> list[KantayaEvent]:
    """The leader's other events overlapping the time (a double booking)."""
    return list(
        session.scalars(
            select(KantayaEvent).where(
                KantayaEvent.id != skip,
                or_(
                    KantayaEvent.leader_id == leader_id,
                    KantayaEvent.id.in_(
                        select(KantayaInvitation.event_id).where(
                            KantayaInvitation.user_id == leader_id,
                            KantayaInvitation.answer.in_(("yes", "pending")),
                        )
                    ),
                ),
                KantayaEvent.starts_at < ends_at,
                KantayaEvent.ends_at > starts_at,
            )
        )
    )


def create_event(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    leader: str = "",
    tentative: bool = False,
    invite: Iterable[str] = (),
    incoming_id: int | None = None,
) -> tuple[KantayaEvent, list[KantayaEvent]]:
    """An agenda entry; invitations go out through core messaging.

    Returns the event and the leader's overlapping events (the conflict
    warning: the entry is kept, the double booking is shown).
    """
    unit = input_unit(session, unit_code)
    if not actor.can(perm.AGENDA, unit):
        raise Forbidden(_("You may not keep the agenda of %(unit)s.", unit=unit.name))
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise InvalidInput(_("An event needs a title (at most 300 characters)."), slug="title")
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise InvalidInput(
            _("An event ends after it starts (times with their zone)."), slug="invalid-time"
        )
    if ends_at - starts_at > timedelta(days=14):
        raise InvalidInput(_("An event lasts at most 14 days."), slug="invalid-time")
    leader_user = _users(session, [leader])[0] if leader.strip() else None
    guests = _users(session, invite)
    clash = conflicts(session, leader_user.id, starts_at, ends_at) if leader_user else []
    event = KantayaEvent(
        unit_id=unit.id,
        title=title,
        location=(location or "").strip()[:300],
        starts_at=starts_at,
        ends_at=ends_at,
        leader_id=leader_user.id if leader_user else None,
        status="tentative" if tentative else "confirmed",
        incoming_id=incoming_id,
        created_by_id=actor.user_id,
    )
    session.add(event)
    for user in guests:
        event.invitations.append(KantayaInvitation(user_id=user.id))
    session.flush()
    if guests:
        # A guest messaging refuses (a deactivated account) keeps the invitation row,
        # which shows in the guest's agenda.
        best_effort_notice(
            session,
            "kantaya agenda",
            sender_unit=unit,
            kind="invitation",
            subject=_("Invitation: %(title)s", title=title),
            body=_(
                "%(unit)s invites you to %(title)s on %(when)s at %(where)s. "
                "Please answer in Kantaya (attend, not attend, or a delegate).",
                unit=unit.name,
                title=title,
                when=starts_at.isoformat(timespec="minutes"),
                where=event.location or "-",
            ),
            to_users=[u.username for u in guests],
        )
    audit(session, actor, "kantaya.event.create", "kantaya_event", event.id, org_unit_id=unit.id)
    return event, clash


def confirm_event(session: Session, actor: Actor, event_id: int) -> KantayaEvent:
    """A tentative entry (e.g. from an invitation letter) is confirmed."""
    event = session.get(KantayaEvent, event_id)
    if event is None or not actor.can(perm.AGENDA, event.unit):
        raise NotFound(_("No such event."))
    event.status = "confirmed"
    audit(session, actor, "kantaya.event.confirm", "kantaya_event", event.id)
    return event


def rsvp(
    session: Session, actor: Actor, event_id: int, *, answer: str, delegate: str = ""
) -> KantayaInvitation:
    """The invited person answers: yes, no, or a delegate (named)."""
    row = session.scalar(
        select(KantayaInvitation).where(
            KantayaInvitation.event_id == event_id,
            KantayaInvitation.user_id == (actor.user_id or -1),
        )
    )
    if row is None:
        raise NotFound(_("No such invitation."))
    if answer not in ANSWERS:
        raise InvalidInput(
            _("Answer one of %(answers)s.", answers=", ".join(ANSWERS)), slug="invalid-answer"
        )
    delegate = (delegate or "").strip()[:200]
    if answer == "delegate" and not delegate:
        raise InvalidInput(_("Name the delegate."), slug="delegate-required")
    row.answer, row.delegate, row.answered_at = answer, delegate, utcnow()
    audit(session, actor, "kantaya.event.rsvp", "kantaya_event", event_id, answer=answer)
    return row


def my_events(session: Session, user_id: int) -> list[KantayaEvent]:
    """Events the person leads or is invited to (not declined), by start."""
    invited = select(KantayaInvitation.event_id).where(
        KantayaInvitation.user_id == user_id, KantayaInvitation.answer != "no"
    )
    return list(
        session.scalars(
            select(KantayaEvent)
            .where(or_(KantayaEvent.leader_id == user_id, KantayaEvent.id.in_(invited)))
            .order_by(KantayaEvent.starts_at)
        )
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(session: Session, actor: Actor) -> str:
    """A new calendar feed address for the actor; earlier ones are revoked. Shown once."""
    if actor.user_id is None:
        raise InvalidInput(_("Only a person has a calendar feed."), slug="no-user")
    revoke_feed(session, actor)
    token = secrets.token_urlsafe(32)
    session.add(KantayaFeedToken(user_id=actor.user_id, token_hash=_hash(token)))
    session.flush()
    audit(session, actor, "kantaya.feed.create", "user", actor.user_id)
    return token


def revoke_feed(session: Session, actor: Actor) -> int:
    """Revoke the actor's feed addresses; returns how many."""
    rows = session.scalars(
        select(KantayaFeedToken).where(
            KantayaFeedToken.user_id == (actor.user_id or -1), KantayaFeedToken.revoked_at.is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def _calendar(name: str, events: Iterable[KantayaEvent]) -> bytes:
    from icalendar import Calendar, Event  # 0.1 s to import: only when a feed is asked for

    calendar = Calendar()
    calendar.add("prodid", "-//Pamong//Kantaya//ID")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        entry = Event()
        entry.add("uid", f"kantaya-event-{event.id}@pamong")
        entry.add("summary", event.title)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("dtstamp", event.created_at)
        if event.location:
            entry.add("location", event.location)
        entry.add("status", "TENTATIVE" if event.status == "tentative" else "CONFIRMED")
        calendar.add_component(entry)
    return calendar.to_ical()


def feed(session: Session, token: str) -> bytes:
    """The iCalendar (RFC 5545) feed of a person's or a unit's token; 404 if unknown or revoked."""
    digest = _hash(token or "")
    row = session.scalar(
        select(KantayaFeedToken).where(
            KantayaFeedToken.token_hash == digest, KantayaFeedToken.revoked_at.is_(None)
        )
    )
    if row is not None:
        return _calendar("Kantaya", my_events(session, row.user_id))
    unit_row = session.scalar(
        select(KantayaUnitFeed).where(
            KantayaUnitFeed.token_hash == digest, KantayaUnitFeed.revoked_at.is_(None)
        )
    )
    if unit_row is None:
        raise NotFound(_("No such calendar."))
    events = session.scalars(
        select(KantayaEvent)
        .where(KantayaEvent.unit_id == unit_row.unit_id)
        .order_by(KantayaEvent.starts_at)
    )
    unit = session.get(OrgUnit, unit_row.unit_id)
    return _calendar(f"Kantaya - {unit.name if unit else ''}", events)


# --- a unit's feed --------------------------------------------------------------------------


def _agenda_unit(session: Session, actor: Actor, unit_code: str) -> OrgUnit:
    unit = input_unit(session, unit_code)
    if not actor.can(perm.AGENDA, unit):
        raise Forbidden(_("You may not keep the agenda of %(unit)s.", unit=unit.name))
    return unit


def new_unit_feed(session: Session, actor: Actor, unit_code: str) -> str:
    """A new calendar address for the unit's agenda (earlier ones revoked). Shown once."""
    unit = _agenda_unit(session, actor, unit_code)
    _revoke_unit(session, unit)
    token = secrets.token_urlsafe(32)
    session.add(
        KantayaUnitFeed(unit_id=unit.id, token_hash=_hash(token), created_by_id=actor.user_id)
    )
    session.flush()
    audit(session, actor, "kantaya.feed.unit_create", "org_unit", unit.id, org_unit_id=unit.id)
    return token


def _revoke_unit(session: Session, unit: OrgUnit) -> int:
    rows = session.scalars(
        select(KantayaUnitFeed).where(
            KantayaUnitFeed.unit_id == unit.id, KantayaUnitFeed.revoked_at.is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def revoke_unit_feed(session: Session, actor: Actor, unit_code: str) -> int:
    """Revoke the unit's calendar addresses; returns how many."""
    unit = _agenda_unit(session, actor, unit_code)
    count = _revoke_unit(session, unit)
    audit(session, actor, "kantaya.feed.unit_revoke", "org_unit", unit.id, org_unit_id=unit.id)
    return count


# --- attendance, minutes and follow-up tasks ---------------------------------------------


def get_event(session: Session, actor: Actor, event_id: int) -> KantayaEvent:
    """An event for the agenda keeper of its unit (else 404)."""
    event = session.get(KantayaEvent, event_id)
    if event is None or not actor.can(perm.AGENDA, event.unit):
        raise NotFound(_("No such event."))
    return event


def kept_events_query(actor: Actor) -> Select[tuple[KantayaEvent]]:
    """Events of the units whose agenda the actor keeps, latest first."""
    return (
        select(KantayaEvent)
        .join(OrgUnit, OrgUnit.id == KantayaEvent.unit_id)
        .where(actor.scope_filter(perm.AGENDA, OrgUnit.path))
        .order_by(KantayaEvent.starts_at.desc())
    )


def _started(event: KantayaEvent) -> None:
    if event.starts_at > utcnow():
        raise Conflict(_("The event has not started yet."), slug="not-started")


def record_attendance(
    session: Session,
    actor: Actor,
    event_id: int,
    *,
    username: str,
    attendance: str,
    delegate: str = "",
) -> KantayaInvitation:
    """The agenda keeper records whether an invited person came, sent a delegate, or not."""
    event = get_event(session, actor, event_id)
    _started(event)
    if attendance not in ATTENDANCE:
        raise InvalidInput(
            _("Attendance is one of %(values)s.", values=", ".join(ATTENDANCE)),
            slug="invalid-attendance",
        )
    user = _users(session, [username])[0] if (username or "").strip() else None
    row = next((i for i in event.invitations if user and i.user_id == user.id), None)
    if row is None:
        raise InvalidInput(_("This person was not invited."), slug="not-invited")
    delegate = text(delegate, "delegate", 200, required=attendance == "delegate")
    row.attendance = attendance
    row.attended = attendance != "absent"
    if attendance == "delegate":
        row.delegate = delegate
    audit(session, actor, "kantaya.event.attendance", "kantaya_event", event.id, status=attendance)
    return row


def write_minutes(
    session: Session,
    actor: Actor,
    event_id: int,
    *,
    body: str,
    follow_ups: Iterable[dict[str, Any]] = (),
) -> KantayaMinutes:
    """The minutes of a held event (written again: replaced) and its new follow-up tasks.

    Each follow-up is ``{"unit_code", "body", "username"?, "due_on"?}``: a
    task of that unit (inside the keeper's reach), optionally of a person.
    """
    event = get_event(session, actor, event_id)
    _started(event)
    body = text(body, "minutes", 20_000)
    tasks = [_follow_up(session, actor, event, item) for item in follow_ups]
    minutes = session.scalar(select(KantayaMinutes).where(KantayaMinutes.event_id == event.id))
    if minutes is None:
        minutes = KantayaMinutes(event_id=event.id, body=body)
        session.add(minutes)
    minutes.body, minutes.written_by_id, minutes.written_at = body, actor.user_id, utcnow()
    session.add_all(tasks)
    session.flush()
    for task in tasks:
        _tell_follow_up(session, event, task)
    audit(session, actor, "kantaya.event.minutes", "kantaya_event", event.id, follow_ups=len(tasks))
    return minutes


def _tell_follow_up(session: Session, event: KantayaEvent, task: KantayaFollowUp) -> None:
    """The person named (else the unit's staff) learns of the task in their inbox."""
    best_effort_notice(
        session,
        "kantaya agenda",
        sender_unit=event.unit,
        kind="notice",
        subject=_("Follow-up from %(title)s", title=event.title),
        body=_(
            "The meeting %(title)s on %(when)s gave %(unit)s this task: %(task)s (due %(due)s).",
            title=event.title,
            when=event.starts_at.date().isoformat(),
            unit=task.unit.name,
            task=task.body,
            due=task.due_on.isoformat() if task.due_on else "-",
        ),
        **({"to_users": [task.user.username]} if task.user else {"to_units": [task.unit.code]}),
    )


def _follow_up(
    session: Session, actor: Actor, event: KantayaEvent, item: dict[str, Any]
) -> KantayaFollowUp:
    unit = input_unit(session, str(item.get("unit_code") or ""))
    if not actor.can(perm.AGENDA, unit) and not unit.path.startswith(event.unit.path):
        raise Forbidden(_("%(unit)s is outside your reach.", unit=unit.name))
    username = str(item.get("username") or "").strip()
    user = _users(session, [username])[0] if username else None
    due_on = item.get("due_on")
    if due_on is not None and due_on < event.starts_at.date():
        raise InvalidInput(_("The due date is before the event."), slug="invalid-due")
    return KantayaFollowUp(
        event_id=event.id,
        unit_id=unit.id,
        user_id=user.id if user else None,
        body=text(item.get("body"), "follow-up", 1000),
        due_on=due_on,
        created_by_id=actor.user_id,
    )


def minutes_of(session: Session, event_id: int) -> KantayaMinutes | None:
    return session.scalar(select(KantayaMinutes).where(KantayaMinutes.event_id == event_id))


def follow_ups_of(session: Session, event_id: int) -> list[KantayaFollowUp]:
    return list(
        session.scalars(
            select(KantayaFollowUp)
            .where(KantayaFollowUp.event_id == event_id)
            .order_by(KantayaFollowUp.id)
        )
    )


#: Who sees a unit's follow-up tasks: its reporters, heads and agenda keepers.
FOLLOW_UP_STAFF = (perm.REPORT, perm.APPROVE, perm.AGENDA)


def follow_ups_query(actor: Actor, *, open_only: bool = True) -> Select[tuple[KantayaFollowUp]]:
    """Meeting follow-ups of the actor's units or given to the actor, oldest due first."""
    stmt = select(KantayaFollowUp).join(OrgUnit, OrgUnit.id == KantayaFollowUp.unit_id)
    stmt = stmt.where(
        or_(
            KantayaFollowUp.user_id == (actor.user_id or -1),
            *(actor.scope_filter(p, OrgUnit.path) for p in FOLLOW_UP_STAFF),
        )
    )
    if open_only:
        stmt = stmt.where(KantayaFollowUp.done_at.is_(None))
    return stmt.order_by(
        KantayaFollowUp.due_on.is_(None), KantayaFollowUp.due_on, KantayaFollowUp.id
    )


def complete_follow_up(
    session: Session, actor: Actor, follow_up_id: int, note: str = ""
) -> KantayaFollowUp:
    """The unit (or the person named) reports a follow-up done."""
    row = session.get(KantayaFollowUp, follow_up_id)
    mine = row is not None and actor.user_id is not None and row.user_id == actor.user_id
    if row is None or not (mine or any(actor.can(p, row.unit) for p in FOLLOW_UP_STAFF)):
        raise NotFound(_("No such task."))
    if row.done_at is not None:
        raise Conflict(_("This task is already done."), slug="task-done")
    row.done_at = utcnow()
    row.done_note = text(note, "note", 500, required=False)
    audit(session, actor, "kantaya.event.follow_up_done", "kantaya_follow_up", row.id)
    return row

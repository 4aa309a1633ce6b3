"""The agenda: events with invitations through core messaging, RSVP, double-booking warnings,
and an iCalendar feed per person behind an unguessable, revocable address.

Part of the public API through :mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Forbidden,
    InvalidInput,
    NotFound,
    User,
    _,
    audit,
    get_unit,
    send_message,
    utcnow,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.models import KantayaEvent, KantayaFeedToken, KantayaInvitation

ANSWERS = ("yes", "no", "delegate")


def _users(session: Session, usernames: Iterable[str]) -> list[User]:
    names = sorted({n.strip().lower() for n in usernames if n.strip()})
    users = list(session.scalars(select(User).where(User.username.in_(names))))
    unknown = sorted(set(names) - {u.username for u in users})
    if unknown:
        raise InvalidInput(
            _("Unknown users: %(names)s.", names=", ".join(unknown)), slug="unknown-user"
        )
    return users


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
    try:
        unit = get_unit(session, unit_code)
    except NotFound:
        raise InvalidInput(
            _("Unknown unit %(code)s.", code=repr(unit_code)), slug="unknown-unit"
        ) from None
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
        try:
            with session.begin_nested():
                send_message(
                    session,
                    Actor.system("kantaya agenda"),
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
        except InvalidInput:
            # If messaging refuses a guest (e.g. a deactivated account), the event stays:
            # the invitation rows stand and show in each guest's agenda.
            pass
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


def feed(session: Session, token: str) -> bytes:
    """The iCalendar (RFC 5545) feed of the token's person; 404 for an unknown or revoked one."""
    row = session.scalar(
        select(KantayaFeedToken).where(
            KantayaFeedToken.token_hash == _hash(token or ""), KantayaFeedToken.revoked_at.is_(None)
        )
    )
    if row is None:
        raise NotFound(_("No such calendar."))
    calendar = Calendar()
    calendar.add("prodid", "-//Pamong//Kantaya//ID")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Kantaya")
    for event in my_events(session, row.user_id):
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

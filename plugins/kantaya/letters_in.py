"""Incoming letters and their dispositions: register, dispose, forward, read, recall, escalate.

Part of the public API through :mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    User,
    _,
    audit,
    regency_today,
    utcnow,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.common import DOCUMENT_TYPES, best_effort_notice, sniff
from pamong_plugins.kantaya.common import input_unit as _unit
from pamong_plugins.kantaya.common import text as _text
from pamong_plugins.kantaya.models import KantayaDisposition, KantayaIncoming

#: Holders of any of these at a unit receive the unit's dispositions.
UNIT_STAFF = (perm.DISPOSE, perm.LETTERS, perm.APPROVE, perm.REPORT)
MAX_SCAN_BYTES = 10 * 1024 * 1024


def register_incoming(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    sender: str,
    number: str,
    letter_date: date,
    subject: str,
    scan: bytes | None = None,
) -> KantayaIncoming:
    """The secretariat registers a letter received by ``unit_code`` (scan: PDF, JPEG, PNG)."""
    unit = _unit(session, unit_code)
    if not actor.can(perm.LETTERS, unit):
        raise Forbidden(_("You may not register letters for %(unit)s.", unit=unit.name))
    today = regency_today()
    if letter_date > today:
        raise InvalidInput(_("The letter's date is in the future."), slug="future-day")
    scan_type = ""
    if scan:
        if len(scan) > MAX_SCAN_BYTES:
            raise InvalidInput(_("A scan may be at most 10 MB."), slug="attachment-too-large")
        scan_type = sniff(scan, DOCUMENT_TYPES) or ""
        if not scan_type:
            raise InvalidInput(_("A scan is a PDF, JPEG or PNG file."), slug="invalid-attachment")
    row = KantayaIncoming(
        unit_id=unit.id,
        sender=_text(sender, "sender", 200),
        number=_text(number, "number", 100),
        letter_date=letter_date,
        subject=_text(subject, "subject", 300),
        received_on=today,
        scan=scan or None,
        scan_type=scan_type,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit(session, actor, "kantaya.incoming.register", "kantaya_incoming", row.id)
    return row


def is_recipient(actor: Actor, step: KantayaDisposition) -> bool:
    if step.recalled_at is not None:
        return False
    if step.to_user_id is not None:
        return actor.user_id == step.to_user_id or actor.is_system
    return any(actor.can(p, step.to_unit) for p in UNIT_STAFF)


def get_incoming(session: Session, actor: Actor, incoming_id: int) -> KantayaIncoming:
    """A letter for its unit's secretariat and heads, and for every recipient of a step."""
    row = session.get(KantayaIncoming, incoming_id)
    if row is None:
        raise NotFound(_("No such letter."))
    if actor.can(perm.LETTERS, row.unit) or actor.can(perm.DISPOSE, row.unit):
        return row
    if any(is_recipient(actor, step) for step in row.dispositions):
        return row
    raise NotFound(_("No such letter."))


def incoming_query(actor: Actor) -> Select[tuple[KantayaIncoming]]:
    """Letters registered at the units where the actor registers or disposes, newest first."""
    return (
        select(KantayaIncoming)
        .join(OrgUnit, OrgUnit.id == KantayaIncoming.unit_id)
        .where(
            or_(
                actor.scope_filter(perm.LETTERS, OrgUnit.path),
                actor.scope_filter(perm.DISPOSE, OrgUnit.path),
            )
        )
        .order_by(KantayaIncoming.id.desc())
    )


def _target(
    session: Session, actor: Actor, to_unit_code: str, to_username: str, within: OrgUnit | None
) -> tuple[OrgUnit, int | None]:
    unit = _unit(session, to_unit_code)
    reach = actor.scope_paths(perm.DISPOSE)
    if not actor.is_system and not any(unit.path.startswith(p) for p in reach):
        raise InvalidInput(
            _("%(unit)s is outside the units you may dispose to.", unit=unit.name),
            slug="outside-reach",
        )
    if within is not None and not unit.path.startswith(within.path):
        raise InvalidInput(
            _("A disposition is forwarded down the chain, within %(unit)s.", unit=within.name),
            slug="outside-reach",
        )
    user_id = None
    if to_username:
        user_id = session.scalar(select(User.id).where(User.username == to_username.strip()))
        if user_id is None:
            raise InvalidInput(
                _("Unknown user %(name)s.", name=repr(to_username)), slug="unknown-user"
            )
    return unit, user_id


def _step(
    session: Session,
    actor: Actor,
    incoming: KantayaIncoming,
    parent: KantayaDisposition | None,
    from_unit: OrgUnit,
    *,
    to_unit_code: str,
    to_username: str,
    instruction: str,
    due_on: date | None,
    copy: bool,
) -> KantayaDisposition:
    unit, user_id = _target(
        session, actor, to_unit_code, to_username, parent.to_unit if parent else None
    )
    if due_on is not None and due_on < regency_today():
        raise InvalidInput(_("The deadline is in the past."), slug="invalid-due")
    if copy and due_on is not None:
        raise InvalidInput(_("A copy (tembusan) has no deadline."), slug="invalid-due")
    step = KantayaDisposition(
        incoming_id=incoming.id,
        parent_id=parent.id if parent else None,
        from_user_id=actor.user_id,
        from_unit_id=from_unit.id,
        to_unit_id=unit.id,
        to_user_id=user_id,
        instruction=_text(instruction, "instruction", 1000, required=not copy),
        due_on=due_on,
        is_copy=copy,
    )
    session.add(step)
    session.flush()
    audit(
        session,
        actor,
        "kantaya.disposition.send",
        "kantaya_disposition",
        step.id,
        org_unit_id=unit.id,
    )
    return step


def dispose(
    session: Session,
    actor: Actor,
    incoming_id: int,
    *,
    to_unit_code: str,
    to_username: str = "",
    instruction: str = "",
    due_on: date | None = None,
    copy: bool = False,
) -> KantayaDisposition:
    """The head disposes a registered letter to a unit (or a person there), or copies it."""
    incoming = get_incoming(session, actor, incoming_id)
    if not actor.can(perm.DISPOSE, incoming.unit):
        raise Forbidden(_("You may not dispose letters of %(unit)s.", unit=incoming.unit.name))
    return _step(
        session,
        actor,
        incoming,
        None,
        incoming.unit,
        to_unit_code=to_unit_code,
        to_username=to_username,
        instruction=instruction,
        due_on=due_on,
        copy=copy,
    )


def get_disposition(session: Session, actor: Actor, step_id: int) -> KantayaDisposition:
    """One step, for its recipients (opening it marks it read), its sender and the letter's unit."""
    step = session.get(KantayaDisposition, step_id)
    if step is None:
        raise NotFound(_("No such disposition."))
    recipient = is_recipient(actor, step)
    sender = actor.user_id is not None and actor.user_id == step.from_user_id
    if not (recipient or sender or actor.can(perm.DISPOSE, step.incoming.unit)):
        raise NotFound(_("No such disposition."))
    if recipient and step.read_at is None and not actor.is_system:
        step.read_at = utcnow()
        step.read_by_id = actor.user_id
        audit(session, actor, "kantaya.disposition.read", "kantaya_disposition", step.id)
    return step


def forward(
    session: Session,
    actor: Actor,
    step_id: int,
    *,
    to_unit_code: str,
    to_username: str = "",
    instruction: str = "",
    due_on: date | None = None,
    copy: bool = False,
) -> KantayaDisposition:
    """A recipient forwards the step down the chain (within the unit it was sent to)."""
    parent = get_disposition(session, actor, step_id)
    if not is_recipient(actor, parent):
        raise Forbidden(_("Only a recipient forwards a disposition."))
    if not actor.can(perm.DISPOSE, parent.to_unit):
        raise Forbidden(_("You may not dispose letters of %(unit)s.", unit=parent.to_unit.name))
    return _step(
        session,
        actor,
        parent.incoming,
        parent,
        parent.to_unit,
        to_unit_code=to_unit_code,
        to_username=to_username,
        instruction=instruction,
        due_on=due_on,
        copy=copy,
    )


def recall(session: Session, actor: Actor, step_id: int) -> KantayaDisposition:
    """The sender takes a step back while nobody has read it."""
    step = session.get(KantayaDisposition, step_id)
    if step is None or not (actor.user_id == step.from_user_id or actor.is_system):
        raise NotFound(_("No such disposition."))
    if step.recalled_at is not None:
        raise Conflict(_("This disposition was already recalled."), slug="recalled")
    if step.read_at is not None:
        raise Conflict(
            _("This disposition was read and can no longer be recalled."), slug="already-read"
        )
    step.recalled_at = utcnow()
    audit(session, actor, "kantaya.disposition.recall", "kantaya_disposition", step.id)
    return step


def complete(session: Session, actor: Actor, step_id: int, note: str = "") -> KantayaDisposition:
    """A recipient reports the instruction carried out."""
    step = get_disposition(session, actor, step_id)
    if not is_recipient(actor, step):
        raise Forbidden(_("Only a recipient reports a disposition done."))
    if step.done_at is not None:
        raise Conflict(_("This disposition is already done."), slug="done")
    step.done_at = utcnow()
    step.done_note = _text(note, "note", 500, required=False)
    audit(session, actor, "kantaya.disposition.done", "kantaya_disposition", step.id)
    return step


def dispositions_query(actor: Actor) -> Select[tuple[KantayaDisposition]]:
    """The actor's disposition inbox: steps to them or to their units, not recalled."""
    unit_paths = [actor.scope_filter(p, OrgUnit.path) for p in UNIT_STAFF]
    return (
        select(KantayaDisposition)
        .join(OrgUnit, OrgUnit.id == KantayaDisposition.to_unit_id)
        .where(KantayaDisposition.recalled_at.is_(None))
        .where(
            or_(
                KantayaDisposition.to_user_id == (actor.user_id or -1),
                (KantayaDisposition.to_user_id.is_(None)) & or_(*unit_paths),
            )
        )
        .order_by(KantayaDisposition.id.desc())
    )


def escalate_overdue(session: Session, today: date) -> int:
    """Tell the sender's unit, once, about each step past its deadline and not done."""
    steps = session.scalars(
        select(KantayaDisposition).where(
            KantayaDisposition.due_on < today,
            KantayaDisposition.done_at.is_(None),
            KantayaDisposition.recalled_at.is_(None),
            KantayaDisposition.escalated_on.is_(None),
        )
    ).all()
    sent = 0
    for step in steps:
        step.escalated_on = today
        # Nobody works at the sender's unit: the step is marked, not retried.
        sent += best_effort_notice(
            session,
            "kantaya escalation",
            sender_unit=step.to_unit,
            kind="notice",
            subject=_("Overdue disposition: %(subject)s", subject=step.incoming.subject),
            body=_(
                "The disposition to %(unit)s on letter %(number)s (%(subject)s) was due "
                "on %(due)s and is not done yet.",
                unit=step.to_unit.name,
                number=step.incoming.number,
                subject=step.incoming.subject,
                due=step.due_on.isoformat() if step.due_on else "",
            ),
            to_units=[step.from_unit.code],
        )
    return sent

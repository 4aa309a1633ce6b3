"""Sending letters between units, notifying citizens, and reading the inbox.

A message addressed to a unit reaches every user holding a role at that
unit; "all units of a kind" (e.g. every kecamatan) expands to those units.
Inbox entries are created when the message is sent (the in-app channel
needs no worker); email copies and notifications go through the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from pamong.accounts.models import RoleAssignment, User
from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.db import utcnow
from pamong.errors import Forbidden, InvalidInput, NotFound
from pamong.hookrelay import hooks_of, settings_of
from pamong.i18n import gettext as _
from pamong.messaging.gateway import CHANNELS
from pamong.messaging.models import (
    Attachment,
    Delivery,
    DeliveryStatus,
    InboxEntry,
    Message,
    MessageKind,
)
from pamong.messaging.outbox import OUTBOX_FLAG
from pamong.messaging.transports import transport_for
from pamong.orgunits.models import OrgUnit, OrgUnitKind

SEND = "core.messages.send"
MANAGE_DELIVERIES = "core.deliveries.manage"
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5

#: Accepted attachment types, recognised by their first bytes, not their names.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"PK\x03\x04", "application/zip"),  # docx, xlsx, odt are zip containers
)
_ZIP_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def attachment_type(upload: Upload) -> str:
    """The content type of an acceptable attachment, or InvalidInput."""
    if len(upload.data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            _(
                "%(filename)s is larger than %(megabytes)s MB.",
                filename=upload.filename,
                megabytes=MAX_ATTACHMENT_BYTES // (1024 * 1024),
            ),
            slug="attachment-too-large",
        )
    for signature, content_type in _SIGNATURES:
        if upload.data.startswith(signature):
            if content_type != "application/zip":
                return content_type
            suffix = upload.filename[upload.filename.rfind(".") :].lower()
            if suffix in _ZIP_TYPES:
                return _ZIP_TYPES[suffix]
    raise InvalidInput(
        _(
            "%(filename)s: only PDF, JPEG, PNG, DOCX, XLSX and ODT files can be attached.",
            filename=upload.filename,
        ),
        slug="attachment-type",
    )


def _users_at(session: Session, unit_ids: Iterable[int]) -> dict[int, int]:
    """user id -> the unit through which they receive (a role held at that unit)."""
    rows = session.execute(
        select(RoleAssignment.user_id, RoleAssignment.org_unit_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.org_unit_id.in_(list(unit_ids)), User.is_active.is_(True))
    )
    return {user_id: unit_id for user_id, unit_id in rows}


def queue_delivery(
    session: Session,
    channel: str,
    address: str,
    subject: str,
    body: str,
    message: Message | None = None,
) -> Delivery:
    """Put one delivery in the outbox; it commits with the caller's transaction."""
    delivery = Delivery(
        message_id=message.id if message else None,
        channel=channel,
        address=address[:200],
        subject=subject[:200],
        body=body,
    )
    session.add(delivery)
    session.info[OUTBOX_FLAG] = True
    return delivery


def send_message(
    session: Session,
    actor: Actor,
    *,
    sender_unit: OrgUnit,
    kind: str,
    subject: str,
    body: str,
    to_users: Iterable[str] = (),
    to_units: Iterable[str] = (),
    to_kind: str | None = None,
    attachments: Iterable[Upload] = (),
    reply_to: Message | None = None,
    email_copies: bool = True,
) -> Message:
    """Send a letter, invitation or notice from ``sender_unit``; all or nothing."""
    if kind not in {k.value for k in MessageKind}:
        raise InvalidInput(
            _("Unknown message kind %(kind)s.", kind=repr(kind)), slug="invalid-kind"
        )
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise InvalidInput(_("A message needs a subject and a text."), slug="empty-message")
    if not actor.can(SEND, sender_unit):
        raise Forbidden(_("You may not send messages for this unit."))
    to_users, to_units = list(to_users), list(to_units)
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.code.in_(to_units))))
    if len(units) != len(set(to_units)):
        unknown = sorted(set(to_units) - {u.code for u in units})
        raise InvalidInput(
            _("Unknown org units: %(unknown)s.", unknown=", ".join(unknown)),
            slug="invalid-recipient",
        )
    labels = [u.name for u in units]
    if to_kind:
        if to_kind not in {k.value for k in OrgUnitKind}:
            raise InvalidInput(
                _("Unknown org-unit kind %(to_kind)s.", to_kind=repr(to_kind)),
                slug="invalid-recipient",
            )
        root_paths = actor.scope_paths(SEND)
        if not actor.is_system and not any(p.count("/") == 2 for p in root_paths):
            raise Forbidden(_("Only the regency level may write to all units of a kind."))
        units += list(session.scalars(select(OrgUnit).where(OrgUnit.kind == to_kind)))
        labels.append(f"all {to_kind}")
    recipients = _users_at(session, {u.id for u in units})
    if to_users:
        users = session.execute(
            select(User.id, User.username).where(User.username.in_(to_users))
        ).all()
        if len(users) != len(set(to_users)):
            unknown = sorted(set(to_users) - {name for _id, name in users})
            raise InvalidInput(
                _("Unknown users: %(unknown)s.", unknown=", ".join(unknown)),
                slug="invalid-recipient",
            )
        for user_id, username in users:
            recipients.setdefault(user_id, None)  # type: ignore[arg-type]
            labels.append(username)
    recipients.pop(actor.user_id or 0, None)  # no copy to oneself
    if not recipients:
        raise InvalidInput(_("Nobody receives this message."), slug="no-recipients")
    uploads = [(upload, attachment_type(upload)) for upload in attachments]
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(
            _("At most %(count)s attachments.", count=MAX_ATTACHMENTS), slug="too-many-attachments"
        )

    message = Message(
        kind=kind,
        subject=subject[:200],
        body=body,
        sender_id=actor.user_id,
        sender_unit_id=sender_unit.id,
        recipients_label=", ".join(labels)[:300],
        reply_to_id=reply_to.id if reply_to else None,
    )
    for upload, content_type in uploads:
        message.attachments.append(
            Attachment(
                filename=upload.filename[-200:] or "attachment",
                content_type=content_type,
                size=len(upload.data),
                data=upload.data,
            )
        )
    session.add(message)
    session.flush()
    session.add_all(
        InboxEntry(message_id=message.id, user_id=user_id, via_unit_id=unit_id)
        for user_id, unit_id in recipients.items()
    )
    if email_copies:
        emails = session.scalars(
            select(User.email).where(User.id.in_(list(recipients)), User.email.is_not(None))
        )
        for email in emails:
            if email:
                queue_delivery(
                    session, "email", email, f"[{sender_unit.name}] {subject}", body, message
                )
    record(
        session,
        actor,
        "message.send",
        "message",
        message.id,
        org_unit_id=sender_unit.id,
        recipients=len(recipients),
    )
    hooks_of(session).pamong_on_message_sent(message=message, session=session)
    return message


def notify(
    session: Session, actor: Actor, *, channel: str, address: str, subject: str, body: str
) -> Delivery:
    """Notify a resident or applicant (email, SMS…) through the outbox."""
    if not address.strip():
        raise InvalidInput(_("A notification needs an address."), slug="invalid-recipient")
    delivery = queue_delivery(session, channel, address.strip(), subject, body)
    session.flush()
    record(session, actor, "delivery.queue", "delivery", delivery.id, channel=channel)
    return delivery


def resident_channel(session: Session, *, phone: str = "", email: str = "") -> tuple[str, str]:
    """The channel and address to reach a resident: the phone first, where a gateway serves it.

    Most residents have a phone number rather than an e-mail address, so
    SMS (else WhatsApp) is preferred when the instance has a transport for
    it; e-mail otherwise. ``("", "")`` when nothing can reach them.
    """
    phone, email = (phone or "").strip(), (email or "").strip()
    settings = settings_of(session)
    if phone and settings is not None:
        for channel in CHANNELS:
            if transport_for(channel, settings, hooks_of(session)) is not None:
                return channel, phone
    if email:
        return "email", email
    return "", ""


def notify_resident(
    session: Session,
    actor: Actor,
    *,
    phone: str = "",
    email: str = "",
    subject: str,
    body: str,
) -> Delivery | None:
    """Notify a resident on the channel they have (:func:`resident_channel`).

    Returns None when nothing was queued (no usable contact): a job that
    reminds people marks someone reminded only when this returns a delivery.
    """
    channel, address = resident_channel(session, phone=phone, email=email)
    if not channel:
        return None
    return notify(session, actor, channel=channel, address=address, subject=subject, body=body)


RECEIPT_STATUSES = ("accepted", "delivered", "read", "failed")


def record_receipt(session: Session, *, reference: str, status: str, detail: str = "") -> Delivery:
    """Record what a gateway reported about a delivery it was given (``reference``: its key)."""
    if status not in RECEIPT_STATUSES:
        raise InvalidInput(
            _("Unknown delivery status %(status)s.", status=str(status)[:20]), field="status"
        )
    delivery = session.scalar(select(Delivery).where(Delivery.idempotency_key == reference))
    if delivery is None:
        raise NotFound(_("No delivery with this reference."), slug="delivery-not-found")
    delivery.receipt_status = status
    delivery.receipt_detail = (detail or "")[:200]
    delivery.receipt_at = utcnow()
    actor = Actor.system("gateway receipt")
    record(
        session,
        actor,
        "delivery.receipt",
        "delivery",
        delivery.id,
        channel=delivery.channel,
        status=status,
    )
    if status == "failed":
        _after_failed_receipt(session, actor, delivery)
    return delivery


def _after_failed_receipt(session: Session, actor: Actor, delivery: Delivery) -> None:
    """The gateway could not hand a message over: show it to admins, try the other phone channel.

    The delivery is parked as ``dead`` so it appears in the outbox's failed
    list (and on the admins' dashboard), where it can be retried. When the
    instance also has the other phone channel (SMS ↔ WhatsApp), the same
    text is queued there once: a second failed receipt, or one for the
    fallback itself, queues nothing more.
    """
    delivery.status = DeliveryStatus.DEAD.value
    delivery.last_error = f"gateway: failed {delivery.receipt_detail}".strip()[:500]
    settings = settings_of(session)
    if delivery.channel not in CHANNELS or settings is None:
        return
    for channel in (c for c in CHANNELS if c != delivery.channel):
        if transport_for(channel, settings, hooks_of(session)) is None:
            continue
        already = session.scalar(
            select(func.count(Delivery.id)).where(
                Delivery.channel.in_(CHANNELS),
                Delivery.channel != delivery.channel,
                Delivery.address == delivery.address,
                Delivery.body == delivery.body,
            )
        )
        if already:
            return
        fallback = queue_delivery(
            session, channel, delivery.address, delivery.subject, delivery.body
        )
        fallback.message_id = delivery.message_id
        session.flush()
        record(
            session,
            actor,
            "delivery.fallback",
            "delivery",
            fallback.id,
            channel=channel,
            failed=delivery.id,
        )
        return


def inbox_query(user_id: int, *, archived: bool = False) -> Select[tuple[InboxEntry]]:
    stmt = select(InboxEntry).where(InboxEntry.user_id == user_id)
    stmt = stmt.where(
        InboxEntry.archived_at.is_not(None) if archived else InboxEntry.archived_at.is_(None)
    )
    return stmt.order_by(InboxEntry.id.desc())


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(InboxEntry)
            .where(
                InboxEntry.user_id == user_id,
                InboxEntry.read_at.is_(None),
                InboxEntry.archived_at.is_(None),
            )
        )
        or 0
    )


def open_entry(session: Session, actor: Actor, message_id: int) -> InboxEntry:
    """The actor's inbox entry of a message, marked read; 404 for other people's mail."""
    entry = session.scalar(
        select(InboxEntry).where(
            InboxEntry.message_id == message_id, InboxEntry.user_id == actor.user_id
        )
    )
    if entry is None:
        raise NotFound(_("No such message in your inbox."), slug="message-not-found")
    if entry.read_at is None:
        entry.read_at = utcnow()
    return entry


def archive(session: Session, actor: Actor, message_id: int) -> InboxEntry:
    entry = open_entry(session, actor, message_id)
    entry.archived_at = entry.archived_at or utcnow()
    return entry


def reply(
    session: Session, actor: Actor, message_id: int, body: str, attachments: Iterable[Upload] = ()
) -> Message:
    """Answer the sender, from the unit through which the message arrived."""
    entry = open_entry(session, actor, message_id)
    original = entry.message
    unit = session.get(OrgUnit, entry.via_unit_id) if entry.via_unit_id else None
    if unit is None:
        held = [g.unit_id for g in actor.grants if g.allows(SEND)]
        unit = session.get(OrgUnit, held[0]) if held else None
    if unit is None or original.sender is None:
        raise InvalidInput(_("This message cannot be answered."), slug="no-reply")
    subject = original.subject if original.subject.startswith("Re: ") else f"Re: {original.subject}"
    return send_message(
        session,
        actor,
        sender_unit=unit,
        kind=original.kind,
        subject=subject,
        body=body,
        to_users=[original.sender.username],
        attachments=attachments,
        reply_to=original,
    )


def attachment_for(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment, for the message's sender and recipients only."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is not None:
        message = attachment.message
        allowed = message.sender_id == actor.user_id or session.scalar(
            select(InboxEntry.id).where(
                InboxEntry.message_id == message.id, InboxEntry.user_id == actor.user_id
            )
        )
        if allowed:
            return attachment
    raise NotFound(_("No such attachment."), slug="attachment-not-found")


def dead_deliveries(actor: Actor) -> Select[tuple[Delivery]]:
    if not actor.can(MANAGE_DELIVERIES):
        raise Forbidden(_("You may not see the outbox."))
    return (
        select(Delivery)
        .where(Delivery.status == DeliveryStatus.DEAD.value)
        .order_by(Delivery.id.desc())
    )


def retry_delivery(session: Session, actor: Actor, delivery_id: int) -> Delivery:
    """Put a dead delivery back in the queue (after fixing the channel)."""
    if not actor.can(MANAGE_DELIVERIES):
        raise Forbidden(_("You may not manage the outbox."))
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(_("No such delivery."), slug="delivery-not-found")
    delivery.status = DeliveryStatus.PENDING.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.info[OUTBOX_FLAG] = True
    record(session, actor, "delivery.retry", "delivery", delivery.id)
    return delivery

"""Messages, their recipients' inbox entries, attachments, and the delivery outbox."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from pamong.accounts.models import User
from pamong.db import Base, UTCDateTime, utcnow
from pamong.orgunits.models import OrgUnit


class MessageKind(enum.StrEnum):
    LETTER = "letter"  # surat
    INVITATION = "invitation"  # undangan
    NOTICE = "notice"  # pemberitahuan / edaran


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # gave up after the maximum attempts; shown to admins


class Message(Base):
    """A letter, invitation or notice sent by a user on behalf of a unit."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sender_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    recipients_label: Mapped[str] = mapped_column(String(300), default="")
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sender: Mapped[User | None] = relationship(lazy="joined")
    sender_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Attachment.id"
    )


class InboxEntry(Base):
    """A message in one user's inbox, with that user's read and archived state."""

    __tablename__ = "inbox_entries"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id"),
        Index("ix_inbox_entries_user_state", "user_id", "archived_at", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    via_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship(lazy="joined")


class Attachment(Base):
    """A file attached to a message (type- and size-checked when sent)."""

    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    message: Mapped[Message] = relationship(back_populates="attachments")


def new_delivery_key() -> str:
    """A fresh idempotency key: random, so two instances never share one."""
    return f"pamong-delivery-{uuid.uuid4().hex}"


class Delivery(Base):
    """One message to send through one channel: the transactional outbox.

    Deliveries commit with the business change that queued them; workers
    send them later, retrying with exponential backoff, and park them as
    ``dead`` after the maximum attempts, never dropping them.

    A worker takes a delivery by writing its name in ``lease_owner`` and
    moving ``next_attempt_at`` to the end of the lease: if it dies, the
    delivery is simply due again when the lease runs out. Every attempt
    carries the same ``idempotency_key`` (the email ``Message-ID``), so a
    receiver can drop the copy sent again after a crash.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True, default=new_delivery_key)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    #: What the channel's gateway reported after sending (``delivered``, ``failed``…), if anything.
    receipt_status: Mapped[str] = mapped_column(String(20), default="")
    receipt_detail: Mapped[str] = mapped_column(String(200), default="")
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

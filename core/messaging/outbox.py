"""Delivering the outbox: claim due deliveries, send, retry with backoff, park the dead."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from pamong.db import Database, utcnow
from pamong.messaging.models import Delivery, DeliveryStatus
from pamong.messaging.transports import transport_for

BACKOFF_CAP = timedelta(hours=6)
OUTBOX_FLAG = "pamong_outbox_queued"  # set in session.info by whoever queues a delivery
logger = logging.getLogger(__name__)


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Wait before the next attempt: base, 2×base, 4×base… capped at six hours."""
    return min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), BACKOFF_CAP)


def deliver_due(
    db: Database,
    settings: Any,
    hooks: Any,
    *,
    now: datetime | None = None,
    batch: int = 100,
) -> int:
    """Send one batch of due deliveries; return how many were attempted.

    On PostgreSQL the batch is claimed with ``FOR UPDATE SKIP LOCKED``, so any
    number of workers share the outbox and each delivery goes out once. The
    send happens inside the claiming transaction: a crash before commit
    leaves the delivery pending for the next worker (at-least-once).
    """
    now = now or utcnow()
    transports: dict[str, Any] = {}
    with db.transaction() as session:
        stmt = (
            select(Delivery)
            .where(
                Delivery.status == DeliveryStatus.PENDING.value,
                Delivery.next_attempt_at <= now,
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(batch)
        )
        if not db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        due = list(session.scalars(stmt))
        for delivery in due:
            if delivery.channel not in transports:
                transports[delivery.channel] = transport_for(delivery.channel, settings, hooks)
            transport = transports[delivery.channel]
            delivery.attempts += 1
            try:
                if transport is None:
                    raise LookupError(f"no transport for channel {delivery.channel!r}")
                transport.send(delivery)
            except Exception as exc:  # any failure of a channel is retried, never raised
                delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if delivery.attempts >= settings.delivery_max_attempts:
                    delivery.status = DeliveryStatus.DEAD.value
                else:
                    delivery.next_attempt_at = now + backoff(
                        delivery.attempts, settings.delivery_backoff_seconds
                    )
            else:
                delivery.status = DeliveryStatus.SENT.value
                delivery.sent_at = now
                delivery.last_error = ""
    return len(due)


def drain(db: Database, settings: Any, hooks: Any, *, now: datetime | None = None) -> int:
    """Deliver batches until nothing is due; return the number attempted."""
    total = 0
    while attempted := deliver_due(db, settings, hooks, now=now):
        total += attempted
    return total


def install_embedded_delivery(db: Database, settings: Any, hooks: Any) -> None:
    """Deliver right after each commit that queued something (embedded installs).

    A failure is recorded on the delivery and retried by the next commit or
    by ``pamong worker``; it never reaches the user's request.
    """

    def after_commit(session: Any) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released; the transaction (and its lock) goes on
        if session.info.pop(OUTBOX_FLAG, False):
            try:
                deliver_due(db, settings, hooks)
            except Exception:  # the request succeeded; the outbox keeps what is due
                logger.exception("embedded delivery failed; the worker will retry")

    event.listen(db.sessionmaker, "after_commit", after_commit)

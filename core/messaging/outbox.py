"""Delivering the outbox: lease due deliveries, send, retry with backoff, park the dead."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update

from pamong.db import Database, utcnow
from pamong.messaging.models import Delivery, DeliveryStatus
from pamong.messaging.transports import transport_for

BACKOFF_CAP = timedelta(hours=6)
DEFAULT_BATCH = 20
OUTBOX_FLAG = "pamong_outbox_queued"  # set in session.info by whoever queues a delivery
logger = logging.getLogger(__name__)


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Wait before the next attempt: base, 2×base, 4×base… capped at six hours."""
    return min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), BACKOFF_CAP)


def worker_name() -> str:
    """Who holds a lease: host, process id and a random tag (process ids come back)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def claim(db: Database, owner: str, *, now: datetime, batch: int, lease: timedelta) -> list[int]:
    """Lease up to ``batch`` due deliveries to ``owner``; return their ids in sending order.

    A leased delivery is not due for anyone else until ``now + lease``. On
    PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so
    workers never wait for each other; SQLite serialises the writers.
    """
    with db.transaction() as session:
        stmt = (
            select(Delivery.id)
            .where(
                Delivery.status == DeliveryStatus.PENDING.value,
                Delivery.next_attempt_at <= now,
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(batch)
        )
        if not db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(session.scalars(stmt))
        if ids:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(lease_owner=owner, next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)
            )
    return ids


def release(db: Database, owner: str, ids: list[int], *, now: datetime) -> None:
    """Give back leases not used (a stopping worker): due again at once for the others."""
    if not ids:
        return
    with db.transaction() as session:
        session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.lease_owner == owner,
                Delivery.status == DeliveryStatus.PENDING.value,
            )
            .values(lease_owner=None, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )


RATE_WINDOW = timedelta(minutes=1)


def _rate_wait(db: Database, channel: str, cap: int, now: datetime) -> datetime | None:
    """When the next delivery of ``channel`` may go under ``cap`` a minute; None: now.

    Counted from the deliveries marked sent in the last minute, so every
    worker of the instance shares the cap.
    """
    if cap <= 0:
        return None
    with db.transaction() as session:
        recent = list(
            session.scalars(
                select(Delivery.sent_at)
                .where(Delivery.channel == channel, Delivery.sent_at > now - RATE_WINDOW)
                .order_by(Delivery.sent_at.desc())
                .limit(cap)
            )
        )
    if len(recent) < cap:
        return None
    return recent[-1] + RATE_WINDOW


def _defer(db: Database, owner: str, delivery_id: int, until: datetime) -> None:
    """Give back a delivery whose attempt had begun, due at ``until``; the attempt is undone."""
    with db.transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.lease_owner == owner)
            .values(lease_owner=None, next_attempt_at=until, attempts=Delivery.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def _begin_attempt(
    db: Database, settings: Any, owner: str, delivery_id: int, *, now: datetime, lease: timedelta
) -> Delivery | None:
    """Count an attempt on a delivery still leased to ``owner``; None if it is not ours now.

    The attempt is counted before sending, so a delivery that kills its
    worker every time still ends up ``dead`` instead of looping forever.
    """
    with db.transaction() as session:
        stmt = select(Delivery).where(
            Delivery.id == delivery_id,
            Delivery.lease_owner == owner,
            Delivery.status == DeliveryStatus.PENDING.value,
        )
        if not db.is_sqlite:
            stmt = stmt.with_for_update()
        delivery = session.scalars(stmt).one_or_none()
        if delivery is None:  # our lease ran out and another worker took it
            return None
        if delivery.attempts >= settings.delivery_max_attempts:
            delivery.status = DeliveryStatus.DEAD.value
            delivery.lease_owner = None
            delivery.last_error = "a worker stopped during the last attempt"
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + lease
    return delivery


def _record(
    db: Database,
    settings: Any,
    owner: str,
    delivery: Delivery,
    error: Exception | None,
    *,
    now: datetime,
) -> None:
    with db.transaction() as session:
        if error is None:
            # Sent is sent, even if our lease ran out meanwhile: nobody sends it again.
            session.execute(
                update(Delivery)
                .where(Delivery.id == delivery.id, Delivery.status == DeliveryStatus.PENDING.value)
                .values(
                    status=DeliveryStatus.SENT.value,
                    sent_at=now,
                    last_error="",
                    lease_owner=None,
                )
                .execution_options(synchronize_session=False)
            )
            return
        values: dict[str, Any] = {
            "last_error": f"{type(error).__name__}: {error}"[:500],
            "lease_owner": None,
        }
        if delivery.attempts >= settings.delivery_max_attempts:
            values["status"] = DeliveryStatus.DEAD.value
        else:
            values["next_attempt_at"] = now + backoff(
                delivery.attempts, settings.delivery_backoff_seconds
            )
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.lease_owner == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def deliver_due(
    db: Database,
    settings: Any,
    hooks: Any,
    *,
    now: datetime | None = None,
    batch: int = DEFAULT_BATCH,
    owner: str | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Lease one batch of due deliveries, send them one by one; return how many were attempted.

    Each delivery is marked sent right after its transport returns, so a
    worker killed mid-batch can have sent at most the one delivery in
    flight without recording it: that one goes out again, with the same
    idempotency key, when its lease runs out. ``stop`` is asked before
    each delivery: when it answers True the rest of the batch is given
    back at once. A channel whose transport has a ``rate_per_minute`` cap
    that is reached gets its deliveries deferred (no attempt counted).
    ``now`` fixes the clock (tests).
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    owner = owner or worker_name()
    lease = timedelta(seconds=settings.delivery_lease_seconds)
    ids = claim(db, owner, now=clock(), batch=batch, lease=lease)
    transports: dict[str, Any] = {}
    attempted = 0
    for index, delivery_id in enumerate(ids):
        if stop is not None and stop():
            release(db, owner, ids[index:], now=clock())
            break
        delivery = _begin_attempt(db, settings, owner, delivery_id, now=clock(), lease=lease)
        if delivery is None:
            continue
        if delivery.channel not in transports:
            transports[delivery.channel] = transport_for(delivery.channel, settings, hooks)
        transport = transports[delivery.channel]
        cap = getattr(transport, "rate_per_minute", 0) or 0
        wait = _rate_wait(db, delivery.channel, cap, clock())
        if wait is not None:
            _defer(db, owner, delivery_id, wait)
            continue
        attempted += 1
        error: Exception | None = None
        try:
            if transport is None:
                raise LookupError(f"no transport for channel {delivery.channel!r}")
            transport.send(delivery)
        except Exception as exc:  # any failure of a channel is retried, never raised
            error = exc
        _record(db, settings, owner, delivery, error, now=clock())
    return attempted


def drain(
    db: Database,
    settings: Any,
    hooks: Any,
    *,
    now: datetime | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Deliver batches until nothing is due (or ``stop`` says so); return the number attempted."""
    owner = worker_name()
    total = 0
    while attempted := deliver_due(db, settings, hooks, now=now, owner=owner, stop=stop):
        total += attempted
        if stop is not None and stop():
            break
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

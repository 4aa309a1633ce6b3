"""The outbox sends each delivery once, also when workers are killed or stopped mid-batch.

A worker leases a batch, sends each delivery and marks it sent at once. A
crash between "sent" and "marked sent" cannot be detected by the sender:
the delivery goes out again when the lease runs out, with the same
idempotency key (the email ``Message-ID``), so the receiver keeps one.
"""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from pamong import migrate
from pamong.db import utcnow
from pamong.messaging import outbox, services
from pamong.messaging.models import Delivery, DeliveryStatus
from pamong.messaging.outbox import claim, deliver_due

on_postgres = pytest.mark.skipif(
    not os.environ.get("PAMONG_TEST_DATABASE_URL"), reason="needs PAMONG_TEST_DATABASE_URL"
)
LEASE = timedelta(seconds=60)


@pytest.fixture
def example(enable_plugins):
    """An app whose outbox is delivered by workers only, with the example plugin's channel."""
    app = enable_plugins("example", embedded_delivery=False, delivery_lease_seconds=60)
    from pamong_example.hooks import KEYS  # after the host loaded the plugin (table owners)

    KEYS.clear()
    return app


def queue(app, n=1, channel="example"):
    with app.extensions["pamong"].db.transaction() as session:
        for i in range(n):
            services.queue_delivery(session, channel, f"warga{i}@example.id", "Izin", "Terbit")


def deliveries(app):
    with app.extensions["pamong"].db.session() as session:
        return session.scalars(select(Delivery).order_by(Delivery.id)).all()


def deliver(app, **kwargs):
    state = app.extensions["pamong"]
    return deliver_due(state.db, state.settings, state.host.pm.hook, **kwargs)


def test_a_leased_delivery_is_not_due_for_another_worker_until_the_lease_runs_out(example):
    from pamong_example.hooks import KEYS

    queue(example)
    now = utcnow()
    (delivery,) = deliveries(example)
    assert claim(example.extensions["pamong"].db, "a", now=now, batch=10, lease=LEASE) == [
        delivery.id
    ]
    assert deliver(example, now=now + LEASE - timedelta(seconds=1), owner="b") == 0
    assert deliver(example, now=now + LEASE, owner="b") == 1
    assert [delivery.idempotency_key] == KEYS


def test_a_delivery_sent_again_after_a_crash_carries_the_same_key(example, monkeypatch):
    from pamong_example.hooks import KEYS, ExampleTransport

    queue(example)
    send = ExampleTransport.send

    def send_then_die(self, delivery):
        send(self, delivery)
        raise SystemExit("killed after sending, before the delivery was marked sent")

    monkeypatch.setattr(ExampleTransport, "send", send_then_die)
    now = utcnow()
    with pytest.raises(SystemExit):
        deliver(example, now=now, owner="a")
    monkeypatch.setattr(ExampleTransport, "send", send)
    (left,) = deliveries(example)
    assert (left.status, left.lease_owner, left.attempts) == ("pending", "a", 1)

    assert deliver(example, now=now + LEASE - timedelta(seconds=1), owner="b") == 0
    assert deliver(example, now=now + LEASE, owner="b") == 1
    assert [left.idempotency_key, left.idempotency_key] == KEYS
    assert deliveries(example)[0].status == "sent"


def test_every_delivery_has_its_own_key(example):
    queue(example, n=3)
    keys = [d.idempotency_key for d in deliveries(example)]
    assert len(set(keys)) == 3 and all(k.startswith("pamong-delivery-") for k in keys)


def test_an_email_carries_its_key_as_the_message_id(enable_plugins):
    from aiosmtpd.controller import Controller

    handler = Receiver()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app = enable_plugins(
            smtp_host="127.0.0.1",
            smtp_port=controller.port,
            smtp_from="Pamong Sragen <pamong@sragen.test>",
            embedded_delivery=False,
        )
        queue(app, channel="email")
        assert deliver(app) == 1
    finally:
        controller.stop()
    (delivery,) = deliveries(app)
    assert handler.message_ids == [f"<{delivery.idempotency_key}@sragen.test>"]


def test_a_delivery_that_kills_its_worker_every_time_is_parked_as_dead(enable_plugins, monkeypatch):
    app = enable_plugins("example", embedded_delivery=False, delivery_max_attempts=2)
    from pamong_example.hooks import ExampleTransport

    queue(app)

    def die(self, delivery):
        raise SystemExit("the worker ran out of memory")

    monkeypatch.setattr(ExampleTransport, "send", die)
    now = utcnow()
    lease = timedelta(seconds=app.extensions["pamong"].settings.delivery_lease_seconds)
    for attempt in range(2):
        with pytest.raises(SystemExit):
            deliver(app, now=now + attempt * lease, owner=f"w{attempt}")
    assert deliver(app, now=now + 2 * lease, owner="w2") == 0
    (dead,) = deliveries(app)
    assert dead.status == DeliveryStatus.DEAD.value and dead.attempts == 2
    assert "stopped during the last attempt" in dead.last_error


def test_a_stopping_worker_gives_the_rest_of_its_batch_back_at_once(example):
    from pamong_example.hooks import KEYS

    queue(example, n=5)
    now = utcnow()
    assert deliver(example, now=now, owner="a", stop=lambda: len(KEYS) >= 1) == 1
    rest = [d for d in deliveries(example) if d.status == "pending"]
    assert len(rest) == 4
    assert all(d.lease_owner is None and d.next_attempt_at <= now for d in rest)
    assert deliver(example, now=now, owner="b") == 4
    assert len(KEYS) == len(set(KEYS)) == 5


def test_a_worker_whose_lease_ran_out_and_was_taken_over_does_not_send(example, monkeypatch):
    from pamong_example.hooks import KEYS

    queue(example)
    now = utcnow()
    take = outbox.claim

    def claim_then_stall(db, owner, **kwargs):
        ids = take(db, owner, **kwargs)
        if owner == "slow":  # stalls past its lease: "fast" takes the delivery over
            assert deliver(example, now=now + LEASE, owner="fast") == 1
        return ids

    monkeypatch.setattr(outbox, "claim", claim_then_stall)
    assert deliver(example, now=now, owner="slow") == 0
    assert len(KEYS) == 1


def test_deliveries_queued_before_the_upgrade_get_a_key(enable_plugins):
    app = enable_plugins(embedded_delivery=False)
    state = app.extensions["pamong"]
    migrate.downgrade(state.db, state.host, "core", "core_0004")
    with state.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO deliveries (channel, address, subject, body, status, attempts,"
                " next_attempt_at, last_error, created_at) VALUES ('email', 'a@example.id',"
                " 's', 'b', 'pending', 0, :now, '', :now)"
            ),
            [{"now": utcnow().replace(tzinfo=None)}] * 2,
        )
    migrate.upgrade(state.db, state.host)
    keys = [d.idempotency_key for d in deliveries(app)]
    assert len(set(keys)) == 2 and all(k.startswith("pamong-delivery-") for k in keys)


# -- real worker processes on PostgreSQL -------------------------------------------


class Receiver:
    """An SMTP server's handler that keeps every Message-ID it accepted."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.message_ids.append(email.message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    handler = Receiver()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def start_worker(app, smtp, tmp_path):
    """Start ``pamong worker`` processes on the app's instance; all are stopped at the end."""
    processes: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "PAMONG_DATABASE_URL": os.environ.get("PAMONG_TEST_DATABASE_URL", ""),
        "PAMONG_SMTP_HOST": "127.0.0.1",
        "PAMONG_SMTP_PORT": str(smtp.port),
        "PAMONG_SMTP_FROM": "pamong@sragen.test",
        "PAMONG_EMBEDDED_DELIVERY": "false",
    }
    pamong = str(Path(sys.executable).parent / "pamong")

    def start(lease_seconds: int) -> subprocess.Popen:
        with (tmp_path / f"worker{len(processes)}.log").open("w") as log:
            process = subprocess.Popen(
                [pamong, "--instance", app.instance_path, "worker", "--interval", "0.2"],
                env={**env, "PAMONG_DELIVERY_LEASE_SECONDS": str(lease_seconds)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


def queue_many(app, n):
    with app.extensions["pamong"].db.transaction() as session:
        session.execute(
            Delivery.__table__.insert(),
            [
                {
                    "channel": "email",
                    "address": f"w{i}@example.id",
                    "subject": f"Pemberitahuan {i}",
                    "body": "b",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": utcnow(),
                    "last_error": "",
                    "created_at": utcnow(),
                }
                for i in range(n)
            ],
        )


def wait_until(condition, timeout=180.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def leased_to(app, pid):
    with app.extensions["pamong"].db.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == "pending", Delivery.lease_owner.like(f"%:{pid}:%"))
        )


def statuses(app):
    with app.extensions["pamong"].db.session() as session:
        return dict(
            session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        )


@on_postgres
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(app, smtp, start_worker):
    received = smtp.handler.message_ids
    queue_many(app, 1000)
    doomed, survivor = start_worker(5), start_worker(5)
    wait_until(lambda: len(received) >= 200)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    replacement = start_worker(5)
    wait_until(lambda: len(set(received)) == 1000)
    wait_until(lambda: statuses(app) == {"sent": 1000}, timeout=30)
    for worker in (survivor, replacement):
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0

    copies = Counter(received)
    assert len(copies) == 1000  # every delivery arrived, each under its own key
    # Only the message in flight when the worker died may arrive twice, same key.
    assert len(received) - 1000 <= 1
    assert set(copies.values()) <= {1, 2}


@on_postgres
def test_sigterm_finishes_the_message_in_hand_gives_back_the_batch_and_exits_0(
    app, smtp, start_worker
):
    received = smtp.handler.message_ids
    queue_many(app, 1000)
    stopping, other = start_worker(600), start_worker(600)
    wait_until(lambda: len(received) >= 300)
    stopping.send_signal(signal.SIGTERM)
    assert stopping.wait(timeout=30) == 0
    assert leased_to(app, stopping.pid) == 0  # nothing waits ten minutes for its lease
    wait_until(lambda: statuses(app) == {"sent": 1000}, timeout=120)
    other.send_signal(signal.SIGTERM)
    assert other.wait(timeout=30) == 0
    assert len(received) == len(set(received)) == 1000

"""Letters between units, the inbox, and the outbox with its workers."""

from __future__ import annotations

import base64
import os
import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pamong.accounts.permissions import Actor
from pamong.db import utcnow
from pamong.errors import Forbidden, InvalidInput
from pamong.messaging import services
from pamong.messaging.models import Delivery, DeliveryStatus, InboxEntry, Message
from pamong.messaging.outbox import deliver_due, drain
from pamong.orgunits.services import get_unit

SYSTEM = Actor.system("test")
PDF = b"%PDF-1.4 tiny"


def send(app, actor=SYSTEM, unit="33.14", **kwargs):
    with app.extensions["pamong"].db.transaction() as session:
        return services.send_message(
            session,
            actor,
            sender_unit=get_unit(session, unit),
            kind=kwargs.pop("kind", "letter"),
            subject=kwargs.pop("subject", "Rapat koordinasi"),
            body=kwargs.pop("body", "Isi surat"),
            **kwargs,
        )


def count(app, model, *where):
    with app.extensions["pamong"].db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_letter_to_all_kecamatan_reaches_each_kecamatan_officer(app, client, bearer, make_user):
    officers = [make_user("registrar", f"33.14.{n:02d}") for n in (1, 2, 20)]
    headers = bearer("admin")
    response = client.post(
        "/api/v1/messages",
        json={
            "sender_unit": "33.14",
            "kind": "invitation",
            "subject": "Rapat camat",
            "body": "Senin, 09.00, pendopo",
            "to_kind": "kecamatan",
        },
        headers=headers,
    )
    assert response.status_code == 201
    assert count(app, InboxEntry) == len(officers)


def test_a_kecamatan_officer_reads_replies_and_archives(app, client, login_as, make_user):
    sender = make_user("admin")
    actor = _actor(app, sender)
    officer = login_as("registrar", "33.14.01")
    message = send(app, actor, to_units=["33.14.01"])
    inbox = client.get("/messages/").get_data(as_text=True)
    assert "Rapat koordinasi" in inbox and "1 belum dibaca" in inbox
    page = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "Isi surat" in page
    assert "belum dibaca" not in client.get("/messages/").get_data(as_text=True)
    token = _csrf(page)
    client.post(f"/messages/{message.id}/reply", data={"body": "Siap hadir", "csrf_token": token})
    with app.extensions["pamong"].db.session() as session:
        reply = session.scalars(select(Message).where(Message.reply_to_id == message.id)).one()
        assert reply.subject == "Re: Rapat koordinasi"
        assert reply.sender_id == officer.id
        assert (
            session.scalar(select(InboxEntry.user_id).where(InboxEntry.message_id == reply.id))
            == sender.id
        )
    client.post(f"/messages/{message.id}/archive", data={"csrf_token": token})
    assert "Rapat koordinasi" not in client.get("/messages/").get_data(as_text=True)
    assert "Rapat koordinasi" in client.get("/messages/?archived=1").get_data(as_text=True)


def test_only_the_regency_writes_to_all_units_of_a_kind(app, make_user):
    officer = _actor(app, make_user("registrar", "33.14.01"))
    with pytest.raises(Forbidden):
        send(app, officer, unit="33.14.01", to_kind="kecamatan")


def test_nobody_reads_someone_elses_mail(app, client, bearer, make_user):
    make_user("registrar", "33.14.01")
    message = send(app, to_units=["33.14.01"])
    response = client.get(f"/api/v1/messages/{message.id}", headers=bearer("registrar", "33.14.02"))
    assert response.status_code == 404


def test_a_forbidden_attachment_type_writes_nothing(app, client, bearer, make_user):
    make_user("registrar", "33.14.01")
    exe = base64.b64encode(b"MZ\x90\x00 not a document").decode()
    response = client.post(
        "/api/v1/messages",
        json={
            "sender_unit": "33.14",
            "subject": "x",
            "body": "y",
            "to_units": ["33.14.01"],
            "attachments": [{"filename": "laporan.pdf", "content_base64": exe}],
        },
        headers=bearer(),
    )
    assert response.status_code == 422
    assert response.json["type"] == "urn:pamong:problem:attachment-type"
    assert count(app, Message) == 0 and count(app, InboxEntry) == 0


def test_an_oversized_attachment_is_refused(app, make_user):
    make_user("registrar", "33.14.01")
    big = services.Upload("scan.pdf", PDF + b"0" * services.MAX_ATTACHMENT_BYTES)
    with pytest.raises(InvalidInput, match="larger than 5 MB"):
        send(app, to_units=["33.14.01"], attachments=[big])


def test_attachments_are_kept_and_served_to_recipients_only(app, client, login_as, make_user):
    login_as("registrar", "33.14.01")
    message = send(app, to_units=["33.14.01"], attachments=[services.Upload("undangan.pdf", PDF)])
    attachment_id = message.attachments[0].id
    response = client.get(f"/messages/attachments/{attachment_id}")
    assert response.data == PDF and response.mimetype == "application/pdf"


def test_the_message_and_its_deliveries_roll_back_together(app, make_user):
    make_user("registrar", "33.14.01")
    db = app.extensions["pamong"].db
    with pytest.raises(RuntimeError), db.transaction() as session:
        services.notify(
            session,
            SYSTEM,
            channel="email",
            address="warga@example.id",
            subject="Izin Anda",
            body="Sudah terbit",
        )
        services.send_message(
            session,
            SYSTEM,
            sender_unit=get_unit(session, "33.14"),
            kind="notice",
            subject="s",
            body="b",
            to_units=["33.14.01"],
        )
        raise RuntimeError("the business change failed")
    assert count(app, Message) == 0 and count(app, Delivery) == 0


def _queue(app, channel="email", n=1):
    with app.extensions["pamong"].db.transaction() as session:
        for i in range(n):
            services.queue_delivery(session, channel, f"warga{i}@example.id", "Izin", "Terbit")


def test_a_failing_channel_is_retried_with_growing_waits_then_parked(enable_plugins):
    app = enable_plugins(embedded_delivery=False)
    state = app.extensions["pamong"]
    _queue(app)  # no smtp_host: every email attempt fails
    now = utcnow()
    waits = []
    for _ in range(state.settings.delivery_max_attempts):
        with state.db.session() as session:
            due = session.scalars(select(Delivery)).one().next_attempt_at
        deliver_due(state.db, state.settings, state.host.pm.hook, now=max(now, due))
        with state.db.session() as session:
            delivery = session.scalars(select(Delivery)).one()
        waits.append(delivery.next_attempt_at - max(now, due))
        now = max(now, due)
    assert delivery.status == DeliveryStatus.DEAD.value
    assert delivery.attempts == state.settings.delivery_max_attempts
    assert "no smtp_host" in delivery.last_error
    assert waits[0] == timedelta(seconds=60) and waits[1] == timedelta(seconds=120)


def test_admins_see_dead_deliveries_and_queue_them_again(app, client, bearer):
    state = app.extensions["pamong"]
    _queue(app)
    with state.db.transaction() as session:
        session.scalars(select(Delivery)).one().status = DeliveryStatus.DEAD.value
    headers = bearer("admin")
    dead = client.get("/api/v1/deliveries/dead", headers=headers).json
    assert [d["address"] for d in dead] == ["warga0@example.id"]
    retried = client.post(f"/api/v1/deliveries/{dead[0]['id']}/retry", headers=headers).json
    assert retried["status"] == "pending" and retried["attempts"] == 0
    assert client.get("/api/v1/deliveries/dead", headers=bearer("registrar")).status_code == 403


def test_embedded_mode_delivers_right_after_the_commit(enable_plugins):
    from pamong_example.hooks import EVENTS, SENT

    app = enable_plugins("example", embedded_delivery=True)
    state = app.extensions["pamong"]
    SENT.clear()
    _queue(app, channel="example")
    assert SENT == [("warga0@example.id", "Izin")]
    assert drain(state.db, state.settings, state.host.pm.hook) == 0
    with state.db.transaction() as session:
        from pamong.accounts import services as accounts

        officer = accounts.create_user(session, SYSTEM, username="op1", password="x" * 12)
        accounts.assign_role(
            session,
            SYSTEM,
            officer,
            accounts.get_role(session, "registrar"),
            get_unit(session, "33.14.01"),
        )
    send(app, to_units=["33.14.01"], subject="Kabar")
    assert ("message", "Kabar") in EVENTS


def test_embedded_mode_waits_for_the_whole_transaction_not_a_savepoint(enable_plugins):
    """A savepoint released after a message was queued (a listener's) delivers nothing yet."""
    from pamong_example.hooks import SENT

    app = enable_plugins("example", embedded_delivery=True)
    SENT.clear()
    with app.extensions["pamong"].db.transaction() as session:
        services.queue_delivery(session, "example", "warga@example.id", "Izin", "Terbit")
        with session.begin_nested():
            session.flush()
        assert SENT == []
    assert SENT == [("warga@example.id", "Izin")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collect:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(envelope)
        return "250 OK"


def test_email_goes_through_a_real_smtp_server_even_after_it_was_down(enable_plugins):
    from aiosmtpd.controller import Controller

    port = _free_port()
    app = enable_plugins(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="pamong@sragen.test",
        embedded_delivery=False,
    )
    state = app.extensions["pamong"]
    _queue(app)
    deliver_due(state.db, state.settings, state.host.pm.hook)  # server down
    with state.db.session() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "127.0.0.1" in delivery.last_error

    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        later = delivery.next_attempt_at
        deliver_due(state.db, state.settings, state.host.pm.hook, now=later)
    finally:
        controller.stop()
    with state.db.session() as session:
        assert session.scalars(select(Delivery)).one().status == "sent"
    (mail,) = handler.mails
    assert mail.rcpt_tos == ["warga0@example.id"]
    assert b"Subject: Izin" in mail.content and b"Terbit" in mail.content


def test_the_worker_command_drains_the_outbox(tmp_path):
    from click.testing import CliRunner

    from pamong.app import create_app
    from pamong.cli import main

    password = tmp_path / "pw"
    password.write_text("kabupaten-sragen-1")
    runner = CliRunner()
    instance = tmp_path / "instance"
    runner.invoke(
        main,
        [
            "--instance",
            str(instance),
            "init",
            "--region",
            "33.14",
            "--admin-password-file",
            str(password),
        ],
    )
    app = create_app(instance, embedded_delivery=False)
    _queue(app, n=3)
    app.extensions["pamong"].db.dispose()
    result = runner.invoke(main, ["--instance", str(instance), "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Attempted 3 deliveries." in result.output


@pytest.mark.skipif(
    not os.environ.get("PAMONG_TEST_DATABASE_URL"), reason="needs PAMONG_TEST_DATABASE_URL"
)
@pytest.mark.pamong_plugins("example")
def test_two_workers_deliver_each_message_exactly_once(app):
    from pamong_example.hooks import SENT

    state = app.extensions["pamong"]
    with state.db.transaction() as session:
        session.execute(
            Delivery.__table__.insert(),
            [
                {
                    "channel": "example",
                    "address": f"w{i}@example.id",
                    "subject": "s",
                    "body": "b",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": utcnow(),
                    "last_error": "",
                    "created_at": utcnow(),
                }
                for i in range(2000)
            ],
        )
    SENT.clear()
    workers = [
        threading.Thread(target=drain, args=(state.db, state.settings, state.host.pm.hook))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    addresses = [address for address, _subject in SENT]
    assert len(addresses) == 2000 and len(set(addresses)) == 2000
    assert count(app, Delivery, Delivery.status == "sent") == 2000


def _actor(app, user):
    from pamong.accounts.services import actor_for, load_user

    with app.extensions["pamong"].db.session() as session:
        return actor_for(load_user(session, user.id))


def _csrf(html):
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

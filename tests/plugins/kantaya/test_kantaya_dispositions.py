"""Incoming letters: registered, disposed within reach, forwarded down, read-tracked,
recallable while unread, escalated when overdue, answered with a numbered letter."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.messaging.models import InboxEntry
from pamong.runtime import regency_today
from pamong_plugins.kantaya import services

pytestmark = pytest.mark.pamong_plugins("kantaya")

KALIJAMBE = "33.14.01"
PLUPUH = "33.14.02"
KEDEN = "33.14.01.2001"
PDF = b"%PDF-1.4\n% surat\n"


def tx(app):
    return app.extensions["pamong"].db.transaction()


@pytest.fixture
def letter(app, actor_at):
    clerk = actor_at("kantaya_secretary", KALIJAMBE)
    with tx(app) as session:
        row = services.register_incoming(
            session,
            clerk,
            unit_code=KALIJAMBE,
            sender="Gubernur Jawa Tengah",
            number="005/123/2026",
            letter_date=regency_today(),
            subject="Undangan rapat",
            scan=PDF,
        )
        return row.id


def test_registering_checks_the_scan_and_the_date(app, actor_at):
    clerk = actor_at("kantaya_secretary", KALIJAMBE)
    common = {"unit_code": KALIJAMBE, "sender": "X", "number": "1", "subject": "Y"}
    with tx(app) as session:
        with pytest.raises(InvalidInput) as wrong:
            services.register_incoming(
                session, clerk, letter_date=regency_today(), scan=b"MZ exe", **common
            )
        with pytest.raises(InvalidInput) as future:
            services.register_incoming(
                session, clerk, letter_date=regency_today() + timedelta(days=2), **common
            )
        with pytest.raises(Forbidden):
            services.register_incoming(
                session, clerk, letter_date=regency_today(), **{**common, "unit_code": PLUPUH}
            )
    assert wrong.value.slug == "invalid-attachment" and future.value.slug == "future-day"


def test_dispose_forward_read_recall(app, actor_at, make_user, letter):
    camat = actor_at("kantaya_head", KALIJAMBE)
    kades = make_user("kantaya_head", KEDEN)
    with tx(app) as session:
        kades_actor = services_actor(session, kades)
        with pytest.raises(InvalidInput) as outside:
            services.dispose(session, camat, letter, to_unit_code=PLUPUH, instruction="Hadiri")
        step = services.dispose(
            session, camat, letter, to_unit_code=KEDEN, instruction="Hadiri", due_on=regency_today()
        )
        copy = services.dispose(session, camat, letter, to_unit_code=KEDEN, copy=True)
        step_id, copy_id = step.id, copy.id
    assert outside.value.slug == "outside-reach"
    with tx(app) as session:  # the recipient opens the step: read, no longer recallable
        opened = services.get_disposition(session, kades_actor, step_id)
        assert opened.read_at is not None
    with tx(app) as session:
        with pytest.raises(Conflict):
            services.recall(session, camat, step_id)
        recalled = services.recall(session, camat, copy_id)  # still unread
        assert recalled.recalled_at is not None
    with tx(app) as session:
        inbox = [s.id for s in session.scalars(services.dispositions_query(kades_actor))]
        assert inbox == [step_id]  # the recalled copy is gone
        with pytest.raises(NotFound):  # a recalled step is no longer the recipient's
            services.complete(session, kades_actor, copy_id)
        with pytest.raises(InvalidInput):  # forwarding goes down, not sideways
            services.forward(session, kades_actor, step_id, to_unit_code=KALIJAMBE, instruction="x")
        done = services.complete(session, kades_actor, step_id, "Sudah hadir")
        assert done.done_at is not None


def test_an_outsider_does_not_see_the_letter(app, actor_at, letter):
    other = actor_at("kantaya_head", PLUPUH)
    with tx(app) as session, pytest.raises(NotFound):
        services.get_incoming(session, other, letter)


def test_overdue_dispositions_escalate_once(app, actor_at, make_user, letter):
    camat_user = make_user("kantaya_head", KALIJAMBE)
    camat = services_actor_by_id(app, camat_user.id)
    with tx(app) as session:
        step = services.dispose(
            session,
            camat,
            letter,
            to_unit_code=KEDEN,
            instruction="Laporkan",
            due_on=regency_today(),
        )
        step_id = step.id
    later = regency_today() + timedelta(days=3)
    with app.app_context(), tx(app) as session:
        assert services.escalate_overdue(session, later) == 1
    with app.app_context(), tx(app) as session:
        assert services.escalate_overdue(session, later) == 0
        inbox = session.scalar(
            select(func.count()).select_from(InboxEntry).where(InboxEntry.user_id == camat_user.id)
        )
    assert inbox == 1 and step_id


def test_the_answer_is_a_numbered_letter_over_the_api(app, client, bearer, letter):
    clerk = bearer("kantaya_secretary", KALIJAMBE)
    body = {
        "unit_code": KALIJAMBE,
        "classification": "000.1.2",
        "subject": "Jawaban undangan",
        "reply_to_id": letter,
    }
    answer = client.post("/api/v1/kantaya/letters", json=body, headers=clerk)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["reply_to_id"] == letter
    registered = client.post(
        "/api/v1/kantaya/incoming",
        json={
            "unit_code": KALIJAMBE,
            "sender": "Bupati",
            "number": "1/2026",
            "letter_date": regency_today().isoformat(),
            "subject": "Edaran",
            "scan_base64": base64.b64encode(PDF).decode(),
        },
        headers=clerk,
    )
    assert registered.status_code == 201 and registered.get_json()["has_scan"]
    bad = client.post(
        "/api/v1/kantaya/incoming",
        json={
            "unit_code": KALIJAMBE,
            "sender": "B",
            "number": "2",
            "subject": "S",
            "letter_date": regency_today().isoformat(),
            "scan_base64": "!!!",
        },
        headers=clerk,
    )
    assert bad.status_code == 422


def services_actor(session, user):
    from pamong.accounts import services as accounts

    return accounts.actor_for(accounts.load_user(session, user.id))


def services_actor_by_id(app, user_id):
    from pamong.accounts import services as accounts

    with tx(app) as session:
        return accounts.actor_for(accounts.load_user(session, user_id))


def test_a_forbidden_disposer(app, actor_at, letter):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    with tx(app) as session, pytest.raises(NotFound):
        services.dispose(session, reporter, letter, to_unit_code=KEDEN, instruction="x")
    with tx(app) as session:
        clerk = actor_at("kantaya_secretary", KALIJAMBE)
        with pytest.raises(Forbidden):
            services.dispose(session, clerk, letter, to_unit_code=KEDEN, instruction="x")

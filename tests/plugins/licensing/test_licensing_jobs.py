"""Escalation of overdue files, expiry reminders, the CLI, and concurrent tracking numbers."""

from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.cli import main, run_worker_jobs
from pamong.messaging.models import Delivery, InboxEntry, Message
from pamong_plugins.licensing import jobs, services

pytestmark = pytest.mark.pamong_plugins("licensing")


def _file(session, code="SIUP", received=date(2026, 7, 6), email="x@example.id"):
    system = Actor.system("test")
    stype = services.get_service_type(session, code)
    applicant = services.counter_applicant(session, system, {"name": "Ani", "email": email})
    return services.submit_application(
        session,
        system,
        service_type=stype,
        applicant=applicant,
        checked=stype.requirements,
        today=received,
    )


def test_overdue_files_reach_the_head_of_office_once_a_day(catalogue, db_session, make_user):
    head = make_user("licensing_head", "33.14-BPT")
    late = _file(db_session)  # SIUP: 3 working days, due 9 July
    fresh = _file(db_session, received=date(2026, 7, 13))
    assert jobs.escalate(db_session, date(2026, 7, 14)) == 1
    message = db_session.scalar(select(Message))
    assert late.number in message.body and fresh.number not in message.body
    inbox = db_session.scalars(select(InboxEntry.user_id)).all()
    assert inbox == [head.id]
    assert jobs.escalate(db_session, date(2026, 7, 14)) == 0  # already told today
    assert jobs.escalate(db_session, date(2026, 7, 15)) == 2  # fresh is near due now


def test_a_returned_file_is_not_escalated(catalogue, db_session, make_user):
    make_user("licensing_head", "33.14-BPT")
    application = _file(db_session)
    services.return_to_applicant(
        db_session, Actor.system("t"), application, "KTP buram", date(2026, 7, 7)
    )
    assert jobs.escalate(db_session, date(2026, 8, 3)) == 0


def test_holders_are_reminded_once_before_their_permit_ends(catalogue, db_session):
    system = Actor.system("test")
    application = _file(db_session, "IPR", received=date(2026, 1, 5))  # valid one month
    services.advance(db_session, system, application)
    services.advance(db_session, system, application)
    services.decide(db_session, system, application, approve=True, today=date(2026, 1, 6))
    permit = services.record_payment(db_session, system, application, "STS-9", date(2026, 1, 7))
    assert permit.valid_until == date(2026, 2, 7)
    assert jobs.remind_expiring(db_session, date(2026, 1, 1), days_before=30) == 0
    assert jobs.remind_expiring(db_session, date(2026, 1, 20), days_before=30) == 1
    assert jobs.remind_expiring(db_session, date(2026, 1, 21), days_before=30) == 0
    subjects = db_session.scalars(select(Delivery.subject)).all()
    assert any(permit.number in s for s in subjects)


def test_the_worker_runs_escalation_and_reminders(catalogue):
    lines = run_worker_jobs(catalogue, force=True)
    assert lines == [
        "licensing.escalate: 0 files escalated",
        "licensing.expiry_reminders: 0 expiry reminders queued",
    ]


def test_the_cli_imports_the_typical_catalogue_and_escalates(app, tmp_path):
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    runner = CliRunner(env={"PAMONG_DATABASE_URL": url} if url else None)
    instance = app.instance_path
    result = runner.invoke(
        main, ["--instance", instance, "licensing", "import-catalogue", "--typical"]
    )
    assert result.exit_code == 0, result.output
    assert "74 service types imported." in result.output
    result = runner.invoke(main, ["--instance", instance, "licensing", "escalate"])
    assert result.exit_code == 0 and "files escalated" in result.output


def test_concurrent_desks_never_share_a_tracking_number(catalogue):
    db = catalogue.extensions["pamong"].db
    numbers: list[str] = []
    errors: list[BaseException] = []

    def desk() -> None:
        try:
            for _ in range(5):
                with db.transaction() as session:
                    numbers.append(_file(session, email="").number)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(numbers) == 20 and len(set(numbers)) == 20


def test_a_holder_nothing_can_reach_is_not_marked_reminded(catalogue, db_session):
    system = Actor.system("test")
    application = _file(db_session, "IPR", received=date(2026, 1, 5), email="")
    services.advance(db_session, system, application)
    services.advance(db_session, system, application)
    services.decide(db_session, system, application, approve=True, today=date(2026, 1, 6))
    permit = services.record_payment(db_session, system, application, "STS-9", date(2026, 1, 7))
    assert jobs.remind_expiring(db_session, date(2026, 1, 20), days_before=30) == 0
    assert permit.reminded_on is None and db_session.scalars(select(Delivery)).all() == []
    application.applicant.email = "baru@example.id"  # a contact added later is still reminded
    assert jobs.remind_expiring(db_session, date(2026, 1, 21), days_before=30) == 1
    assert permit.reminded_on == date(2026, 1, 21)


def test_an_applicant_with_a_phone_is_told_by_sms(enable_plugins):
    from pamong.messaging.fakegateway import FakeGateway
    from pamong_plugins.licensing.catalogue import typical_rows

    with FakeGateway() as gateway:
        app = enable_plugins("licensing", embedded_delivery=True, sms_gateway_url=gateway.url)
        with app.extensions["pamong"].db.transaction() as session:
            services.import_catalogue(session, Actor.system("test"), typical_rows())
            stype = services.get_service_type(session, "SIUP")
            applicant = services.counter_applicant(
                session, Actor.system("test"), {"name": "Ani", "phone": "0813 1111 2222"}
            )
            application = services.submit_application(
                session,
                Actor.system("test"),
                service_type=stype,
                applicant=applicant,
                checked=stype.requirements,
                today=date(2026, 7, 6),
            )
            number = application.number
        assert [(m["to"], number in m["text"]) for m in gateway.received] == [
            ("6281311112222", True)
        ]

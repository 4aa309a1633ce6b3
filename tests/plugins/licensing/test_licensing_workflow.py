"""From counter intake to handover: stages, permissions, pause, levy, permit, survey."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pamong.documents.models import IssuedDocument
from pamong.errors import Conflict, Forbidden, InvalidInput
from pamong.messaging.models import Delivery
from pamong.surveys.services import survey_answers
from pamong.tracking.models import TrackedItem
from pamong_plugins.licensing import services

pytestmark = pytest.mark.pamong_plugins("licensing")
PDF = b"%PDF-1.4\n% test\n"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def _apply(session, actor, code="SIUP", area="", **kw):
    applicant = services.counter_applicant(
        session, actor, {"name": "CV Maju Jaya", "kind": "business", "email": "cv@example.id"}
    )
    stype = services.get_service_type(session, code)
    return services.submit_application(
        session,
        actor,
        service_type=stype,
        applicant=applicant,
        area_code=area,
        checked=stype.requirements,
        today=kw.pop("today", date(2026, 3, 16)),
        **kw,
    )


def test_a_counter_application_gets_a_lic_number_at_the_office(catalogue, db_session, actor_of):
    head = actor_of("licensing_head")
    application = _apply(db_session, head)
    assert application.number.startswith("LIC-")
    assert application.org_unit.code == "33.14-BPT"
    assert services.sla_of(application, date(2026, 3, 16)).due_on == date(
        2026, 3, 26
    )  # 17, 25, 26 March


def test_an_incomplete_file_is_refused_with_what_is_missing(catalogue, db_session, actor_of):
    head = actor_of("licensing_head")
    stype = services.get_service_type(db_session, "SIUP")
    applicant = services.counter_applicant(db_session, head, {"name": "Budi"})
    with pytest.raises(InvalidInput) as info:
        services.submit_application(
            db_session, head, service_type=stype, applicant=applicant, checked=["Surat permohonan"]
        )
    assert "Fotokopi KTP pemohon" in info.value.extra["missing"]


def test_a_delegated_permit_goes_to_the_kecamatan_of_the_location(catalogue, db_session, actor_of):
    head = actor_of("licensing_head")
    application = _apply(db_session, head, "IMB", area="33.14.02", quantity=120)
    assert application.org_unit.code == "33.14.02"
    assert application.fee_amount == 120 * 5_000


def test_a_kecamatan_officer_sees_only_their_kecamatan(catalogue, db_session, actor_of):
    head = actor_of("licensing_head")
    ours = _apply(db_session, head, "IMB", area="33.14.02")
    theirs = _apply(db_session, head, "IMB", area="33.14.03")
    db_session.commit()
    camat = actor_of("licensing_head", "33.14.02")
    visible = db_session.scalars(services.applications_query(camat)).all()
    assert [a.id for a in visible] == [ours.id]
    with pytest.raises(Exception, match="No such application"):
        services.get_application(db_session, camat, theirs.id)


def test_the_whole_flow_with_return_levy_permit_handover_and_survey(
    catalogue, db_session, actor_of
):
    front = actor_of("licensing_front")
    verifier = actor_of("licensing_verifier")
    technical = actor_of("licensing_technical")
    head = actor_of("licensing_head")
    application = _apply(db_session, front, "HO")  # HO: inspection, levy Rp250.000
    with pytest.raises(Forbidden):
        services.advance(db_session, front, application)
    assert services.advance(db_session, verifier, application) == "verification"
    services.return_to_applicant(
        db_session, verifier, application, "Persetujuan tetangga belum ada", date(2026, 3, 17)
    )
    assert services.sla_of(application, date(2026, 4, 2)).paused
    services.resume(
        db_session,
        front,
        application,
        [services.FileUpload("Persetujuan tetangga", "tetangga.pdf", PDF)],
        today=date(2026, 3, 27),
    )
    assert application.stage == "verification"
    assert application.paused_days == 3  # 25, 26, 27 March
    assert services.advance(db_session, verifier, application) == "inspection"
    assert services.advance(db_session, technical, application) == "decision"
    with pytest.raises(InvalidInput):
        services.decide(db_session, head, application, approve=False)
    services.decide(db_session, head, application, approve=True, today=date(2026, 3, 31))
    assert application.stage == "payment"
    assert application.days_used == 3  # 17, 30 and 31 March; 25-27 March paused
    permit = services.record_payment(
        db_session, front, application, "STS-2026-0042", today=date(2026, 4, 1)
    )
    assert permit.number == f"503/{application.id:05d}/HO/2026"
    assert permit.valid_until == date(2031, 4, 1)
    document = db_session.get(IssuedDocument, permit.document_id)
    assert document.kind == "licensing.permit" and document.holder_label == "C*** M*** J***"
    token = services.hand_over(db_session, front, application, today=date(2026, 4, 2))
    item = db_session.get(TrackedItem, application.tracked_item_id)
    assert item.closed_at is not None
    assert [e.stage for e in item.history] == [
        "received",
        "verification",
        "returned",
        "verification",
        "inspection",
        "decision",
        "payment",
        "handover",
        "done",
    ]
    mails = db_session.scalars(select(Delivery).where(Delivery.address == "cv@example.id")).all()
    assert len(mails) >= 9 and any(token in m.body for m in mails)
    services.submit_survey(db_session, token, [4, 3, 3, 4, 3, 3, 4, 3, 3])
    with pytest.raises(Conflict):
        services.submit_survey(db_session, token, [4] * 9)
    answers = survey_answers(db_session, "licensing.permits")
    assert [(a.answers[0], a.rule) for a in answers] == [(4, "permenpanrb-14-2017")]


def test_a_refusal_closes_the_file_with_reasons(catalogue, db_session, actor_of):
    head = actor_of("licensing_head")
    application = _apply(db_session, head, "SIUP")
    services.advance(db_session, head, application)
    services.advance(db_session, head, application)
    services.decide(db_session, head, application, approve=False, reason="Lokasi tidak sesuai RTRW")
    assert application.stage == "refused" and application.finished_on is not None
    assert application.permit is None


def test_a_free_permit_skips_payment_and_renewal_links_the_new_file(
    catalogue, db_session, actor_of
):
    head = actor_of("licensing_head")
    application = _apply(db_session, head, "SIUP")
    services.advance(db_session, head, application)
    assert services.next_stage(application) == "decision"  # SIUP has no optional stages
    services.advance(db_session, head, application)
    services.decide(db_session, head, application, approve=True)
    assert application.stage == "handover" and application.permit is not None
    services.hand_over(db_session, head, application)
    renewal = services.renew(
        db_session, head, application.permit, checked=application.service_type.requirements
    )
    assert renewal.renewal_of_id == application.id
    assert renewal.number != application.number


def test_uploads_must_be_pdf_or_jpeg_and_small():
    with pytest.raises(InvalidInput, match="only PDF and JPEG"):
        services.upload_type(services.FileUpload("KTP", "ktp.png", b"\x89PNG\r\n\x1a\n"))
    with pytest.raises(InvalidInput, match="larger"):
        services.upload_type(services.FileUpload("KTP", "ktp.pdf", PDF + b"0" * 3_000_000))
    assert services.upload_type(services.FileUpload("KTP", "k.jpg", b"\xff\xd8\xff\xe0")) == (
        "image/jpeg"
    )


@pytest.mark.pamong_plugins("licensing", "example")
def test_the_levy_and_every_move_are_announced_through_hooks(catalogue, db_session, actor_of):
    from pamong_example.hooks import EVENTS

    EVENTS.clear()  # file numbers repeat from one test's database to the next
    head = actor_of("licensing_head")
    application = _apply(db_session, head, "REKLAME", area="33.14.05", quantity=6)
    for _ in range(3):
        services.advance(db_session, head, application)
    services.decide(db_session, head, application, approve=True)
    fees = [payload for kind, payload in EVENTS if kind == "fee"]
    assert fees[-1] == (f"licensing_application:{application.id}", 6 * 25_000)
    moves = [p for kind, p in EVENTS if kind == "status" and p[0] == application.number]
    assert [new for _n, _old, new in moves] == [
        "received",
        "verification",
        "inspection",
        "decision",
        "payment",
    ]

"""The KTP counter's rules, through the services."""

from __future__ import annotations

from datetime import date

import pytest
from ktp_testing import KALIJAMBE, KEDEN, PLUPUH
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pamong.audit.models import AuditEntry
from pamong.documents.models import IssuedDocument
from pamong.documents.services import verify
from pamong.errors import Conflict, Forbidden, InvalidInput
from pamong.identity.models import DuplicateCandidate
from pamong.identity.services import resolve_duplicate
from pamong.tracking.models import TrackedItem
from pamong_plugins.ktp import services
from pamong_plugins.ktp.models import CardStatus, KtpApplication, KtpCard
from pamong_plugins.ktp.services import KTP_CARD

pytestmark = pytest.mark.pamong_plugins("ktp")


def test_the_whole_flow_stamps_every_step_with_time_and_officer(
    app, make_resident, officer_at, serve, db_session
):
    officer = officer_at()
    resident = make_resident(desa=KEDEN)
    app_id = serve(officer, resident)
    application = db_session.get(KtpApplication, app_id)
    assert application.step == "collected"
    times = [
        application.applied_at,
        application.checked_at,
        application.captured_at,
        application.printed_at,
        application.collected_at,
    ]
    assert all(times) and times == sorted(times)
    by = {
        application.applied_by_id,
        application.checked_by_id,
        application.captured_by_id,
        application.printed_by_id,
        application.handed_over_by_id,
    }
    assert by == {officer.user_id}
    assert application.collected_by == "Budi Santoso"
    item = db_session.scalar(
        select(TrackedItem).where(TrackedItem.number == application.tracking_number)
    )
    assert [e.stage for e in item.history] == [
        "applied",
        "checked",
        "captured",
        "printed",
        "collected",
    ]
    assert item.closed_at is not None
    assert item.reference == f"ktp_application:{app_id}"
    actions = set(
        db_session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "ktp_application")
        )
    )
    assert {"ktp_application.create", "ktp_application.print", "ktp_application.handover"} <= (
        actions
    )
    card = db_session.scalar(select(KtpCard).where(KtpCard.application_id == app_id))
    assert card.status == CardStatus.ACTIVE and card.valid_until is None  # for life


def test_an_application_is_taken_only_at_the_domicile_kecamatan(
    app, make_resident, officer_at, db_session
):
    resident = make_resident(desa=KEDEN)
    regency_officer = officer_at("33.14")  # sees both kecamatan: may be told where to go
    with pytest.raises(InvalidInput) as caught:
        services.apply(
            db_session, regency_officer, nik=resident.nik, kecamatan_code=PLUPUH, reason="new"
        )
    assert caught.value.slug == "not-domicile-kecamatan"
    assert caught.value.extra["domicile_kecamatan"] == KALIJAMBE


def test_an_officer_serves_only_their_own_kecamatan(app, make_resident, officer_at, db_session):
    resident = make_resident(desa=KEDEN)
    with pytest.raises(Forbidden):
        services.apply(
            db_session, officer_at(PLUPUH), nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
        )


def test_eligibility_is_age_17_or_married(app, make_resident, officer_at, db_session):
    today = date.today()
    young = make_resident(desa=KEDEN, birth_date=date(today.year - 16, 1, 1))
    married = make_resident(
        desa=KEDEN, birth_date=date(today.year - 16, 1, 1), marital_status="kawin", name="Siti"
    )
    officer = officer_at()
    with pytest.raises(InvalidInput) as caught:
        services.apply(db_session, officer, nik=young.nik, kecamatan_code=KALIJAMBE, reason="new")
    assert caught.value.slug == "not-eligible"
    application = services.apply(
        db_session, officer, nik=married.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    assert application.step == "applied"


def test_age_counts_whole_years_to_the_birthday():
    assert services.age_on(date(2009, 11, 24), date(2026, 11, 23)) == 16
    assert services.age_on(date(2009, 11, 23), date(2026, 11, 23)) == 17


def test_one_open_application_per_resident(app, make_resident, officer_at, db_session):
    resident = make_resident(desa=KEDEN)
    officer = officer_at()
    first = services.apply(
        db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    with pytest.raises(Conflict) as caught:
        services.apply(
            db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
        )
    assert caught.value.slug == "application-open"
    assert caught.value.extra["tracking_number"] == first.tracking_number


def test_a_second_new_card_is_refused_and_a_replacement_revokes_the_first(
    app, make_resident, officer_at, serve, db_session
):
    officer = officer_at()
    resident = make_resident(desa=KEDEN)
    first_id = serve(officer, resident)
    with pytest.raises(Conflict) as caught:
        services.apply(
            db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
        )
    assert caught.value.slug == "card-exists"
    db_session.rollback()
    with pytest.raises(InvalidInput) as caught:
        services.apply(
            db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="replacement"
        )
    assert caught.value.slug == "cause-required"
    db_session.rollback()

    serve(officer, resident, reason="replacement", cause="damaged")
    cards = db_session.scalars(select(KtpCard).where(KtpCard.resident_id == resident.id)).all()
    assert sorted(c.status for c in cards) == ["active", "revoked"]
    old = next(c for c in cards if c.application_id == first_id)
    assert old.revoke_reason.startswith("replaced by KTP-")
    document = db_session.get(IssuedDocument, old.document_id)
    result = verify(db_session, document.code, {KTP_CARD.name: KTP_CARD})
    assert result.status == "revoked"


def test_a_card_reported_lost_is_revoked_when_the_loss_is_reported(
    app, make_resident, officer_at, serve, db_session
):
    officer = officer_at()
    resident = make_resident(desa=KEDEN)
    first_id = serve(officer, resident)
    serve(officer, resident, reason="replacement", cause="lost", stop="applied")
    lost = db_session.scalar(select(KtpCard).where(KtpCard.application_id == first_id))
    assert lost.status == "revoked" and lost.revoke_reason.startswith("reported lost (KTP-")
    document = db_session.get(IssuedDocument, lost.document_id)
    result = verify(db_session, document.code, {KTP_CARD.name: KTP_CARD})
    assert result.status == "revoked"
    # The public note is in the officer's language (outside a request, the test app's).
    assert result.revoke_reason in {
        "Dilaporkan hilang: kartu ini tidak berlaku lagi.",
        "Reported lost: this card is no longer valid.",
    }


def test_the_database_refuses_a_second_active_card(
    app, make_resident, officer_at, serve, db_session
):
    officer = officer_at()
    resident = make_resident(desa=KEDEN)
    app_id = serve(officer, resident, stop="printed")
    card = db_session.scalar(select(KtpCard).where(KtpCard.application_id == app_id))
    db_session.add(
        KtpCard(
            resident_id=resident.id,
            application_id=app_id,
            document_id=card.document_id,
            status="active",
        )
    )
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_possible_duplicates_hold_the_application_until_reviewed(
    app, make_resident, officer_at, make_user, db_session
):
    officer, reviewer = officer_at(), officer_at("33.14", "registrar")
    resident = make_resident(desa=KEDEN, name="Sri Lestari", sex="F")
    make_resident(desa="33.14.02.2001", name="Sri Lestari", sex="F")  # same person, other NIK?
    application = services.apply(
        db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    services.check_biodata(db_session, officer, application.id)
    assert application.step == "held" and application.held_at is not None
    assert application.held_by_id == officer.user_id
    db_session.commit()
    with pytest.raises(Conflict):  # no photo while held
        services.capture(db_session, officer, application.id, photo=b"x", signature=b"x")
    db_session.rollback()

    candidate = db_session.scalar(select(DuplicateCandidate))
    resolve_duplicate(db_session, reviewer, candidate.id, "distinct", "two different people")
    services.check_biodata(db_session, officer, application.id)
    assert application.step == "checked"


def test_same_person_blocks_the_card(app, make_resident, officer_at, db_session):
    officer, reviewer = officer_at(), officer_at("33.14", "registrar")
    resident = make_resident(desa=KEDEN, name="Sri Lestari", sex="F")
    make_resident(desa="33.14.02.2001", name="Sri Lestari", sex="F")
    application = services.apply(
        db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    services.check_biodata(db_session, officer, application.id)
    candidate = db_session.scalar(select(DuplicateCandidate))
    resolve_duplicate(db_session, reviewer, candidate.id, "same_person", "")
    with pytest.raises(Conflict) as caught:
        services.check_biodata(db_session, officer, application.id)
    assert caught.value.slug == "same-person"


def test_steps_cannot_be_skipped(app, make_resident, officer_at, db_session):
    officer = officer_at()
    resident = make_resident(desa=KEDEN)
    application = services.apply(
        db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    with pytest.raises(Conflict) as caught:
        services.print_card(db_session, officer, application.id)
    assert caught.value.slug == "wrong-step"


def test_cancel_needs_a_reason_and_frees_the_resident(app, make_resident, officer_at, db_session):
    officer = officer_at()
    resident = make_resident(desa=KEDEN)
    application = services.apply(
        db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    with pytest.raises(InvalidInput):
        services.cancel(db_session, officer, application.id, reason="  ")
    services.cancel(db_session, officer, application.id, reason="no KK")
    assert application.cancelled_by_id == officer.user_id
    again = services.apply(
        db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    assert again.tracking_number != application.tracking_number


def test_the_fee_in_force_is_charged_and_announced(app, make_resident, officer_at, db_session):
    from pamong.accounts.permissions import Actor

    system = Actor.system("test")
    resident, officer = make_resident(desa=KEDEN), officer_at()
    services.add_fee_rate(
        db_session, system, amount=5000, valid_from=date(2006, 7, 1), legal_basis="Perda 7/2006"
    )
    with pytest.raises(InvalidInput) as caught:
        services.add_fee_rate(db_session, system, amount=0, valid_from=date(2020, 1, 1))
    assert caught.value.slug == "fee-overlap"
    application = services.apply(
        db_session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    assert (application.fee_amount, application.fee_basis) == (5000, "Perda 7/2006")


def test_without_a_rate_the_card_is_free(app, make_resident, officer_at, db_session):
    resident = make_resident(desa=KEDEN)
    application = services.apply(
        db_session, officer_at(), nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    assert application.fee_amount == 0


def test_reprint_leaves_the_card_record_alone(app, make_resident, officer_at, serve, db_session):
    officer = officer_at()
    app_id = serve(officer, make_resident(desa=KEDEN), stop="printed")
    card = db_session.scalar(select(KtpCard).where(KtpCard.application_id == app_id))
    before = (card.status, card.issued_at, card.document_id, card.valid_until)
    services.reprint(db_session, officer, card.id)
    db_session.commit()
    db_session.refresh(card)
    assert (card.status, card.issued_at, card.document_id, card.valid_until) == before
    count = db_session.scalar(select(func.count()).where(AuditEntry.action == "ktp_card.reprint"))
    assert count == 1

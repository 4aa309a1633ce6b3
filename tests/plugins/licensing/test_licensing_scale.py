"""Licensing at Sragen scale: seed catalogue and delegations, SOP snapshot, signing
officials and the permit PDF, assignment and forwarding, OSS-RBA, applicant accounts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pamong.errors import Conflict, InvalidInput
from pamong.messaging.models import Delivery
from pamong.plugin import hookimpl
from pamong.tracking.models import TrackedItem
from pamong_plugins.licensing import applicant_codes, services
from pamong_plugins.licensing.catalogue import typical_delegations, typical_rows
from pamong_plugins.licensing.models import ApplicantToken, ServiceType, Signatory

pytestmark = pytest.mark.pamong_plugins("licensing")
OFFICIAL = {"name": "Sri Handayani, S.Sos.", "nip": "197203081998032005", "position": "Camat"}


def _apply(session, actor, code="SIUP", area="", kind="person", **kw):
    applicant = services.counter_applicant(
        session, actor, {"name": "Budi Santoso", "kind": kind, "id_number": "9120001234567"}
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


def _to_decision(session, actor, application):
    while application.stage != "decision":
        services.advance(session, actor, application)


def test_the_seed_catalogue_is_at_sragens_scale():
    rows = typical_rows()
    permits = [r for r in rows if r["is_permit"] == "ya"]
    assert len(permits) >= 59 and len(rows) - len(permits) >= 10
    assert all(r["legal_basis"] and r["sop_days"] and r["fee_rule"] for r in rows)
    assert sum(r["fee_rule"] == "free" for r in rows) > len(rows) // 2
    assert len({r["code"] for r in rows}) == len(rows)


def test_seed_delegations_are_per_service_and_per_kecamatan(catalogue, db_session, actor_of):
    system = actor_of("licensing_admin")
    recorded = services.import_delegations(db_session, system, typical_delegations())
    assert recorded > 17
    assert services.import_delegations(db_session, system, typical_delegations()) == 0
    today = date(2026, 3, 16)
    delegated = [t for t, _ in services.delegated_types(db_session, today) if t.is_permit]
    assert len(delegated) >= 17
    peternakan = services.get_service_type(db_session, "IUPT")  # rural kecamatan only
    assert services.handling_unit(db_session, peternakan, "33.14.05", today).code == "33.14.05"
    assert services.handling_unit(db_session, peternakan, "33.14.10", today).code == "33.14-BPT"
    sku = services.get_service_type(db_session, "SKU")  # a desa service
    desa = services.desa_units(db_session)[0][1][0]
    assert services.handling_unit(db_session, sku, desa.code, today) == desa
    with pytest.raises(InvalidInput) as info:
        services.handling_unit(db_session, sku, "33.14.05", today)
    assert info.value.slug == "invalid-area"


def test_a_bad_delegation_row_names_its_line(catalogue, db_session, actor_of):
    admin = actor_of("licensing_admin")
    rows = [
        {"code": "IMB", "level": "kecamatan", "decree_number": "P 1", "effective_on": "2026-01-02"},
        {"code": "IMB", "level": "kecamatan", "decree_number": "P 1", "effective_on": "kemarin"},
    ]
    with pytest.raises(InvalidInput) as info:
        services.import_delegations(db_session, admin, rows)
    assert "3" in info.value.detail and info.value.slug == "invalid-import"


def test_a_catalogue_edit_never_rewrites_a_past_sla(catalogue, db_session, actor_of):
    head, admin = actor_of("licensing_head"), actor_of("licensing_admin")
    application = _apply(db_session, head, "HO")
    due, fee = services.sla_of(application, date(2026, 3, 16)).due_on, application.fee_amount
    stype = application.service_type
    data = {c.name: getattr(stype, c.name) for c in ServiceType.__table__.columns}
    services.save_service_type(db_session, admin, {**data, "sop_days": 1, "fee_amount": 9}, stype)
    assert stype.sop_days == 1 and application.sop_days == 10
    assert services.sla_of(application, date(2026, 3, 16)).due_on == due
    assert application.fee_amount == fee


def test_no_signing_official_refuses_the_approval_and_changes_nothing(
    catalogue, db_session, actor_of
):
    head = actor_of("licensing_head")
    application = _apply(db_session, head, "SIUP")
    _to_decision(db_session, head, application)
    db_session.execute(Signatory.__table__.delete())
    with pytest.raises(Conflict) as info:
        services.decide(db_session, head, application, approve=True)
    assert info.value.slug == "no-signatory" and "SIUP" in info.value.detail
    assert application.stage == "decision" and application.decided_on is None
    assert application.permit is None


def test_the_permit_keeps_the_official_who_signed_it(catalogue, db_session, actor_of):
    head = actor_of("licensing_head")
    admin = actor_of("licensing_admin")
    siup = services.get_service_type(db_session, "SIUP")
    services.save_signatory(db_session, admin, "33.14-BPT", OFFICIAL, siup)
    application = _apply(db_session, head, "SIUP")
    _to_decision(db_session, head, application)
    services.decide(db_session, head, application, approve=True)
    permit = application.permit
    assert (permit.signer_name, permit.signer_nip) == (OFFICIAL["name"], OFFICIAL["nip"])
    services.save_signatory(db_session, admin, "33.14-BPT", {**OFFICIAL, "name": "Lain"}, siup)
    assert permit.signer_name == OFFICIAL["name"]  # a snapshot
    with pytest.raises(InvalidInput) as info:
        services.save_signatory(db_session, admin, "33.14-BPT", {**OFFICIAL, "nip": "123"})
    assert info.value.slug == "invalid-signatory"


def test_the_permit_pdf_carries_regency_official_place_and_verification(
    catalogue, app, db_session, actor_of, client, login_as
):
    from flask import render_template

    from pamong_plugins.licensing.permit_pdf import permit_context

    head = actor_of("licensing_head")
    application = _apply(db_session, head, "SIUP")
    _to_decision(db_session, head, application)
    services.decide(db_session, head, application, approve=True)
    db_session.commit()
    login_as("licensing_head")
    pdf = client.get(f"/licensing/files/{application.id}/permit.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.test_request_context(base_url="https://perizinan.sragenkab.go.id"):
        context = permit_context(db_session, application.permit)
        html = render_template("licensing/permit_pdf.html", **context)
    assert context["regency"] == "KABUPATEN SRAGEN" and context["place"] == "Sragen"
    assert context["url"].startswith("https://perizinan.sragenkab.go.id/verify/")
    assert context["coat_of_arms"].startswith("data:image/")
    for text in (
        "PEMERINTAH KABUPATEN SRAGEN",
        "Ditetapkan di Sragen",
        "NIP. 1970",
        context["url"],
    ):
        assert text in html


def test_a_file_is_assigned_to_licensing_staff_and_the_timeline_says_so(
    catalogue, db_session, actor_of, make_user
):
    head = actor_of("licensing_head")
    verifier = make_user("licensing_verifier", "33.14-BPT")
    outsider = make_user("viewer", "33.14")
    application = _apply(db_session, head, "SIUP")
    with pytest.raises(InvalidInput) as info:
        services.assign(db_session, head, application, outsider.username)
    assert info.value.slug == "invalid-assignee"
    services.assign(db_session, head, application, verifier.username, "Mohon dicek")
    assert application.assigned_to_id == verifier.id
    item = db_session.get(TrackedItem, application.tracked_item_id)
    assert "Mohon dicek" in item.history[-1].note


def test_a_file_is_forwarded_by_hand_to_another_unit(catalogue, db_session, actor_of, make_user):
    head = actor_of("licensing_head", "33.14-BPT")
    application = _apply(db_session, head, "SIUP")
    with pytest.raises(InvalidInput):  # nobody works on licensing there
        services.forward(db_session, head, application, "33.14.03", "Lokasi di Masaran")
    db_session.commit()
    make_user("licensing_verifier", "33.14.03")
    with pytest.raises(InvalidInput):
        services.forward(db_session, head, application, "33.14.03", " ")
    services.forward(db_session, head, application, "33.14.03", "Lokasi di Masaran")
    item = db_session.get(TrackedItem, application.tracked_item_id)
    assert application.org_unit.code == "33.14.03" and item.org_unit_id == application.org_unit_id
    assert "Lokasi di Masaran" in item.history[-1].note


class _Oss:
    @hookimpl
    def pamong_licensing_oss_register(self, application, permit, session):
        return f"OSS-{permit.number}"


def test_business_permits_get_their_oss_reference(catalogue, app, db_session, actor_of):
    head = actor_of("licensing_head")
    app.extensions["pamong"].host.pm.register(_Oss(), name="oss-test")
    application = _apply(db_session, head, "SIUP", kind="business")
    _to_decision(db_session, head, application)
    services.decide(db_session, head, application, approve=True)
    assert application.oss_reference == f"OSS-{application.permit.number}"
    services.record_oss_reference(db_session, head, application, "I-202603160001")
    assert application.oss_reference == "I-202603160001"
    with pytest.raises(InvalidInput):
        services.record_oss_reference(db_session, head, application, "<script>")


def _deliveries(session, address):
    return session.scalars(
        select(Delivery).where(Delivery.address == address).order_by(Delivery.id)
    ).all()


def test_a_phone_account_is_confirmed_by_sms_code_and_guessing_voids_it(app, db_session):
    with app.test_request_context():
        applicant = services.register_applicant(
            db_session, {"name": "Wahyu", "phone": "+62 812-3456-7890", "password": "x" * 12}
        )
        assert applicant.phone == "081234567890" and applicant.verified_at is None
        assert applicant_codes.send_verification(db_session, applicant)
    code = re.search(r"\d{6}", _deliveries(db_session, "081234567890")[-1].body).group(0)
    for _ in range(applicant_codes.MAX_ATTEMPTS):
        with pytest.raises(InvalidInput):
            applicant_codes.verify_contact(
                db_session, "000000" if code != "000000" else "1", applicant
            )
    with pytest.raises(InvalidInput):  # the right code no longer works
        applicant_codes.verify_contact(db_session, code, applicant)
    with app.test_request_context():
        applicant_codes.send_verification(db_session, applicant)
    code = re.search(r"\d{6}", _deliveries(db_session, "081234567890")[-1].body).group(0)
    assert applicant_codes.verify_contact(db_session, code, applicant).verified_at is not None


def test_password_reset_is_single_use_expires_and_enumerates_nobody(app, db_session):
    link = lambda token: f"https://x/licensing/portal/reset/{token}"  # noqa: E731
    with app.test_request_context():
        services.register_applicant(
            db_session, {"name": "Sari", "email": "sari@example.id", "password": "x" * 12}
        )
    before = db_session.scalar(select(func.count()).select_from(Delivery))
    applicant_codes.request_reset(db_session, "nobody@example.id", link_for=link)
    assert db_session.scalar(select(func.count()).select_from(Delivery)) == before
    applicant_codes.request_reset(db_session, "SARI@example.id", link_for=link)
    token = _deliveries(db_session, "sari@example.id")[-1].body.rsplit("/", 1)[-1].strip()
    applicant_codes.reset_password(db_session, token, "baru-sekali-2026")
    assert services.authenticate_applicant(db_session, "sari@example.id", "baru-sekali-2026")
    with pytest.raises(InvalidInput):  # once only
        applicant_codes.reset_password(db_session, token, "lagi-lagi-2026")
    applicant_codes.request_reset(db_session, "sari@example.id", link_for=link)
    token = _deliveries(db_session, "sari@example.id")[-1].body.rsplit("/", 1)[-1].strip()
    for row in db_session.scalars(select(ApplicantToken)):
        row.expires_at = row.created_at - timedelta(seconds=1)
    with pytest.raises(InvalidInput):
        applicant_codes.reset_password(db_session, token, "lagi-lagi-2026")


def test_an_unconfirmed_account_cannot_apply_online(catalogue, app, db_session):
    from pamong.errors import Forbidden

    with app.test_request_context():
        applicant = services.register_applicant(
            db_session, {"name": "Eko", "email": "eko@example.id", "password": "x" * 12}
        )
    stype = services.get_service_type(db_session, "INFO")
    with pytest.raises(Forbidden) as info:
        services.submit_application(
            db_session,
            services.applicant_actor(applicant),
            service_type=stype,
            applicant=applicant,
            channel="online",
        )
    assert info.value.slug == "applicant-unverified"


def test_the_api_assigns_forwards_and_answers_bad_input_with_problems(
    catalogue, client, db_session, actor_of, bearer
):
    head = actor_of("licensing_head")
    application = _apply(db_session, head, "SIUP")
    db_session.commit()
    headers = bearer("licensing_head")
    url = f"/api/v1/licensing/applications/{application.number}"
    bad = client.post(f"{url}/assign", json={"username": "nobody"}, headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert bad.json["field"] == "username"
    bad = client.post(f"{url}/forward", json={"unit": "33.14.99", "reason": "x"}, headers=headers)
    assert bad.status_code == 422
    body = client.put(f"{url}/oss-reference", json={"reference": "I-1"}, headers=headers).json
    assert body["oss_reference"] == "I-1" and body["sop_days"] == 3
    admin = bearer("licensing_admin")
    saved = client.put(
        "/api/v1/licensing/signatories", json={"unit": "33.14.02", **OFFICIAL}, headers=admin
    )
    assert saved.status_code == 200 and saved.json["unit"] == "33.14.02"
    bad = client.put(
        "/api/v1/licensing/signatories",
        json={"unit": "33.14.02", **OFFICIAL, "nip": "x" * 18},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    made = client.post(
        "/api/v1/licensing/delegations",
        json={
            "service_type": "TDUP",
            "decree_number": "Perbup 2/2026",
            "effective_on": "2026-01-02",
            "kecamatan": "33.14.05",
        },
        headers=admin,
    )
    assert made.status_code == 201 and made.json["kecamatan"] == "33.14.05"
    reset = client.post("/api/v1/licensing/applicants/password-reset", json={"login": "a@b.id"})
    assert reset.status_code == 202


def test_the_signatories_page_keeps_what_was_typed_on_an_error(catalogue, client, login_as):
    login_as("licensing_admin")
    html = client.get("/licensing/admin/signatories").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "unit": "33.14.02", "position": "Camat Plupuh"}
    bad = client.post("/licensing/admin/signatories", data={**form, "name": "Dwi", "nip": "12"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'value="Dwi"' in page and 'value="Camat Plupuh"' in page and "18" in page
    good = client.post(
        "/licensing/admin/signatories", data={**form, "name": "Dwi", "nip": OFFICIAL["nip"]}
    )
    assert good.status_code == 302
    assert "Camat Plupuh" in client.get("/licensing/admin/signatories").get_data(as_text=True)


def test_guessing_an_applicants_password_meets_the_login_back_off(app, db_session):
    with app.test_request_context():
        services.register_applicant(
            db_session, {"name": "Sri", "email": "sri@example.id", "password": "rahasia-sri-12"}
        )
    db_session.commit()
    client = app.test_client()

    def login(password: str):
        html = client.get("/licensing/portal/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        form = {"login": "sri@example.id", "password": password}
        if token:
            form["csrf_token"] = token.group(1)
        return client.post("/licensing/portal/login", data=form)

    free = app.extensions["pamong"].settings.login_free_attempts
    assert [login("salah").status_code for _ in range(free)] == [401] * free
    login("salah")  # past the free attempts: a wait starts
    held = login("rahasia-sri-12")  # even the right password waits
    assert held.status_code == 429 and int(held.headers["Retry-After"]) >= 1
    assert "Terlalu banyak" in held.get_data(as_text=True)
    # A staff account of the same name is not slowed by the applicant's guesses.
    assert app.extensions["pamong"].login_throttle.wait_seconds("sri@example.id", "127.0.0.1") == 0

"""New connections: application -> survey -> estimate -> fee paid at billing -> installation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pdam_testing import KALIJAMBE, KEDEN, PLUPUH_DESA, REGENCY
from sqlalchemy import select

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")
API = "/api/v1/pdam"
NIK = "3314015708800001"


def _problem(response, status, slug=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    if slug:
        assert response.json["type"].endswith(slug), response.json


def _pay(db, person, invoice_number):
    from pamong_plugins.billing import services as billing

    cashier = person("billing_cashier", REGENCY)
    with db.transaction() as session:
        billing.open_cashier_session(session, cashier, unit_code=KALIJAMBE, opening_float=0)
        total = billing.invoice_status(session, invoice_number).total
        billing.pay_cash_many(session, cashier, [billing.CashPayment(invoice_number, total)])


def test_the_whole_flow_through_the_tracker_billing_and_survey(db, seeded, person):
    from pamong.plugin import SurveyInvitation, TrackedItem
    from pamong_plugins.billing import services as billing
    from pamong_plugins.pdam import applications as flow
    from pamong_plugins.pdam import services

    admin = person("pdam_admin", KALIJAMBE)
    with db.transaction() as session:
        made = flow.apply(
            session,
            admin,
            applicant_name="Sri Wahyuni",
            applicant_nik=NIK,
            phone="0812-2700-1234",
            address="Dukuh Keden RT 02",
            desa_code=KEDEN,
            group_code="R2",
        )
        app_id, number = made.id, made.number
        assert re.fullmatch(r"PSB-\d{4}-\d{6}", number) and made.phone == "081227001234"
        with pytest.raises(services.Conflict):  # no estimate before the survey
            flow.issue_estimate(session, admin, app_id, amount=1_500_000)
        flow.record_survey(session, admin, app_id, feasible=True, note="pipa 20 m", distance_m=20)
        flow.issue_estimate(session, admin, app_id, amount=1_500_000)
        invoice = made.fee_invoice
        assert billing.invoice_status(session, invoice).total == 1_500_000
        with pytest.raises(services.Conflict):  # not paid yet
            flow.install(session, admin, app_id, meter_serial="M-1")
    _pay(db, person, invoice)
    with db.transaction() as session:
        row = flow.get_application(session, admin, app_id)
        assert row.step == "paid" and row.paid_at is not None
        flow.install(session, admin, app_id, meter_serial="AMC-0099", meter_size="1/2")
        connection = services.get_connection(session, admin, row.connection.number)
        assert connection.status == "active" and connection.meter_serial == "AMC-0099"
        assert connection.holder_nik == NIK and connection.group_code == "R2"
        assert [h.status for h in connection.history] == ["active"]
        assert number in connection.history[0].reason
        item = session.scalar(select(TrackedItem).where(TrackedItem.number == number))
        assert item.closed_at is not None and item.stage == "active"
        stages = [event.stage for event in item.history]
        assert stages == ["applied", "surveyed", "estimated", "paid", "active"]
        survey = session.scalar(
            select(SurveyInvitation).where(SurveyInvitation.service == flow.SURVEY_SERVICE)
        )
        assert survey is not None and survey.reference == f"pdam_application:{app_id}"
        with pytest.raises(services.Conflict):  # installed once only
            flow.install(session, admin, app_id, meter_serial="AMC-0100")


def test_bad_input_scope_and_refusal(db, seeded, person):
    from pamong_plugins.pdam import applications as flow
    from pamong_plugins.pdam import services

    admin, other = person("pdam_admin", KALIJAMBE), person("pdam_admin", "33.14.02")
    base = {"applicant_name": "Budi", "address": "RT 1", "desa_code": KEDEN, "group_code": "R2"}
    with db.transaction() as session:
        for bad, slug in (
            ({"applicant_nik": "12ab"}, "invalid-nik"),
            ({"phone": "12"}, "invalid-phone"),
            ({"group_code": "ZZ"}, "unknown-group"),
            ({"desa_code": "99"}, "unknown-desa"),
            ({"applicant_name": " "}, "invalid-name"),
        ):
            with pytest.raises(services.InvalidInput) as refused:
                flow.apply(session, admin, **{**base, **bad})
            assert refused.value.slug == slug
        with pytest.raises(services.Forbidden):
            flow.apply(session, admin, **{**base, "desa_code": PLUPUH_DESA})
        with pytest.raises(services.InvalidInput):  # online needs a phone
            flow.apply_online(session, **base)
        made = flow.apply(session, admin, **base)
        with pytest.raises(services.InvalidInput):  # not feasible needs the reason
            flow.record_survey(session, admin, made.id, feasible=False)
        flow.record_survey(session, admin, made.id, feasible=False, note="jaringan belum ada")
        assert made.step == "rejected"
        with pytest.raises(services.NotFound):
            flow.get_application(session, other, made.id)


def test_a_cancelled_fee_waits_for_a_new_estimate(db, seeded, person):
    from pamong_plugins.pdam import applications as flow

    admin = person("pdam_admin", KALIJAMBE)
    with db.transaction() as session:
        made = flow.apply(
            session, admin, applicant_name="Budi", address="RT 1", desa_code=KEDEN, group_code="R1"
        )
        flow.record_survey(session, admin, made.id, feasible=True)
        flow.issue_estimate(session, admin, made.id, amount=900_000)

        class Cancelled:  # what billing hands the hook
            source, reference, number = "pdam", f"pdam_application:{made.id}", made.fee_invoice

        flow.fee_cancelled(session, Cancelled)
        assert made.step == "surveyed" and made.fee_invoice == ""


def test_api_and_public_application(client, bearer, seeded):
    admin = bearer("pdam_admin", REGENCY)
    body = {"applicant_name": "Sri", "address": "RT 2", "desa_code": KEDEN, "group_code": "R2"}
    public = client.post(f"{API}/public/applications", json={**body, "phone": "081234567890"})
    assert public.status_code == 201, public.json
    assert set(public.json) == {"number", "step"}  # nothing personal comes back
    _problem(client.post(f"{API}/public/applications", json=body), 422, "invalid-phone")
    _problem(client.post(f"{API}/public/applications", json={"address": "x"}), 422)
    made = client.post(f"{API}/applications", json={**body, "applicant_nik": NIK}, headers=admin)
    assert made.status_code == 201 and made.json["channel"] == "counter"
    assert made.json["applicant_nik"] == "3314********0001"
    app_id = made.json["id"]
    listed = client.get(f"{API}/applications?step=applied", headers=admin)
    assert listed.json["total"] == 2
    _problem(
        client.post(f"{API}/applications/{app_id}/estimate", json={"amount": 5}, headers=admin),
        409,
        "wrong-step",
    )
    surveyed = client.post(
        f"{API}/applications/{app_id}/survey", json={"feasible": True}, headers=admin
    )
    assert surveyed.json["step"] == "surveyed"
    _problem(
        client.post(f"{API}/applications/{app_id}/estimate", json={"amount": "x"}, headers=admin),
        422,
    )
    estimated = client.post(
        f"{API}/applications/{app_id}/estimate", json={"amount": 1_250_000}, headers=admin
    )
    assert estimated.json["fee_invoice"].startswith("INV-")
    tracker = client.get(f"/track/{made.json['number']}")
    html = tracker.get_data(as_text=True)
    assert tracker.status_code == 200 and "Sri" not in html
    _problem(client.get(f"{API}/applications/999999", headers=admin), 404)


def test_pages_counter_public_and_file(client, login_as, seeded):
    page = client.get("/pdam/apply")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ajukan sambungan air" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {
        "csrf_token": token,
        "applicant_name": "Sri",
        "phone": "081234567890",
        "address": "RT 2",
        "desa_code": KEDEN,
        "group_code": "R2",
    }
    sent = client.post("/pdam/apply", data=form)
    assert sent.status_code == 200 and "PSB-" in sent.get_data(as_text=True)
    assert client.post("/pdam/apply", data={**form, "phone": "1"}).status_code == 422
    login_as("pdam_admin", KALIJAMBE)
    listing = client.get("/pdam/applications").get_data(as_text=True)
    assert "Sambungan air baru" in listing and "PSB-" in listing
    token = re.search(r'name="csrf_token" value="([^"]+)"', listing).group(1)
    taken = client.post("/pdam/applications", data={**form, "csrf_token": token})
    assert taken.status_code == 302
    detail = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert "Survei lapangan" in detail
    step = client.post(
        taken.headers["Location"] + "/survey",
        data={"csrf_token": token, "feasible": "1", "distance_m": "12"},
        follow_redirects=True,
    )
    assert "Rencana biaya" in step.get_data(as_text=True)
    english = client.get("/pdam/applications", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_the_applicant_is_told_each_step_by_sms(enable_plugins):
    from pamong.messaging.fakegateway import FakeGateway
    from pamong.messaging.models import Delivery
    from pamong.plugin import Actor
    from pamong_plugins.pdam import applications as flow
    from pamong_plugins.pdam import services

    with FakeGateway() as gateway:
        app = enable_plugins(
            "billing", "pdam", embedded_delivery=False, sms_gateway_url=gateway.url
        )
        db, staff = app.extensions["pamong"].db, Actor.system("pdam test")
        with app.app_context(), db.transaction() as session:
            services.seed_karanganyar(session, staff, date(2009, 7, 1))
            fields = {"address": "Dukuh Keden RT 02", "desa_code": KEDEN, "group_code": "R2"}
            told = flow.apply(
                session, staff, applicant_name="Sri", phone="0812 2700 1234", **fields
            )
            silent = flow.apply(session, staff, applicant_name="Budi", **fields)  # no phone
            flow.record_survey(session, staff, told.id, feasible=True, distance_m=20)
            flow.issue_estimate(session, staff, told.id, amount=1_500_000)
            flow.reject(session, staff, silent.id, reason="jaringan belum sampai")
            texts = [
                (d.address, d.body) for d in session.scalars(select(Delivery).order_by(Delivery.id))
            ]
    # Received, surveyed, estimated: three SMS to Sri; Budi left no phone, so nothing.
    assert [address for address, _body in texts] == ["081227001234"] * 3
    assert all(told.number in body for _address, body in texts)
    assert "diterima" in texts[0][1] and "survei lapangan selesai" in texts[1][1]
    assert "Rp1.500.000" in texts[2][1] and told.fee_invoice in texts[2][1]

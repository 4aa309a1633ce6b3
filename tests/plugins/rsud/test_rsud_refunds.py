"""Refund of an unused deposit: asked by the RSUD cashier, approved by a billing supervisor."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from rsud_testing import HOSPITAL, wib
from sqlalchemy import select

from pamong.plugin import Actor, Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")
DAY = date(2026, 3, 2)
SYSTEM = Actor.system("test")
API = "/api/v1/rsud"
on_postgres = bool(os.environ.get("PAMONG_TEST_DATABASE_URL"))


@pytest.fixture
def overpaid(db, patient, person):
    """A discharged self-pay stay whose paid deposit exceeds the bill: (number, excess, cashier)."""
    from pamong_plugins.billing import services as billing
    from pamong_plugins.rsud import services

    cashier = person("rsud_cashier")
    with db.transaction() as session:
        number = services.open_encounter(
            session,
            SYSTEM,
            mrn=patient(),
            kind="inpatient",
            ward_code="MAWAR",
            bed_code="MAWAR-01",
            at=wib(DAY, 9),
        ).number
        deposit = services.take_deposit(session, cashier, number, amount=1_000_000)
        billing.open_cashier_session(session, cashier, unit_code=HOSPITAL, opening_float=0)
        billing.pay_cash(session, cashier, invoice_number=deposit.invoice_number, amount=1_000_000)
        services.discharge(session, SYSTEM, number, status="home", at=wib(DAY.replace(day=3), 10))
    with db.transaction() as session:
        bill = services.settle_bill(session, cashier, number)
    assert bill.invoice_number == "" and bill.balance < 0
    return number, -bill.balance, cashier


def _refund_requests(db) -> list:
    from pamong_plugins.billing.models import BillingRequest

    with db.transaction() as session:
        return list(session.scalars(select(BillingRequest).where(BillingRequest.kind == "refund")))


def test_an_unused_deposit_is_refunded_after_a_supervisor_approves(db, overpaid, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.billing.models import BillingLedgerEntry
    from pamong_plugins.rsud import services

    number, excess, cashier = overpaid
    with db.transaction() as session:
        bill = services.request_deposit_refund(session, cashier, number, reason="Sisa uang muka")
        assert (bill.refund_pending, bill.refund_due, bill.refunded) == (excess, 0, 0)
        assert bill.balance == -excess  # owed until the money is actually paid back
        assert [r["status"] for r in bill.refunds] == ["pending"]
    (request,) = _refund_requests(db)
    assert request.amount == excess and request.status == "pending"
    with db.transaction() as session, pytest.raises(Forbidden):
        billing.decide_request(session, cashier, request.id, approve=True)
    with db.transaction() as session:
        billing.decide_request(session, person("billing_supervisor"), request.id, approve=True)
    with db.transaction() as session:
        bill = services.interim_bill(session, cashier, number)
        assert (bill.refunded, bill.refund_pending, bill.balance) == (excess, 0, 0)
        assert bill.refunds[0]["status"] == "approved" and bill.refunds[0]["decided_by"]
        paid_back = session.scalar(
            select(BillingLedgerEntry.amount).where(
                BillingLedgerEntry.invoice_id == request.invoice_id,
                BillingLedgerEntry.kind == "refund_paid",
            )
        )
        assert paid_back == excess
    with db.transaction() as session, pytest.raises(Conflict):
        services.request_deposit_refund(session, cashier, number, reason="again")


def test_asking_twice_asks_once_and_a_rejected_refund_can_be_asked_again(db, overpaid, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.rsud import services

    number, excess, cashier = overpaid
    with db.transaction() as session:
        services.request_deposit_refund(session, cashier, number, reason="Sisa uang muka")
    with db.transaction() as session, pytest.raises(Conflict) as error:
        services.request_deposit_refund(
            session, person("rsud_cashier"), number, reason="Sisa uang muka"
        )
    assert error.value.slug == "refund-pending"
    (request,) = _refund_requests(db)
    with db.transaction() as session:
        billing.decide_request(
            session, person("billing_supervisor"), request.id, approve=False, note="cek KTP"
        )
    with db.transaction() as session:
        bill = services.interim_bill(session, cashier, number)
        assert (bill.refund_due, bill.refund_pending, bill.refunded) == (excess, 0, 0)
        bill = services.request_deposit_refund(session, cashier, number, reason="KTP dicek")
        assert bill.refund_pending == excess
    assert len(_refund_requests(db)) == 2


def test_refunds_are_refused_where_nothing_is_owed(db, patient, person, overpaid):
    from pamong_plugins.rsud import services

    number, _excess, cashier = overpaid
    with db.transaction() as session:
        stay = services.open_encounter(
            session,
            SYSTEM,
            mrn=patient(),
            kind="inpatient",
            ward_code="MAWAR",
            bed_code="MAWAR-02",
            at=wib(DAY, 9),
        ).number
    with db.transaction() as session, pytest.raises(Conflict) as error:
        services.request_deposit_refund(session, cashier, stay, reason="x")
    assert error.value.slug == "encounter-open"
    with db.transaction() as session:
        services.discharge(session, SYSTEM, stay, status="home", at=wib(DAY.replace(day=4), 10))
    with db.transaction() as session, pytest.raises(Conflict) as error:
        services.request_deposit_refund(session, cashier, stay, reason="x")
    assert error.value.slug == "no-refund-due"
    with db.transaction() as session, pytest.raises(InvalidInput):
        services.request_deposit_refund(session, cashier, number, reason="  ")
    with db.transaction() as session, pytest.raises(Forbidden):
        services.request_deposit_refund(session, person("rsud_charge"), number, reason="x")


def test_two_cashiers_asking_at_once_refund_once(app, db, bearer, overpaid, monkeypatch):
    from pamong_plugins.rsud import services

    number, excess, _cashier = overpaid
    heads = [bearer("rsud_cashier", HOSPITAL) for _ in range(2)]
    if on_postgres:  # both read the bill before either asks billing
        barrier = threading.Barrier(2, timeout=10)
        original = services.get_encounter

        def waiting(*args, **kwargs):
            barrier.wait()
            return original(*args, **kwargs)

        monkeypatch.setattr(services, "get_encounter", waiting)

    def ask(headers):
        with app.test_client() as c:
            return c.post(
                f"{API}/encounters/{number}/refunds", json={"reason": "Sisa"}, headers=headers
            )

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(ask, heads))
    assert sorted(a.status_code for a in answers) == [201, 409]
    made = next(a for a in answers if a.status_code == 201).json
    assert made["refund_pending"] == excess and made["refund_due"] == 0
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.content_type == "application/problem+json"
    assert sum(r.amount for r in _refund_requests(db)) == excess


def test_the_encounter_page_offers_the_refund_and_shows_its_status(client, login_as, db, overpaid):
    number, _excess, _cashier = overpaid
    client.application.config["WTF_CSRF_ENABLED"] = False
    login_as("rsud_cashier", HOSPITAL)
    page = client.get(f"/rsud/encounters/{number}").data.decode()
    assert f"/rsud/encounters/{number}/refunds" in page
    answer = client.post(f"/rsud/encounters/{number}/refunds", data={"reason": "Sisa uang muka"})
    assert answer.status_code == 302
    page = client.get(f"/rsud/encounters/{number}").data.decode()
    assert f"/rsud/encounters/{number}/refunds" not in page
    assert "Menunggu persetujuan" in page  # Indonesian first
    again = client.post(f"/rsud/encounters/{number}/refunds", data={"reason": "Sisa"})
    assert again.status_code == 302  # flashed and sent back, never a 500


def test_the_cashier_desk_lists_who_waits_to_be_billed_or_refunded(
    client, login_as, db, overpaid, patient, person
):
    from pamong_plugins.rsud import services

    number, excess, _cashier = overpaid
    with db.transaction() as session:
        visit = services.open_encounter(
            session, SYSTEM, mrn=patient(), kind="emergency", at=wib(DAY, 9)
        ).number
        services.discharge(session, SYSTEM, visit, status="home", at=wib(DAY, 11))
    with db.transaction() as session:
        waiting = {e.number: bill for e, bill in services.cashier_queue(session, _cashier)}
    assert waiting[number].refund_due == excess and waiting[visit].balance > 0
    login_as("rsud_cashier", HOSPITAL)
    page = client.get("/rsud/cashier").data.decode()
    assert number in page and visit in page and "Kasir RSUD" in page
    login_as("rsud_registration", HOSPITAL)
    assert client.get("/rsud/cashier").status_code == 403


def test_deposit_and_refund_rows_are_never_changed(db, overpaid):
    from pamong_plugins.rsud import services
    from pamong_plugins.rsud.models import RsudDeposit

    number, _excess, cashier = overpaid
    with db.transaction() as session:
        services.request_deposit_refund(session, cashier, number, reason="Sisa uang muka")
    for change in ("update", "delete"):
        with pytest.raises(RuntimeError), db.transaction() as session:
            row = session.scalars(select(RsudDeposit).where(RsudDeposit.kind == "refund")).one()
            if change == "update":
                row.amount = 1
            else:
                session.delete(row)
            session.flush()

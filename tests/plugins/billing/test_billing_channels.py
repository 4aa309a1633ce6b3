"""Bank and QRIS payments through the demo channel: SNAP callbacks, replays, mismatches, races.

Every test here runs on SQLite and, with PAMONG_TEST_DATABASE_URL, on
PostgreSQL (CI runs both). On PostgreSQL a barrier makes concurrent
requests pass every check before either writes, so only row locks and
unique indexes stand between them and a double count.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from billing_testing import KALIJAMBE
from sqlalchemy import func, select

from pamong.plugin import utcnow
from pamong_plugins.billing import ledger, services
from pamong_plugins.billing.demo_channel import CALLBACK_PATH, bank_pay, notification_for
from pamong_plugins.billing.models import (
    BillingChannelBill,
    BillingInvoice,
    BillingPayment,
    BillingRequest,
)
from pamong_plugins.billing.settings import DEMO_SECRET

pytestmark = pytest.mark.pamong_plugins("billing")
on_postgres = bool(os.environ.get("PAMONG_TEST_DATABASE_URL"))


@pytest.fixture
def codes(db, invoice):
    """An invoice of Rp50.000 with a demo VA and QRIS code; returns (number, {kind: bill ref})."""

    def make(amount: int = 50_000):
        made = invoice(amount)
        with db.transaction() as session:
            bills = services.open_channel_bills(session, services.SYSTEM, made.number)
            return made.number, {b.kind: b.reference for b in bills}

    return make


def pay_at_bank(db, reference, amount=None, notified_amount=None, **kwargs):
    """The payer pays at the bank; returns the callback (body, headers) the bank sends."""
    with db.transaction() as session:
        bill = bank_pay(session, reference, amount)
        return notification_for(bill, secret=DEMO_SECRET, amount=notified_amount, **kwargs)


def post(client, body, headers):
    return client.post(CALLBACK_PATH, data=body, headers=headers)


def invoice_row(db, number):
    with db.transaction() as session:
        row = session.scalar(select(BillingInvoice).where(BillingInvoice.number == number))
        session.expunge(row)
        return row


def count(db, model, *where):
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_signed_callback_pays_the_invoice_and_closes_its_other_codes(client, db, codes):
    number, bills = codes()
    answer = post(client, *pay_at_bank(db, bills["va"]))
    assert answer.status_code == 200, answer.json
    assert answer.json["responseCode"] == "2002500" and answer.json["outcome"] == "paid"
    assert invoice_row(db, number).status == "paid"
    with db.transaction() as session:
        qris = session.scalar(select(BillingChannelBill).where(BillingChannelBill.kind == "qris"))
        assert qris.status == "closed"
        assert ledger.verify(session).ok


def test_a_replayed_callback_counts_once(client, db, codes):
    number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"])
    assert post(client, body, headers).json["outcome"] == "paid"
    again = post(client, body, headers)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert count(db, BillingPayment) == 1
    assert invoice_row(db, number).paid == 50_000


def test_the_same_payment_under_a_new_external_id_counts_once(client, db, codes):
    _number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"])
    post(client, body, headers)
    resent = post(client, body, {**headers, "X-EXTERNAL-ID": "another-id"})
    assert resent.json["outcome"] == "duplicate"
    assert count(db, BillingPayment) == 1


def test_a_wrong_signature_is_refused(client, db, codes):
    number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"])
    answer = post(client, body, {**headers, "X-SIGNATURE": headers["X-SIGNATURE"][::-1]})
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert answer.json["type"].endswith("bad-signature")
    assert invoice_row(db, number).status == "unpaid"


def test_a_changed_body_breaks_the_signature(client, db, codes):
    _number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"])
    forged = body.replace(b'"50000.00"', b'"5000000.00"')
    assert post(client, forged, headers).status_code == 401


def test_an_old_timestamp_is_refused(client, db, codes):
    number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"], now=utcnow() - timedelta(minutes=10))
    answer = post(client, body, headers)
    assert answer.status_code == 401 and answer.json["type"].endswith("stale-timestamp")
    assert invoice_row(db, number).status == "unpaid"


def test_a_callback_the_bank_does_not_confirm_pays_nothing(client, db, codes):
    """A validly signed notification for a bill the bank has not seen paid (a leaked secret)."""
    number, bills = codes()
    with db.transaction() as session:
        bill = bank_pay(session, bills["va"])
        body, headers = notification_for(bill, secret=DEMO_SECRET)
        bill.status, bill.paid_amount = "open", 0  # the bank's books say: not paid
    answer = post(client, body, headers)
    assert answer.status_code == 200 and answer.json["outcome"] == "pending"
    assert invoice_row(db, number).status == "unpaid"
    assert count(db, BillingPayment) == 0


def test_a_different_amount_is_held_never_paid(client, db, codes):
    number, bills = codes()
    answer = post(client, *pay_at_bank(db, bills["va"], amount=45_000))
    assert answer.json["outcome"] == "held"
    assert invoice_row(db, number).status == "unpaid"
    with db.transaction() as session:
        payment = session.scalar(select(BillingPayment))
        assert payment.status == "held" and "45000" in payment.hold_reason


def test_a_callback_amount_that_disagrees_with_the_bank_is_held(client, db, codes):
    number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"], amount=None, notified_amount=40_000)
    assert post(client, body, headers).json["outcome"] == "held"
    assert invoice_row(db, number).status == "unpaid"


def test_a_foreign_currency_is_held(client, db, codes):
    number, bills = codes()
    answer = post(client, *pay_at_bank(db, bills["va"], currency="USD"))
    assert answer.json["outcome"] == "held"
    assert invoice_row(db, number).status == "unpaid"


def test_a_late_second_payment_goes_to_the_refund_queue(client, db, codes):
    """The payer paid the VA and scanned the QRIS before billing heard of either."""
    number, bills = codes()
    first = pay_at_bank(db, bills["va"])
    second = pay_at_bank(db, bills["qris"])
    assert post(client, *first).json["outcome"] == "paid"
    assert post(client, *second).json["outcome"] == "excess"
    assert invoice_row(db, number).paid == 50_000
    with db.transaction() as session:
        refund = session.scalar(select(BillingRequest))
        assert refund.kind == "refund" and refund.status == "pending" and refund.amount == 50_000


def test_a_payment_for_a_cancelled_invoice_goes_to_the_refund_queue(client, db, codes):
    from pamong.plugin import Actor

    number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"])
    with db.transaction() as session:
        services.cancel_invoice(session, Actor.system("test"), number, reason="withdrawn")
    assert post(client, body, headers).json["outcome"] == "excess"
    assert invoice_row(db, number).status == "cancelled"


def test_an_unknown_channel_is_not_found(client, db, codes):
    _number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"])
    response = client.post("/api/v1/billing/channels/nobank/callback", data=body, headers=headers)
    assert response.status_code == 404


def test_a_malformed_body_is_a_problem(client):
    from pamong.plugin import regency_now
    from pamong_plugins.billing.records import snap_signature

    body = b'{"not": "snap"}'
    stamp = regency_now().isoformat(timespec="seconds")
    headers = {
        "X-TIMESTAMP": stamp,
        "X-SIGNATURE": snap_signature(DEMO_SECRET, "POST", CALLBACK_PATH, body, stamp),
        "X-EXTERNAL-ID": "x1",
    }
    response = post(client, body, headers)
    assert response.status_code == 422 and response.json["type"].endswith("malformed-callback")


def test_the_recheck_job_finds_a_payment_whose_callback_was_lost(app, db, codes):
    number, bills = codes()
    pay_at_bank(db, bills["qris"])  # the callback never arrives
    with db.transaction() as session:
        counts = services.recheck_pending(session, now=utcnow() + timedelta(minutes=20))
    assert counts["paid"] == 1
    assert invoice_row(db, number).status == "paid"


def twice_at_once(calls, barrier_target=None, monkeypatch=None):
    """Run two calls at the same moment; on PostgreSQL both pass the checks before either writes."""
    if on_postgres and barrier_target is not None:
        barrier = threading.Barrier(2, timeout=10)
        module, name = barrier_target
        original = getattr(module, name)

        def waiting(*args, **kwargs):
            result = original(*args, **kwargs)
            barrier.wait()
            return result

        monkeypatch.setattr(module, name, waiting)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_two_cashiers_paying_one_invoice_at_once_count_it_once(
    app, bearer, invoice, db, monkeypatch
):
    made = invoice(50_000)
    heads = [bearer("billing_cashier", KALIJAMBE) for _ in range(2)]
    for headers in heads:
        with app.test_client() as c:
            c.post("/api/v1/billing/sessions", json={"unit_code": KALIJAMBE}, headers=headers)

    def pay(headers):
        def call():
            with app.test_client() as c:
                return c.post(
                    "/api/v1/billing/payments",
                    json={"invoice_number": made.number, "amount": 50_000},
                    headers=headers,
                )

        return call

    answers = twice_at_once([pay(h) for h in heads], (services, "open_session_of"), monkeypatch)
    assert sorted(a.status_code for a in answers) == [201, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json["type"].endswith("already-paid")
    assert count(db, BillingPayment) == 1
    assert invoice_row(db, made.number).paid == 50_000


def test_a_callback_delivered_twice_at_once_counts_once(app, db, codes, monkeypatch):
    _number, bills = codes()
    body, headers = pay_at_bank(db, bills["va"])

    def deliver():
        with app.test_client() as c:
            return post(c, body, headers)

    answers = twice_at_once([deliver, deliver], (services, "get_channel"), monkeypatch)
    assert sorted(a.json["outcome"] for a in answers) == ["duplicate", "paid"]
    assert count(db, BillingPayment) == 1


def test_va_and_qris_paid_at_the_same_moment_count_once(app, db, codes, monkeypatch):
    number, bills = codes()
    va, qris = pay_at_bank(db, bills["va"]), pay_at_bank(db, bills["qris"])

    def deliver(callback):
        def call():
            with app.test_client() as c:
                return post(c, *callback)

        return call

    answers = twice_at_once([deliver(va), deliver(qris)], (services, "get_channel"), monkeypatch)
    assert sorted(a.json["outcome"] for a in answers) == ["excess", "paid"]
    row = invoice_row(db, number)
    assert row.status == "paid" and row.paid == 50_000
    assert count(db, BillingPayment, BillingPayment.status == "confirmed") == 1
    with db.transaction() as session:
        assert ledger.verify(session).ok

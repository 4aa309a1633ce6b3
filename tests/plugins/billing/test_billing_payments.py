"""Cash at the counter: sessions, partial payments apportioned, refusals, the LUNAS receipt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from billing_testing import KALIJAMBE

from pamong.plugin import Conflict, Forbidden, InvalidInput, utcnow
from pamong_plugins.billing import services
from pamong_plugins.billing.models import BillingCashierSession, BillingInvoice, BillingPayment
from pamong_plugins.billing.services import Line

pytestmark = pytest.mark.pamong_plugins("billing")


def pay(db, actor, number, amount, **kwargs):
    with db.transaction() as session:
        payment = services.pay_cash(session, actor, invoice_number=number, amount=amount, **kwargs)
        return payment.number


def test_cash_pays_an_invoice_in_full(cashier, invoice, db):
    made = invoice(50_000)
    number = pay(db, cashier, made.number, 50_000)
    with db.transaction() as session:
        row = session.get(BillingInvoice, made.id)
        payment = services.get_payment(session, cashier, number)
        assert row.status == "paid" and row.paid == 50_000 and row.paid_at is not None
        assert payment.receipt_document_id is not None
        assert services.paid_in_full_by(session, payment)


def test_a_partial_payment_goes_to_the_first_priority_and_oldest_period_first(cashier, invoice, db):
    made = invoice(
        lines=[
            Line("Denda", 10_000, priority=200, period="2026-10"),
            Line("Tagihan November", 30_000, period="2026-11"),
            Line("Tagihan Oktober", 30_000, period="2026-10"),
        ]
    )
    pay(db, cashier, made.number, 45_000)
    with db.transaction() as session:
        lines = {line.description: line.paid for line in session.get(BillingInvoice, made.id).lines}
        assert lines == {"Tagihan Oktober": 30_000, "Tagihan November": 15_000, "Denda": 0}
        assert session.get(BillingInvoice, made.id).status == "partly_paid"


def test_overpayment_is_refused_with_what_is_still_due(cashier, invoice, db):
    made = invoice(50_000)
    pay(db, cashier, made.number, 20_000)
    with pytest.raises(InvalidInput) as error:
        pay(db, cashier, made.number, 40_000)
    assert error.value.slug == "overpayment" and error.value.extra["outstanding"] == 30_000


def test_a_paid_invoice_cannot_be_paid_again(cashier, invoice, db):
    made = invoice(50_000)
    pay(db, cashier, made.number, 50_000)
    with pytest.raises(Conflict) as error:
        pay(db, cashier, made.number, 1)
    assert error.value.slug == "already-paid"


def test_a_cancelled_invoice_cannot_be_paid(cashier, invoice, db):
    from pamong.plugin import Actor

    made = invoice(50_000)
    with db.transaction() as session:
        services.cancel_invoice(session, Actor.system("test"), made.number, reason="mistake")
    with pytest.raises(Conflict) as error:
        pay(db, cashier, made.number, 50_000)
    assert error.value.slug == "invoice-not-payable"


def test_only_rupiah_is_taken(cashier, invoice, db):
    made = invoice(50_000)
    with pytest.raises(InvalidInput) as error:
        pay(db, cashier, made.number, 50_000, currency="USD")
    assert error.value.slug == "currency-not-idr"


def test_no_payment_without_an_open_session(person, invoice, db):
    made = invoice(50_000)
    with pytest.raises(Conflict) as error:
        pay(db, person(), made.number, 50_000)
    assert error.value.slug == "no-open-session"


def test_a_closed_session_takes_no_more_cash(cashier, invoice, db):
    made = invoice(50_000)
    with db.transaction() as session:
        services.close_cashier_session(session, cashier, counted_cash=100_000)
    with pytest.raises(Conflict) as error:
        pay(db, cashier, made.number, 50_000)
    assert error.value.slug == "no-open-session"


def test_yesterdays_session_must_be_closed_first(cashier, invoice, db):
    made = invoice(50_000)
    with pytest.raises(Conflict) as error:
        pay(db, cashier, made.number, 50_000, now=utcnow() + timedelta(days=1))
    assert error.value.slug == "session-stale"


def test_one_open_session_per_cashier(cashier, db):
    with pytest.raises(Conflict) as error, db.transaction() as session:
        services.open_cashier_session(session, cashier, unit_code=KALIJAMBE)
    assert error.value.slug == "session-open"


def test_a_cashier_opens_sessions_only_where_granted(person, db):
    with pytest.raises(Forbidden), db.transaction() as session:
        services.open_cashier_session(session, person(), unit_code="33.14.02")


def test_closing_a_session_records_the_difference(cashier, invoice, db):
    made = invoice(50_000)
    pay(db, cashier, made.number, 50_000)
    with db.transaction() as session:
        closed = services.close_cashier_session(session, cashier, counted_cash=145_000)
        assert (closed.expected_cash, closed.counted_cash, closed.difference) == (
            150_000,
            145_000,
            -5_000,
        )


def test_the_float_is_handed_over_to_another_cashier_mid_shift(cashier, person, invoice, db):
    made = invoice(50_000)
    pay(db, cashier, made.number, 50_000)
    other = person("billing_cashier", KALIJAMBE)
    with db.transaction() as session:
        services.close_cashier_session(
            session, cashier, counted_cash=150_000, hand_to=other.user_id
        )
    with db.transaction() as session:
        theirs = services.open_session_of(session, other)
        assert theirs.opening_float == 150_000
        giver = session.get(BillingCashierSession, theirs.received_from_id)
        assert giver.handed_to_id == other.user_id and giver.difference == 0


def test_payments_are_numbered_per_year(cashier, invoice, db):
    first = pay(db, cashier, invoice(1_000).number, 1_000)
    second = pay(db, cashier, invoice(1_000).number, 1_000)
    year = utcnow().year
    assert first == f"KWT-{year}-000001" and second == f"KWT-{year}-000002"
    with db.transaction() as session:
        assert session.query(BillingPayment).count() == 2

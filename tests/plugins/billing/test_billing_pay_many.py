"""Many cash payments at once (a collective payment): what one by one writes, or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pamong.plugin import Conflict, InvalidInput, NotFound, TrackedItem
from pamong_plugins.billing import ledger, services
from pamong_plugins.billing.models import BillingAllocation, BillingInvoice, BillingPayment
from pamong_plugins.billing.services import CashPayment, Line

pytestmark = pytest.mark.pamong_plugins("billing")


def test_many_payments_write_what_pay_cash_writes(cashier, invoice, db, client):
    full, partial = invoice(50_000), invoice(30_000, 20_000)
    twice = invoice(
        lines=[Line("Oktober", 30_000, period="2026-10"), Line("Denda", 5_000, priority=200)]
    )
    with db.transaction() as session:
        numbers = services.pay_cash_many(
            session,
            cashier,
            [
                CashPayment(full.number, 50_000, "Kolektor Desa"),
                CashPayment(partial.number.lower(), 10_000),
                CashPayment(twice.number, 30_000),
                CashPayment(twice.number, 5_000),
            ],
        )
    assert len(set(numbers)) == 4 and all(n.startswith("KWT-") for n in numbers)
    with db.transaction() as session:
        status = {i.number: (i.status, i.paid) for i in session.scalars(select(BillingInvoice))}
        assert status[full.number] == ("paid", 50_000)
        assert status[partial.number] == ("partly_paid", 10_000)
        assert status[twice.number] == ("paid", 35_000)
        lines = {x.description: x.paid for x in session.get(BillingInvoice, twice.id).lines}
        assert lines == {"Oktober": 30_000, "Denda": 5_000}
        payments = {p.number: p for p in session.scalars(select(BillingPayment))}
        first = payments[numbers[0]]
        assert (first.paid_by, first.method, first.amount) == ("Kolektor Desa", "cash", 50_000)
        assert all(p.receipt_document_id is not None for p in payments.values())
        assert session.scalar(select(func.sum(BillingAllocation.amount))) == 95_000
        assert services.paid_in_full_by(session, first)
        items = {i.number: i for i in session.scalars(select(TrackedItem))}
        assert items[full.number].stage == "paid" and items[full.number].closed_at is not None
        assert items[partial.number].stage == "partly_paid"
        assert items[partial.number].closed_at is None
        assert ledger.verify(session).ok
        receipt = session.get(BillingPayment, first.id).receipt_document_id
    # the receipt's QR code verifies like one taken alone
    from pamong.plugin import IssuedDocument

    with db.transaction() as session:
        code = session.get(IssuedDocument, receipt).code
    assert client.get(f"/verify/{code}").status_code == 200
    # the rest is taken one by one, and counts on from the batch's receipt numbers
    with db.transaction() as session:
        one = services.pay_cash(session, cashier, invoice_number=partial.number, amount=40_000)
        assert one.number > max(numbers)
        assert session.get(BillingInvoice, partial.id).status == "paid"


@pytest.mark.parametrize(
    ("second", "error", "slug"),
    [
        (CashPayment("INV-1999-000001", 1_000), NotFound, "invoice-not-found"),
        (CashPayment("FIRST", 50_001), InvalidInput, "overpayment"),
        (CashPayment("FIRST", 0), InvalidInput, "invalid-amount"),
        (CashPayment("PAID", 1), Conflict, "already-paid"),
    ],
)
def test_one_bad_payment_takes_nothing(cashier, invoice, db, second, error, slug):
    made, paid = invoice(50_000), invoice(10_000)
    with db.transaction() as session:
        services.pay_cash(session, cashier, invoice_number=paid.number, amount=10_000)
    names = {"FIRST": made.number, "PAID": paid.number}
    bad = CashPayment(names.get(second.invoice_number, second.invoice_number), second.amount)
    with pytest.raises(error) as caught, db.transaction() as session:
        services.pay_cash_many(session, cashier, [CashPayment(made.number, 1_000), bad])
    assert caught.value.slug == slug and caught.value.detail.startswith("Payment 2")
    with db.transaction() as session:
        assert session.get(BillingInvoice, made.id).paid == 0
        assert session.scalar(select(func.count()).select_from(BillingPayment)) == 1


def test_the_same_invoice_twice_is_counted_together(cashier, invoice, db):
    made = invoice(50_000)
    with pytest.raises(Conflict) as caught, db.transaction() as session:
        services.pay_cash_many(
            session, cashier, [CashPayment(made.number, 50_000), CashPayment(made.number, 1)]
        )
    assert caught.value.slug == "already-paid"


def test_without_an_open_session_nothing_is_taken(person, invoice, db):
    from billing_testing import KALIJAMBE

    made = invoice(50_000)
    with pytest.raises(Conflict) as caught, db.transaction() as session:
        services.pay_cash_many(
            session, person("billing_cashier", KALIJAMBE), [CashPayment(made.number, 50_000)]
        )
    assert caught.value.slug == "no-open-session"


def test_nothing_to_pay_is_nothing_taken(cashier, db):
    with db.transaction() as session:
        assert services.pay_cash_many(session, cashier, []) == []

"""Bank settlement payments in bulk (pay_bank_many): booked once per bank reference."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pamong.plugin import Conflict, Forbidden, InvalidInput
from pamong_plugins.billing import ledger, services
from pamong_plugins.billing.models import BillingInvoice, BillingPayment
from pamong_plugins.billing.services import BankPayment

pytestmark = pytest.mark.pamong_plugins("billing")
AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def test_bank_payments_are_channel_payments_booked_once(invoice, db, person):
    first, second = invoice(40_000), invoice(25_000)
    treasurer = person("billing_treasurer")
    with db.transaction() as session:
        numbers = services.pay_bank_many(
            session,
            treasurer,
            [
                BankPayment(first.number, 40_000, AT, "BRI-0001"),
                BankPayment(second.number, 5_000, AT, "BRI-0002", paid_by="Kolektor"),
            ],
            channel="bank-file:bri",
        )
    assert len(numbers) == 2
    with db.transaction() as session:
        status = {i.number: i.status for i in session.scalars(select(BillingInvoice))}
        assert status == {first.number: "paid", second.number: "partly_paid"}
        payments = session.scalars(select(BillingPayment).order_by(BillingPayment.id)).all()
        assert [(p.method, p.channel, p.external_ref) for p in payments] == [
            ("channel", "bank-file:bri", "BRI-0001"),
            ("channel", "bank-file:bri", "BRI-0002"),
        ]
        assert payments[0].cashier_session_id is None and payments[1].paid_by == "Kolektor"
        assert ledger.verify(session).ok
    with db.transaction() as session, pytest.raises(Conflict) as twice:
        services.pay_bank_many(
            session,
            treasurer,
            [BankPayment(second.number, 5_000, AT, "BRI-0002")],
            channel="bank-file:bri",
        )
    assert twice.value.slug == "duplicate-reference"
    with db.transaction() as session, pytest.raises(Conflict):
        services.pay_bank_many(
            session,
            treasurer,
            [
                BankPayment(second.number, 1_000, AT, "BRI-0003"),
                BankPayment(second.number, 1_000, AT, "BRI-0003"),
            ],
            channel="bank-file:bri",
        )
    with db.transaction() as session, pytest.raises(InvalidInput) as over:
        services.pay_bank_many(
            session, treasurer, [BankPayment(second.number, 30_000, AT, "BRI-0004")]
        )
    assert over.value.slug == "overpayment"
    cashier = person("billing_cashier")
    with db.transaction() as session, pytest.raises(Forbidden):
        services.pay_bank_many(session, cashier, [BankPayment(second.number, 1, AT, "X")])

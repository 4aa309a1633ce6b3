"""Invoices: one active invoice per (source, reference, period), lines, statuses, fees."""

from __future__ import annotations

import pytest
from billing_testing import KALIJAMBE
from sqlalchemy import func, select

from pamong.plugin import Actor, FeeDue, InvalidInput, hook_relay
from pamong_plugins.billing import services
from pamong_plugins.billing.models import BillingInvoice, BillingInvoiceLine

pytestmark = pytest.mark.pamong_plugins("billing")


def test_an_invoice_gets_a_tracker_number_a_check_code_and_its_lines(invoice, db):
    made = invoice(50_000, 25_000)
    assert made.created and made.number.startswith("INV-") and len(made.check_code) == 6
    assert made.total == 75_000 and made.status == "unpaid" and made.outstanding == 75_000
    with db.transaction() as session:
        lines = session.scalars(
            select(BillingInvoiceLine).where(BillingInvoiceLine.invoice_id == made.id)
        ).all()
        assert [line.account_code for line in lines] == ["4.1.02.01.01.0002"] * 2
        assert {line.unit.code for line in lines} == {KALIJAMBE}


def test_the_same_source_reference_and_period_is_billed_once(invoice, db):
    first = invoice(10_000, reference="pdam:77", period="2026-11")
    again = invoice(10_000, reference="pdam:77", period="2026-11")
    other_month = invoice(10_000, reference="pdam:77", period="2026-12")
    assert not again.created and again.number == first.number
    assert other_month.created and other_month.number != first.number


def test_the_database_refuses_a_second_active_invoice(invoice, db):
    from sqlalchemy.exc import IntegrityError

    first = invoice(10_000, reference="x:1")
    with pytest.raises(IntegrityError), db.transaction() as session:
        row = session.get(BillingInvoice, first.id)
        session.add(
            BillingInvoice(
                number="INV-2099-000001",
                check_code="AAAAAA",
                source=row.source,
                reference=row.reference,
                period=row.period,
                unit_id=row.unit_id,
                total=1,
                status="unpaid",
            )
        )
        session.flush()


def test_a_fee_due_becomes_an_invoice_with_the_configured_account(app, db, make_resident):
    resident = make_resident()
    with db.transaction() as session:
        hook_relay(session).pamong_on_fee_due(
            fee=FeeDue(
                source="ktp",
                reference="ktp_application:9",
                amount=5_000,
                description="KTP new KTP-2026-000009",
                unit_code=KALIJAMBE,
                payer_ref=f"resident:{resident.id}",
                tracking_number="KTP-2026-000009",
            ),
            session=session,
        )
    with db.transaction() as session:
        made = services.invoice_for(session, "ktp", "ktp_application:9")
        row = session.get(BillingInvoice, made.id)
        assert row.payer_name == resident.name and row.payer_nik == resident.nik
        assert row.lines[0].account_code == "4.1.02.01.01.0001"
        assert row.tracking_number == "KTP-2026-000009"


def test_a_free_fee_makes_no_invoice(db):
    with db.transaction() as session:
        services.invoice_from_fee(
            session,
            FeeDue(source="ktp", reference="k:1", amount=0, description="", unit_code="33.14"),
        )
        assert session.scalar(select(func.count()).select_from(BillingInvoice)) == 0


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, 10**14])
def test_a_line_amount_is_whole_positive_rupiah(invoice, amount):
    with pytest.raises(InvalidInput):
        invoice(amount)


def test_the_public_tracker_shows_the_invoice_status_without_the_payer(invoice, client):
    made = invoice(15_000)
    page = client.get(f"/api/v1/track/{made.number}")
    assert page.status_code == 200 and page.json["stage"] == "unpaid"
    assert "Budi" not in page.get_data(as_text=True)


def test_a_plugin_cancels_its_own_unpaid_invoice(invoice, db):
    made = invoice(15_000)
    with db.transaction() as session:
        cancelled = services.cancel_invoice(
            session, Actor.system("ktp"), made.number, reason="application cancelled"
        )
    assert cancelled.status == "cancelled"
    with db.transaction() as session:
        assert services.invoice_for(session, "test", made.reference) is None

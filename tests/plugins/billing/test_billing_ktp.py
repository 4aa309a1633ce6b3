"""KTP and billing together: the fee becomes an invoice; paying it marks the application paid."""

from __future__ import annotations

from datetime import date

import pytest
from billing_testing import KALIJAMBE, KEDEN

from pamong.plugin import Conflict
from pamong_plugins.billing import services as billing
from pamong_plugins.ktp import services as ktp
from pamong_plugins.ktp.models import KtpApplication

pytestmark = pytest.mark.pamong_plugins("billing", "ktp")


@pytest.fixture
def fee(db):
    from pamong.plugin import Actor

    with db.transaction() as session:
        ktp.add_fee_rate(session, Actor.system("test"), amount=5_000, valid_from=date(2020, 1, 1))


@pytest.fixture
def application(db, person, make_resident, fee):
    officer = person("ktp_officer", KALIJAMBE)
    resident = make_resident(desa=KEDEN, birth_date=date(1990, 8, 12))
    with db.transaction() as session:
        made = ktp.apply(session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new")
        return made.id, made.tracking_number


def test_a_ktp_application_with_a_fee_gets_an_invoice(db, application):
    app_id, number = application
    with db.transaction() as session:
        invoice = billing.invoice_for(session, "ktp", f"ktp_application:{app_id}")
    assert invoice.total == 5_000 and invoice.tracking_number == number
    assert invoice.unit_code == KALIJAMBE


def test_paying_the_invoice_marks_the_ktp_fee_paid(db, application, cashier):
    app_id, _number = application
    with db.transaction() as session:
        invoice = billing.invoice_for(session, "ktp", f"ktp_application:{app_id}")
        billing.pay_cash(session, cashier, invoice_number=invoice.number, amount=5_000)
    with db.transaction() as session:
        row = session.get(KtpApplication, app_id)
        assert row.fee_paid_at is not None and row.fee_invoice == invoice.number


def test_printing_waits_for_payment_when_the_setting_says_so(db, application, person):
    app_id, _number = application
    with db.transaction() as session:
        row = session.get(KtpApplication, app_id)
        row.step = "captured"
    with pytest.raises(Conflict) as error, db.transaction() as session:
        ktp.print_card(session, person("ktp_officer", KALIJAMBE), app_id, require_payment=True)
    assert error.value.slug == "fee-unpaid"


def test_a_refunded_fee_counts_as_unpaid_again(db, application, cashier, person):
    app_id, _number = application
    with db.transaction() as session:
        invoice = billing.invoice_for(session, "ktp", f"ktp_application:{app_id}")
        payment = billing.pay_cash(session, cashier, invoice_number=invoice.number, amount=5_000)
        row = billing.request_change(
            session,
            cashier,
            kind="refund",
            invoice_number=invoice.number,
            payment_number=payment.number,
            reason="pemohon meninggal",
        )
    with db.transaction() as session:
        billing.decide_request(
            session, person("billing_supervisor", KALIJAMBE), row.id, approve=True
        )
    with db.transaction() as session:
        assert session.get(KtpApplication, app_id).fee_paid_at is None

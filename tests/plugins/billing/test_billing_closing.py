"""Day closing and its deposit slip, the cash book, refunds, waivers, reports, reconciliation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from billing_testing import KALIJAMBE

from pamong.plugin import Actor, Conflict, Forbidden, regency_today, utcnow
from pamong_plugins.billing import ledger, reconcile, reports, services
from pamong_plugins.billing.models import BillingInvoice, BillingPayment
from pamong_plugins.billing.services import Line

pytestmark = pytest.mark.pamong_plugins("billing")


@pytest.fixture
def treasurer(person):
    return person("billing_treasurer", KALIJAMBE)


@pytest.fixture
def supervisor(person):
    return person("billing_supervisor", KALIJAMBE)


def paid(db, cashier, invoice, amount=50_000):
    made = invoice(amount)
    with db.transaction() as session:
        return made, services.pay_cash(
            session, cashier, invoice_number=made.number, amount=amount
        ).number


def close_session(db, actor, counted):
    with db.transaction() as session:
        services.close_cashier_session(session, actor, counted_cash=counted)


def test_a_closed_day_sums_the_cash_by_account_and_numbers_the_deposit_slip(
    db, cashier, invoice, treasurer
):
    paid(db, cashier, invoice, 50_000)
    paid(db, cashier, invoice, 25_000)
    close_session(db, cashier, 175_000)
    with db.transaction() as session:
        closing = services.close_day(session, treasurer, unit_code=KALIJAMBE, day=regency_today())
        assert closing.cash_total == 75_000 and closing.payments == 2
        assert closing.sts_number == f"STS-{regency_today().year}-000001"
        assert closing.by_account == [
            {
                "code": "4.1.02.01.01.0002",
                "name": "Retribusi Jasa Umum - Pelayanan Lainnya",
                "cash": 75_000,
                "noncash": 0,
            }
        ]
        assert closing.settlement_account == "Rekening Kas Umum Daerah (RKUD)"
        assert ledger.verify(session).ok


def test_a_day_with_open_sessions_cannot_be_closed(db, cashier, treasurer):
    with pytest.raises(Conflict) as error, db.transaction() as session:
        services.close_day(session, treasurer, unit_code=KALIJAMBE, day=regency_today())
    assert error.value.slug == "sessions-open"


def test_a_closed_day_takes_no_more_cash(db, cashier, invoice, treasurer, person):
    close_session(db, cashier, 100_000)
    with db.transaction() as session:
        services.close_day(session, treasurer, unit_code=KALIJAMBE, day=regency_today())
    with pytest.raises(Conflict) as error, db.transaction() as session:
        services.open_cashier_session(session, person(), unit_code=KALIJAMBE)
    assert error.value.slug == "day-closed"
    with pytest.raises(Conflict), db.transaction() as session:
        services.close_day(session, treasurer, unit_code=KALIJAMBE, day=regency_today())


def test_a_unit_with_its_own_account_deposits_there(app, db, cashier, treasurer):
    close_session(db, cashier, 100_000)
    app.extensions["pamong"].host.plugins["billing"].settings["unit_settlement_accounts"] = {
        KALIJAMBE: "Rekening BLUD RSUD"
    }
    with app.app_context(), db.transaction() as session:
        closing = services.close_day(session, treasurer, unit_code=KALIJAMBE, day=regency_today())
    assert closing.settlement_account == "Rekening BLUD RSUD"


def test_the_cash_book_lists_receipts_and_the_deposit(db, cashier, invoice, treasurer):
    paid(db, cashier, invoice, 50_000)
    close_session(db, cashier, 150_000)
    with db.transaction() as session:
        services.close_day(session, treasurer, unit_code=KALIJAMBE, day=regency_today())
        book = services.cash_book(session, treasurer, KALIJAMBE, regency_today())
    assert [(r["in"], r["out"], r["balance"]) for r in book["rows"]] == [
        (50_000, 0, 50_000),
        (0, 50_000, 0),
    ]


def test_a_refund_needs_a_supervisor_and_reverses_the_revenue(db, cashier, invoice, supervisor):
    made, number = paid(db, cashier, invoice, 50_000)
    with db.transaction() as session:
        row = services.request_change(
            session,
            cashier,
            kind="refund",
            invoice_number=made.number,
            payment_number=number,
            reason="pemohon batal",
        )
        request_id = row.id
    with db.transaction() as session:
        services.decide_request(session, supervisor, request_id, approve=True)
    with db.transaction() as session:
        invoice_row = session.get(BillingInvoice, made.id)
        assert invoice_row.status == "refunded" and invoice_row.refunded == 50_000
        balances = ledger.balances(session)
        assert balances["revenue:4.1.02.01.01.0002"] == 0 and balances["refund_queue"] == 0


def test_the_requester_cannot_approve(db, invoice, supervisor):
    made = invoice(10_000)
    with db.transaction() as session:
        row = services.request_change(
            session, supervisor, kind="cancel", invoice_number=made.number, reason="dobel"
        )
    with pytest.raises(Forbidden) as error, db.transaction() as session:
        services.decide_request(session, supervisor, row.id, approve=True)
    assert error.value.slug == "same-person"


def test_a_waiver_by_decree_lowers_the_line(db, invoice, cashier, supervisor):
    made = invoice(lines=[Line("Sewa", 300_000), Line("Denda", 30_000, priority=200)])
    with db.transaction() as session:
        fine = session.get(BillingInvoice, made.id).lines[1]
        row = services.request_change(
            session,
            cashier,
            kind="waiver",
            invoice_number=made.number,
            line_id=fine.id,
            amount=0,
            reason="denda dihapus",
            document_ref="Keputusan Bupati 900/12/2026",
        )
    with db.transaction() as session:
        services.decide_request(session, supervisor, row.id, approve=True)
    with db.transaction() as session:
        invoice_row = session.get(BillingInvoice, made.id)
        assert invoice_row.total == 300_000 and invoice_row.lines[1].original_amount == 30_000
        assert ledger.balances(session)["receivable"] == 300_000


def test_a_waiver_needs_its_decree(db, invoice, cashier):
    from pamong.plugin import InvalidInput

    made = invoice(lines=[Line("Sewa", 300_000), Line("Denda", 30_000)])
    with pytest.raises(InvalidInput) as error, db.transaction() as session:
        fine = session.get(BillingInvoice, made.id).lines[1]
        services.request_change(
            session,
            cashier,
            kind="waiver",
            invoice_number=made.number,
            line_id=fine.id,
            amount=0,
            reason="x",
        )
    assert error.value.slug == "document-required"


def test_an_expired_unpaid_invoice_is_reissued_under_a_new_number(db, invoice):
    made = invoice(10_000, reference="pdam:9", period="2026-10")
    later = regency_today() + timedelta(days=60)
    with db.transaction() as session:
        pairs = services.expire_and_reissue(session, later)
    assert pairs and pairs[0][0] == made.number
    with db.transaction() as session:
        new = services.invoice_for(session, "test", "pdam:9", "2026-10")
        assert new.number == pairs[0][1] and new.status == "unpaid"
        assert session.get(BillingInvoice, made.id).status == "expired"


def test_revenue_arrears_and_collection(db, cashier, invoice, person):
    paid(db, cashier, invoice, 50_000)
    invoice(20_000, due_date=regency_today() - timedelta(days=45))
    reporter = person("billing_report", KALIJAMBE)
    today = regency_today()
    with db.transaction() as session:
        by_account = reports.revenue(session, reporter, today, today, "account")
        by_month = reports.revenue(session, reporter, today, today, "month")
        aging = reports.arrears(session, reporter, today)
        rate = reports.collection(session, reporter, today - timedelta(days=60), today)
    assert [(r.key, r.amount) for r in by_account] == [("4.1.02.01.01.0002", 50_000)]
    assert by_month[0].key == today.isoformat()[:7]
    assert [(a.payer_kind, a.bucket, a.amount) for a in aging] == [("resident", "31-60", 20_000)]
    assert rate["billed"] == 70_000 and rate["collected"] == 50_000 and rate["rate"] == 71.4
    assert "<svg" in reports.bar_chart([(r.label, r.amount) for r in by_account])
    assert reports.to_csv(aging).splitlines()[0] == "payer_kind,bucket,invoices,amount"


def test_a_bank_statement_is_reconciled(db, invoice, treasurer):
    from pamong_plugins.billing.demo_channel import bank_pay, notification_for
    from pamong_plugins.billing.settings import DEMO_SECRET

    made = invoice(50_000)
    with db.transaction() as session:
        bills = services.open_channel_bills(session, Actor.system("t"), made.number)
        bank = bank_pay(session, bills[0].reference)
        body, headers = notification_for(bank, secret=DEMO_SECRET)
        va, trx = bank.va_number, bank.transaction_id
    with db.transaction() as session:
        services.handle_callback(
            session,
            "demo",
            method="POST",
            path="/api/v1/billing/channels/demo/callback",
            body=body,
            headers=headers,
        )
    day = regency_today().isoformat()
    statement = (
        "date;reference;amount;description\n"
        f"{day};{va};50.000;setoran VA\n"
        f"{day};UNKNOWN1;75.000;transfer lain\n"
        f"{day};x;abc;rusak\n"
    )
    with db.transaction() as session:
        result = reconcile.reconcile(session, treasurer, statement, filename="rk.csv")
    assert result.matched == 1 and trx
    assert [(u["line"], "amount" in u) for u in result.unmatched] == [(3, True), (4, False)]
    assert result.missing == []


def test_receipts_print_once_then_as_copies(app, db, cashier, invoice):
    from pamong_plugins.billing import documents

    _made, number = paid(db, cashier, invoice)
    with app.test_request_context(), db.transaction() as session:
        payment = services.get_payment(session, cashier, number)
        first = documents.receipt_context(session, payment)
        assert first["lunas"] and first["words"] == "Lima puluh ribu rupiah"
        assert first["url"].startswith("http://localhost/verify/") and "<svg" in first["qr"]
        assert services.receipt_printed(session, cashier, payment) == 1
        assert services.receipt_printed(session, cashier, payment) == 2


def test_the_receipt_qr_verifies_on_the_core_page(app, client, db, cashier, invoice):
    _made, number = paid(db, cashier, invoice)
    with db.transaction() as session:
        from pamong.plugin import IssuedDocument

        payment = session.query(BillingPayment).filter_by(number=number).one()
        code = session.get(IssuedDocument, payment.receipt_document_id).code
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200 and number in page.get_data(as_text=True)


def test_yesterday_stays_closed_after_closing(db, cashier, treasurer):
    close_session(db, cashier, 100_000)
    with db.transaction() as session:
        services.close_day(session, treasurer, unit_code=KALIJAMBE, day=regency_today())
    with pytest.raises(Conflict), db.transaction() as session:
        services.open_cashier_session(session, cashier, unit_code=KALIJAMBE, now=utcnow())


def test_a_plugin_asks_a_refund_spread_over_the_payments_newest_first(
    db, cashier, invoice, supervisor
):
    made = invoice(100_000)
    with db.transaction() as session:
        first = services.pay_cash(session, cashier, invoice_number=made.number, amount=60_000)
        second = services.pay_cash(session, cashier, invoice_number=made.number, amount=40_000)
    with db.transaction() as session:
        asked = services.request_refund(
            session, cashier, invoice_number=made.number, amount=70_000, reason="sisa uang muka"
        )
    assert [(r.payment_number, r.amount, r.status) for r in asked] == [
        (second.number, 40_000, "pending"),
        (first.number, 30_000, "pending"),
    ]
    with db.transaction() as session, pytest.raises(Conflict) as error:
        services.request_refund(  # both payments wait for approval: nothing left to ask
            session, cashier, invoice_number=made.number, amount=1, reason="lagi"
        )
    assert error.value.slug == "refund-too-large"
    with db.transaction() as session:
        services.decide_request(session, supervisor, asked[0].id, approve=True)
        services.decide_request(session, supervisor, asked[1].id, approve=False)
    with db.transaction() as session:
        states = services.request_statuses(session, [asked[0].id, asked[1].id, 999_999])
        assert [states[r.id].status for r in asked] == ["approved", "rejected"]
        assert states[asked[0].id].decided_by and 999_999 not in states
        assert session.get(BillingPayment, _payment_id(session, second.number)).refunded == 40_000
        again = services.request_refund(
            session, cashier, invoice_number=made.number, amount=60_000, reason="sisa"
        )
        assert [(r.payment_number, r.amount) for r in again] == [(first.number, 60_000)]


def _payment_id(session, number):
    from sqlalchemy import select

    return session.scalar(select(BillingPayment.id).where(BillingPayment.number == number))

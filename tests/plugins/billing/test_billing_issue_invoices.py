"""The bulk issue of the public API: many invoices in one transaction, never billed twice."""

from __future__ import annotations

import pytest
from billing_testing import KALIJAMBE, PLUPUH

from pamong.plugin import Actor, Forbidden, InvalidInput

pytestmark = pytest.mark.pamong_plugins("billing")
SYSTEM = Actor.system("test")


def _request(n: int, **kwargs):
    from pamong_plugins.billing.services import InvoiceRequest, Line, Payer

    return InvoiceRequest(
        source=kwargs.pop("source", "water"),
        reference=f"conn:{n}",
        unit_code=kwargs.pop("unit_code", KALIJAMBE),
        payer=kwargs.pop("payer", Payer("resident", f"Pelanggan {n}", f"water:{n}")),
        lines=kwargs.pop("lines", (Line("Air 0-10 m3", 13_000), Line("Biaya beban", 11_500))),
        period=kwargs.pop("period", "2026-10"),
        **kwargs,
    )


def test_issue_many_then_again_bills_nothing_twice(db):
    from pamong_plugins.billing import ledger
    from pamong_plugins.billing.services import invoice_status, invoice_statuses, issue_invoices

    with db.transaction() as session:
        made = issue_invoices(session, SYSTEM, [_request(n) for n in range(5)])
    assert [m.created for m in made] == [True] * 5
    assert {m.total for m in made} == {24_500}
    assert len({m.number for m in made}) == 5
    with db.transaction() as session:
        again = issue_invoices(session, SYSTEM, [_request(n) for n in range(7)])
        assert [a.created for a in again] == [False] * 5 + [True] * 2
        assert [a.number for a in again[:5]] == [m.number for m in made]
        one = invoice_status(session, made[0].number)
        assert (one.source, one.reference, one.period, one.status) == (
            "water",
            "conn:0",
            "2026-10",
            "unpaid",
        )
        found = invoice_statuses(session, [m.number for m in made] + ["INV-1999-000001"])
        assert set(found) == {m.number for m in made}
        assert ledger.verify(session).ok


def test_one_bad_request_issues_nothing(db):
    from pamong_plugins.billing.services import Line, invoice_for, issue_invoices

    with db.transaction() as session:
        with pytest.raises(InvalidInput) as caught:
            issue_invoices(session, SYSTEM, [_request(1), _request(2, lines=(Line("Nol", 0),))])
        assert "2" in caught.value.detail
        assert invoice_for(session, "water", "conn:1", "2026-10") is None
        with pytest.raises(InvalidInput):
            issue_invoices(session, SYSTEM, [_request(3, unit_code="99.99")])


def test_staff_need_the_cashier_permission_at_each_unit(db, person):
    from pamong_plugins.billing.services import issue_invoices

    cashier = person("billing_cashier", KALIJAMBE)
    with db.transaction() as session:
        assert issue_invoices(session, cashier, [_request(1)])[0].created
        with pytest.raises(Forbidden):
            issue_invoices(session, cashier, [_request(2, unit_code=PLUPUH)])


def test_the_batch_writes_what_create_invoice_writes(db):
    from sqlalchemy import select

    from pamong.plugin import TrackedItem
    from pamong_plugins.billing.models import BillingInvoice
    from pamong_plugins.billing.services import Line, issue_invoices

    lines = (Line("Air", 13_000, priority=1), Line("Retribusi pasar", 2_000, unit_code=PLUPUH))
    with db.transaction() as session:
        made = issue_invoices(session, SYSTEM, [_request(1, lines=lines), _request(1), _request(2)])
    assert made[0] == made[1]  # the same request twice in a batch: one invoice
    with db.transaction() as session:
        invoice = session.scalar(select(BillingInvoice).where(BillingInvoice.id == made[0].id))
        assert (invoice.number, invoice.total, invoice.paid, invoice.check_code) == (
            made[0].number,
            15_000,
            0,
            made[0].check_code,
        )
        assert [(x.seq, x.amount, x.priority, x.unit.code) for x in invoice.lines] == [
            (1, 13_000, 1, KALIJAMBE),
            (2, 2_000, 100, PLUPUH),
        ]
        item = session.scalar(select(TrackedItem).where(TrackedItem.number == invoice.number))
        assert item.reference == f"billing_invoice:{invoice.id}"
        assert (item.stage, item.org_unit.code) == ("unpaid", KALIJAMBE)


def test_the_ledger_gets_one_entry_per_invoice_account_and_unit(db):
    from sqlalchemy import select

    from pamong_plugins.billing import ledger
    from pamong_plugins.billing.models import BillingLedgerEntry
    from pamong_plugins.billing.services import Line, cancel_invoice, issue_invoices

    lines = (Line("Air", 13_000), Line("Beban", 11_500), Line("Pasar", 2_000, unit_code=PLUPUH))
    with db.transaction() as session:
        made = issue_invoices(session, SYSTEM, [_request(1, lines=lines), _request(2)])
        entries = session.execute(
            select(BillingLedgerEntry.invoice_id, BillingLedgerEntry.amount)
            .where(BillingLedgerEntry.kind == "invoice")
            .order_by(BillingLedgerEntry.seq)
        ).all()
        assert entries == [(made[0].id, 24_500), (made[0].id, 2_000), (made[1].id, 24_500)]
        assert ledger.balances(session)["receivable"] == 26_500 + 24_500
        cancel_invoice(session, SYSTEM, made[0].number, reason="salah tagih")
        assert ledger.balances(session)["receivable"] == 24_500
        assert ledger.verify(session).ok


def test_files_point_at_their_invoices_when_ids_are_not_consecutive(db):
    from sqlalchemy import select, update

    from pamong.plugin import TrackedItem
    from pamong_plugins.billing import services

    with db.transaction() as session:
        made = services.issue_invoices(session, SYSTEM, [_request(n) for n in range(3)])
        items = {
            item.number: item.id
            for item in session.scalars(
                select(TrackedItem).where(TrackedItem.number.in_([m.number for m in made]))
            )
        }
        table = TrackedItem.__table__
        session.execute(update(table).where(table.c.id.in_(items.values())).values(reference=""))
        pairs = [(items[m.number], m.id) for m in reversed(made)]  # not an ascending run
        services._link_files(session, [p[0] for p in pairs], [p[1] for p in pairs])
        session.expire_all()
        for m in made:
            item = session.get(TrackedItem, items[m.number])
            assert item.reference == f"billing_invoice:{m.id}"

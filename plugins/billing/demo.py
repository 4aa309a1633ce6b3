"""The billing demo: a year of KTP fees and permit levies, paid in cash and through the demo bank.

Cashiers at two kecamatan and at the one-stop office (BPT) open a session
on working days, take cash, close with the counted cash (now and then a
little short), and the treasurer closes each day with its deposit slip.
About a fifth of the bills go through the demo bank (virtual account or
QRIS, with signed callbacks), a few are refunded or cancelled with a
supervisor's approval, and some stay unpaid, so the arrears report has
something in every age bucket. Today is left open for the trainer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    OrgUnit,
    OrgUnitKind,
    Resident,
    actor_of,
    add_staff,
    grant_staff_role,
    staff_username,
)
from pamong_plugins.billing import services
from pamong_plugins.billing.demo_channel import bank_pay, notification_for
from pamong_plugins.billing.models import BillingInvoice, BillingRevenueAccount
from pamong_plugins.billing.settings import DEFAULT_ACCOUNT_NAMES, channel_secret

#: Permit levies of the demo (description, amount, account code).
LEVIES = (
    ("Retribusi Persetujuan Bangunan Gedung (PBG)", 1_250_000, "4.1.02.03.01.0001"),
    ("Retribusi Persetujuan Bangunan Gedung (PBG) rumah tinggal", 450_000, "4.1.02.03.01.0001"),
    ("Retribusi izin trayek", 150_000, "4.1.02.03.01.0002"),
    ("Retribusi penggunaan tenaga kerja asing (perpanjangan)", 2_400_000, "4.1.02.03.01.0003"),
)
ACCOUNTS = {
    **DEFAULT_ACCOUNT_NAMES,
    "4.1.02.03.01.0002": "Retribusi Izin Trayek",
    "4.1.02.03.01.0003": "Retribusi Perpanjangan IMTA",
    "4.1.02.01.01.0003": "Denda Retribusi",
}
KTP_FEE = 5_000
DAYS = 365
EVERY = 4  # a working day with billing activity every few days


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of the regency's day (WIB is UTC+7) as UTC."""
    return datetime.combine(day, time(hour, minute), UTC) - timedelta(hours=7)


def _residents(session: Session, count: int) -> list[Resident]:
    return list(session.scalars(select(Resident).order_by(Resident.id).limit(count)))


def _pay_by_bank(session: Session, number: str, at: datetime, rng: Any, kind: str) -> None:
    bills = [b for b in services.open_channel_bills(session, services.SYSTEM, number, now=at)]
    bill = next((b for b in bills if b.kind == kind), bills[0])
    paid = bank_pay(session, bill.reference, now=at + timedelta(minutes=rng.randint(5, 300)))
    body, headers = notification_for(paid, secret=channel_secret("demo"), now=paid.paid_at)
    services.handle_callback(
        session,
        "demo",
        method="POST",
        path="/api/v1/billing/channels/demo/callback",
        body=body,
        headers=headers,
        now=paid.paid_at,
    )


def _request(
    levy: bool, unit: OrgUnit, person: Resident, day: date, serial: int, rng: Any
) -> services.InvoiceRequest:
    """A permit levy at the one-stop office, else a KTP fee at a kecamatan counter."""
    if levy:
        text, amount, code = rng.choice(LEVIES)
        source = "licensing"
        payer = services.Payer("business", f"CV {person.name.split()[0]} Mandiri", "")
        lines = (services.Line(text, amount, account_code=code),)
        due = day + timedelta(days=30)
    else:
        source = "ktp"
        payer = services.Payer("resident", person.name, f"resident:{person.id}", person.nik)
        lines = (services.Line("Penggantian biaya cetak KTP-el", KTP_FEE),)
        due = day
    return services.InvoiceRequest(
        source=source,
        reference=f"demo:{source}:{serial}",
        unit_code=unit.code,
        payer=payer,
        lines=lines,
        due_date=due,
        description=lines[0].description,
    )


def seed(session: Session, context: Any) -> None:
    """Add the billing demo: staff, accounts, a year of bills and payments."""
    rng = context.rng
    for code, name in ACCOUNTS.items():
        session.add(BillingRevenueAccount(code=code, name=name))
    bpt = context.offices["BPT"]
    counters = [bpt, *context.kecamatan[:2]]
    cashiers = {}
    for unit in counters:
        username = f"kasir.{staff_username(unit.name if unit is not bpt else 'bpt')}"
        add_staff(session, context, username, f"Kasir {unit.name}", "billing_cashier", unit)
        cashiers[unit.id] = username
    add_staff(
        session, context, "bendahara", "Bendahara Penerimaan", "billing_treasurer", context.root
    )
    add_staff(session, context, "spv.kasir", "Supervisor Kasir", "billing_supervisor", context.root)
    grant_staff_role(session, context, "bupati", "billing_report", context.root)
    if "bpt.kepala" in context.staff:  # the licensing demo's head of office
        grant_staff_role(session, context, "bpt.kepala", "billing_report", bpt)
    session.flush()

    people = _residents(session, 400)
    if not people:
        return
    channels = {c.name for c in services.channel_infos(session)}
    supervisor = actor_of(session, "spv.kasir")
    treasurer = actor_of(session, "bendahara")
    today = context.today
    unpaid: list[str] = []
    refunds = 0
    serial = 0
    for back in range(DAYS, 0, -EVERY):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        for unit in counters:
            cashier = actor_of(session, cashiers[unit.id])
            opened = _utc(day, 8, rng.randint(0, 20))
            services.open_cashier_session(
                session, cashier, unit_code=unit.code, opening_float=200_000, now=opened
            )
            # The day's bills are issued in one batch, the cash taken in another.
            requests, moments, rolls = [], [], []
            for n in range(rng.randint(2, 5)):
                serial += 1
                person = rng.choice(people)
                moments.append(opened + timedelta(minutes=30 + 25 * n + rng.randint(0, 20)))
                rolls.append(rng.random())
                requests.append(_request(unit is bpt, unit, person, day, serial, rng))
            made = services.issue_invoices(session, services.SYSTEM, requests, now=moments[0])
            cash: list[services.CashPayment] = []
            for invoice, request, at, roll in zip(made, requests, moments, rolls, strict=True):
                if roll < 0.10 and back > 3:
                    unpaid.append(invoice.number)
                elif roll < 0.30 and "demo" in channels:
                    _pay_by_bank(session, invoice.number, at, rng, rng.choice(("va", "qris")))
                else:
                    full = roll > 0.35 or invoice.total < 100_000
                    cash.append(
                        services.CashPayment(
                            invoice.number,
                            invoice.total if full else invoice.total // 2,
                            request.payer.name,
                            at + timedelta(minutes=2),
                        )
                    )
            receipts = services.pay_cash_many(session, cashier, cash)
            for payment, receipt in zip(cash, receipts, strict=True):
                if refunds < 4 and rng.random() < 0.03:
                    refunds += 1
                    row = services.request_change(
                        session,
                        cashier,
                        kind="refund",
                        invoice_number=payment.invoice_number,
                        payment_number=receipt,
                        reason="Pemohon membatalkan permohonan",
                    )
                    services.decide_request(
                        session,
                        supervisor,
                        row.id,
                        approve=True,
                        now=payment.paid_at + timedelta(hours=1),
                    )
            short = -500 if rng.random() < 0.1 else 0
            taken = sum(p.amount for p in cash)
            services.close_cashier_session(
                session, cashier, counted_cash=200_000 + taken + short, now=_utc(day, 15, 30)
            )
        for unit in counters:
            services.close_day(session, treasurer, unit_code=unit.code, day=day, now=_utc(day, 16))
    _a_cancellation_and_a_waiver(session, context, supervisor, cashiers, counters)
    if unpaid:
        sample = services.invoice_status(session, unpaid[-1])
        context.samples["billing_check"] = (
            f"/billing/check?number={sample.number}&code={sample.check_code}"
        )


def _a_cancellation_and_a_waiver(
    session: Session,
    context: Any,
    supervisor: Actor,
    cashiers: dict[int, str],
    counters: list[OrgUnit],
) -> None:
    """One bill cancelled and one late fee waived by decree, each approved by the supervisor."""
    unit = counters[1]
    cashier = actor_of(session, cashiers[unit.id])
    desa = session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.kind == OrgUnitKind.DESA.value)
    )
    payer = services.Payer("institution", f"Pemerintah Desa {desa.name if desa else unit.name}")
    wrong = services.create_invoice(
        session,
        services.SYSTEM,
        source="manual",
        reference="demo:manual:1",
        unit_code=unit.code,
        payer=payer,
        lines=[services.Line("Sewa balai pertemuan", 300_000, account_code="4.1.02.01.01.0002")],
    )
    row = services.request_change(
        session,
        cashier,
        kind="cancel",
        invoice_number=wrong.number,
        reason="Salah ketik nama penyewa",
    )
    services.decide_request(session, supervisor, row.id, approve=True)
    late = services.create_invoice(
        session,
        services.SYSTEM,
        source="manual",
        reference="demo:manual:2",
        unit_code=unit.code,
        payer=payer,
        lines=[
            services.Line("Sewa balai pertemuan", 300_000, account_code="4.1.02.01.01.0002"),
            services.Line(
                "Denda keterlambatan", 30_000, account_code="4.1.02.01.01.0003", priority=200
            ),
        ],
        due_date=context.today - timedelta(days=45),
    )
    fine = session.scalar(select(BillingInvoice).where(BillingInvoice.number == late.number)).lines[
        1
    ]
    row = services.request_change(
        session,
        cashier,
        kind="waiver",
        invoice_number=late.number,
        line_id=fine.id,
        amount=0,
        reason="Denda dihapus",
        document_ref="Keputusan Bupati Sragen Nomor 900/12/2026",
    )
    services.decide_request(session, supervisor, row.id, approve=True)

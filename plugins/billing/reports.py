"""Revenue by service, account, unit, channel, day and month; arrears aging; collection rate.

All figures are whole rupiah, scoped to the units where the actor holds
``billing.report`` (or another billing permission). Revenue counts what was
received (confirmed payments, as apportioned over the lines) on the
regency's calendar days.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date
from html import escape

from sqlalchemy import String, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, OrgUnit, _, rupiah
from pamong_plugins.billing.models import (
    OPEN,
    BillingAllocation,
    BillingInvoice,
    BillingInvoiceLine,
    BillingPayment,
    InvoiceStatus,
    PaymentStatus,
)
from pamong_plugins.billing.permissions import READ
from pamong_plugins.billing.services import account_names

GROUPINGS = ("source", "account", "unit", "channel", "day", "month")
BUCKETS = ("0-30", "31-60", "61-90", ">90")


@dataclass(frozen=True)
class RevenueRow:
    key: str
    label: str
    amount: int
    payments: int


@dataclass(frozen=True)
class ArrearsRow:
    payer_kind: str
    bucket: str
    invoices: int
    amount: int


def _scope(actor: Actor, column):
    return or_(*(actor.scope_filter(p, column) for p in READ))


def revenue(
    session: Session, actor: Actor, since: date, until: date, by: str = "source"
) -> list[RevenueRow]:
    """Money received between ``since`` and ``until`` (inclusive), grouped ``by``."""
    if by not in GROUPINGS:
        raise ValueError(by)
    payment_unit = OrgUnit
    key = {
        "source": BillingInvoice.source,
        "account": BillingInvoiceLine.account_code,
        "unit": payment_unit.code,
        "channel": case(
            (BillingPayment.method == "cash", literal("cash")), else_=BillingPayment.channel
        ),
        "day": BillingPayment.day,
        "month": func.substr(cast(BillingPayment.day, String), 1, 7),
    }[by]
    stmt = (
        select(
            key, func.sum(BillingAllocation.amount), func.count(func.distinct(BillingPayment.id))
        )
        .select_from(BillingAllocation)
        .join(BillingPayment, BillingAllocation.payment_id == BillingPayment.id)
        .join(BillingInvoiceLine, BillingAllocation.line_id == BillingInvoiceLine.id)
        .join(BillingInvoice, BillingPayment.invoice_id == BillingInvoice.id)
        .join(payment_unit, BillingPayment.unit_id == payment_unit.id)
        .where(
            BillingPayment.day >= since,
            BillingPayment.day <= until,
            BillingPayment.status.in_(
                [PaymentStatus.CONFIRMED.value, PaymentStatus.REFUNDED.value]
            ),
            _scope(actor, payment_unit.path),
        )
        .group_by(key)
        .order_by(key)
    )
    labels: dict[str, str] = {}
    if by == "account":
        labels = account_names(session)
    elif by == "unit":
        labels = dict(session.execute(select(OrgUnit.code, OrgUnit.name)).all())
    rows = []
    for value, amount, count in session.execute(stmt):
        text = value.isoformat() if isinstance(value, date) else str(value)
        rows.append(RevenueRow(text, labels.get(text, text), int(amount or 0), int(count or 0)))
    return rows


def bucket_of(days_late: int) -> str:
    if days_late <= 30:
        return BUCKETS[0]
    if days_late <= 60:
        return BUCKETS[1]
    if days_late <= 90:
        return BUCKETS[2]
    return BUCKETS[3]


def arrears(session: Session, actor: Actor, today: date) -> list[ArrearsRow]:
    """Unpaid amounts past their due date, by payer group and age (0-30, 31-60, 61-90, >90 days)."""
    stmt = (
        select(
            BillingInvoice.payer_kind,
            BillingInvoice.due_date,
            func.count(BillingInvoice.id),
            func.sum(BillingInvoice.total - BillingInvoice.paid),
        )
        .join(OrgUnit, BillingInvoice.unit_id == OrgUnit.id)
        .where(
            BillingInvoice.status.in_(OPEN),
            BillingInvoice.due_date < today,
            _scope(actor, OrgUnit.path),
        )
        .group_by(BillingInvoice.payer_kind, BillingInvoice.due_date)
    )
    totals: dict[tuple[str, str], list[int]] = {}
    for kind, due, count, amount in session.execute(stmt):
        slot = totals.setdefault((kind, bucket_of((today - due).days)), [0, 0])
        slot[0] += int(count)
        slot[1] += int(amount or 0)
    order = {b: i for i, b in enumerate(BUCKETS)}
    return [
        ArrearsRow(kind, bucket, count, amount)
        for (kind, bucket), (count, amount) in sorted(
            totals.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])
        )
    ]


def collection(session: Session, actor: Actor, since: date, until: date) -> dict[str, object]:
    """Of the invoices due in the period (not cancelled or expired), how much was collected."""
    stmt = (
        select(
            func.count(BillingInvoice.id),
            func.coalesce(func.sum(BillingInvoice.total), 0),
            func.coalesce(func.sum(BillingInvoice.paid - BillingInvoice.refunded), 0),
            func.coalesce(
                func.sum(case((BillingInvoice.status == InvoiceStatus.PAID.value, 1), else_=0)), 0
            ),
        )
        .join(OrgUnit, BillingInvoice.unit_id == OrgUnit.id)
        .where(
            BillingInvoice.due_date >= since,
            BillingInvoice.due_date <= until,
            BillingInvoice.status.not_in(
                [InvoiceStatus.CANCELLED.value, InvoiceStatus.EXPIRED.value]
            ),
            _scope(actor, OrgUnit.path),
        )
    )
    count, billed, collected, paid = session.execute(stmt).one()
    billed, collected = int(billed), int(collected)
    return {
        "invoices": int(count),
        "paid_invoices": int(paid),
        "billed": billed,
        "collected": collected,
        "rate": round(100 * collected / billed, 1) if billed else None,
    }


def to_csv(rows: list[RevenueRow] | list[ArrearsRow]) -> str:
    """Rows as CSV (UTF-8, a header line): opens in Excel and LibreOffice."""
    out = io.StringIO()
    if not rows:
        return ""
    fields = list(asdict(rows[0]))
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([getattr(row, f) for f in fields])
    return out.getvalue()


def bar_chart(
    items: list[tuple[str, int]], *, width: int = 640, bar: int = 22, title: str = ""
) -> str:
    """A horizontal bar chart as inline SVG (no JavaScript; prints and works on slow links)."""
    if not items:
        return ""
    top = max(amount for _label, amount in items) or 1
    label_width, value_width = 190, 130
    space = width - label_width - value_width
    height = 30 + len(items) * (bar + 6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, amount) in enumerate(items):
        y = 20 + index * (bar + 6)
        length = max(1, round(space * amount / top)) if amount > 0 else 0
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * 0.7:.0f}" text-anchor="end" '
            f'font-size="12">{escape(label[:28])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar}" fill="#2f6f5e"/>'
            f'<text x="{label_width + length + 6}" y="{y + bar * 0.7:.0f}" font-size="12">'
            f"{escape(rupiah(int(amount)))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def daily_activity(session: Session, unit: OrgUnit, day: date) -> list[dict[str, object]]:
    """Facts for a unit's daily report (Kantaya): receipts taken and their total."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(BillingPayment.amount), 0)).where(
            BillingPayment.day == day,
            BillingPayment.unit_id.in_(
                select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path, autoescape=True))
            ),
        )
    ).one()
    if not count:
        return []
    return [
        {"source": "billing", "label": _("Payments received"), "value": count},
        {"source": "billing", "label": _("Amount received"), "value": rupiah(int(total))},
    ]

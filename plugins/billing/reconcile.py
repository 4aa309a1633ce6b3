"""Bank statement reconciliation: match statement lines to channel payments, list the rest.

The statement is a CSV with a header line and the columns ``date``,
``reference`` (the virtual account number, the bank's transaction id or
the bill reference) and ``amount``; ``description`` is optional. ``,`` or
``;`` separate the columns; amounts may be written ``150000``,
``150.000``, ``150,000`` or ``150000.00``. A bad line is reported by its
number and the rest is still read.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, InvalidInput, OrgUnit, _, audit, csv_dict_reader, require
from pamong_plugins.billing.models import (
    BillingChannelBill,
    BillingPayment,
    BillingReconciliation,
    PaymentStatus,
)
from pamong_plugins.billing.permissions import TREASURER

MAX_ROWS = 100_000
_AMOUNT = (
    (re.compile(r"^\d{1,3}(\.\d{3})+(,00)?$"), lambda s: s.split(",")[0].replace(".", "")),
    (re.compile(r"^\d{1,3}(,\d{3})+(\.00)?$"), lambda s: s.split(".")[0].replace(",", "")),
    (re.compile(r"^\d+([.,]00)?$"), lambda s: re.split(r"[.,]", s)[0]),
)


def parse_amount(text: str) -> int:
    value = text.strip().replace(" ", "").removeprefix("Rp").removeprefix("IDR")
    for pattern, clean in _AMOUNT:
        if pattern.match(value):
            return int(clean(value))
    raise ValueError(f"amount {text!r} is not whole rupiah")


def read_statement(content: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows, problems): rows with line, date, reference, amount, description."""
    reader = csv_dict_reader(content)
    header = {(name or "").strip().lower() for name in reader.fieldnames or []}
    missing = {"date", "reference", "amount"} - header
    if missing:
        raise InvalidInput(
            _("The statement lacks the columns: %(columns)s.", columns=", ".join(sorted(missing))),
            slug="statement-columns",
        )
    rows, problems = [], []
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise InvalidInput(_("At most %(n)d lines per statement.", n=MAX_ROWS), slug="too-long")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            rows.append(
                {
                    "line": number,
                    "date": date.fromisoformat(row["date"][:10]).isoformat(),
                    "reference": row["reference"][:64],
                    "amount": parse_amount(row["amount"]),
                    "description": row.get("description", "")[:200],
                }
            )
        except ValueError as error:
            problems.append(
                {"line": number, "reference": row.get("reference", ""), "reason": str(error)}
            )
    return rows, problems


def reconcile(
    session: Session, actor: Actor, content: str, *, filename: str = ""
) -> BillingReconciliation:
    """Match a statement; store and return what matched, what did not, what is missing."""
    require(actor, TREASURER)
    rows, unmatched = read_statement(content)
    scope = actor.scope_filter(TREASURER, OrgUnit.path)
    matched, seen = 0, set()
    for row in rows:
        ref = row["reference"]
        candidates = session.scalars(
            select(BillingPayment)
            .join(OrgUnit, BillingPayment.unit_id == OrgUnit.id)
            .outerjoin(BillingChannelBill, BillingPayment.channel_bill_id == BillingChannelBill.id)
            .where(
                BillingPayment.method == "channel",
                scope,
                or_(
                    BillingPayment.external_ref == ref,
                    BillingChannelBill.va_number == ref,
                    BillingChannelBill.reference == ref,
                ),
            )
            .order_by(BillingPayment.id)
        ).all()
        hit = next((p for p in candidates if p.amount == row["amount"] and p.id not in seen), None)
        if hit is not None:
            matched += 1
            seen.add(hit.id)
            continue
        reason = _("amount differs") if candidates else _("no payment with this reference")
        unmatched.append({**row, "reason": reason})
    missing = []
    if rows:
        first, last = min(r["date"] for r in rows), max(r["date"] for r in rows)
        for payment in session.scalars(
            select(BillingPayment)
            .join(OrgUnit, BillingPayment.unit_id == OrgUnit.id)
            .where(
                BillingPayment.method == "channel",
                BillingPayment.day >= date.fromisoformat(first),
                BillingPayment.day <= date.fromisoformat(last),
                BillingPayment.status != PaymentStatus.REFUNDED.value,
                scope,
            )
            .order_by(BillingPayment.id)
        ):
            if payment.id not in seen:
                missing.append(
                    {
                        "payment": payment.number,
                        "invoice": payment.invoice.number,
                        "reference": payment.external_ref,
                        "amount": payment.amount,
                        "day": payment.day.isoformat(),
                    }
                )
    record = BillingReconciliation(
        imported_by_id=actor.user_id,
        filename=filename[:200],
        rows=len(rows) + sum(1 for u in unmatched if "amount" not in u),
        matched=matched,
        unmatched=sorted(unmatched, key=lambda u: u["line"]),
        missing=missing,
    )
    session.add(record)
    session.flush()
    audit(
        session,
        actor,
        "billing.reconcile",
        "billing_reconciliation",
        record.id,
        rows=record.rows,
        matched=matched,
        unmatched=len(unmatched),
        missing=len(missing),
    )
    return record

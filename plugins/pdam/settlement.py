"""A bank's settlement file: the water bills it collected, paid in bulk through billing.

The CSV has a header line with ``bill_number,amount,paid_at,bank_reference``
(``paid_at`` a date or a date and time, regency time). Every line is checked
first; the good lines are paid in one call of billing's bulk bank payment
path (:func:`pamong_plugins.billing.services.pay_bank_many`), each booked
once under its bank reference. Bad lines are reported with their line
number and why: an unknown bill, an amount that is not what is due, a bill
already paid, a reference already imported or repeated in the file. A
dry run checks without paying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    InvalidInput,
    OrgUnit,
    _,
    audit,
    csv_dict_reader,
    time_zone,
    utcnow,
)
from pamong_plugins.billing import services as billing
from pamong_plugins.pdam import services
from pamong_plugins.pdam.models import PdamBill, PdamConnection
from pamong_plugins.pdam.permissions import BILLING

COLUMNS = ("bill_number", "amount", "paid_at", "bank_reference")
MAX_LINES = 100_000
MAX_FILE_BYTES = 10 * 1024 * 1024
BANK_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,20}$")
PAYABLE = ("unpaid", "partly_paid")


@dataclass
class SettlementResult:
    """What a settlement file did: lines paid, their total, every refused line and why."""

    bank: str
    dry_run: bool
    paid: int = 0
    total: int = 0
    receipts: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


def channel_of(bank: str) -> str:
    """The billing channel a bank's file payments are booked under (``bank-file:bri``)."""
    return f"bank-file:{bank}"


def _moment(raw: str) -> datetime:
    """A date (noon) or an ISO date and time, in regency time unless it names its offset."""
    raw = raw.strip()
    zone = ZoneInfo(time_zone())
    if len(raw) == 10:
        return datetime.combine(date.fromisoformat(raw), time(12), zone).astimezone(UTC)
    moment = datetime.fromisoformat(raw)
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def import_settlement(
    session: Session,
    actor: Actor,
    text: str,
    *,
    bank: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> SettlementResult:
    """Pay the good lines of a bank's settlement CSV; report every bad line (``pdam.billing``)."""
    services._require(actor, BILLING)
    bank = (bank or "").strip().lower()
    if not BANK_RE.match(bank):
        raise InvalidInput(
            _("A bank is named by a short code (bri, bpd_jateng)."),
            slug="invalid-bank",
            field="bank",
        )
    reader = csv_dict_reader(text)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            _("The CSV lacks the columns: %(cols)s.", cols=", ".join(missing)), slug="invalid-csv"
        )
    rows = []
    for row in reader:
        if len(rows) >= MAX_LINES:
            raise InvalidInput(
                _("A file has at most %(n)d lines.", n=MAX_LINES), slug="file-too-long"
            )
        rows.append((reader.line_num, {k: (row.get(k) or "").strip() for k in COLUMNS}))
    now = now or utcnow()
    channel = channel_of(bank)
    numbers = {r["bill_number"].upper() for _line, r in rows}
    bills = _bills_in_scope(session, actor, numbers)
    statuses = billing.invoice_statuses(session, bills)
    booked = billing.booked_references(session, channel, [r["bank_reference"] for _l, r in rows])
    result = SettlementResult(bank, dry_run)
    good: list[billing.BankPayment] = []
    refs: set[str] = set()
    due: dict[str, int] = {}
    for line, row in rows:
        number, ref = row["bill_number"].upper(), row["bank_reference"][:64]

        def refuse(problem: str, detail: str, line: int = line, number: str = number) -> None:
            result.problems.append(
                {"line": line, "bill_number": number, "problem": problem, "detail": detail}
            )

        if not ref:
            refuse("missing-reference", _("No bank reference."))
            continue
        if ref in refs:
            refuse("duplicate-in-file", _("The bank reference is repeated in this file."))
            continue
        refs.add(ref)
        if ref in booked:
            refuse("already-imported", _("This bank reference is already booked."))
            continue
        invoice = statuses.get(number)
        if invoice is None:
            refuse("unknown-bill", _("No water bill has this number."))
            continue
        if not row["amount"].isdigit() or int(row["amount"]) <= 0:
            refuse("invalid-amount", _("The amount is whole rupiah."))
            continue
        try:
            paid_at = _moment(row["paid_at"])
        except ValueError:
            refuse("invalid-date", _("paid_at is not a date (YYYY-MM-DD or with a time)."))
            continue
        if paid_at > now:
            refuse("invalid-date", _("paid_at is in the future."))
            continue
        left = due.setdefault(number, invoice.outstanding if invoice.status in PAYABLE else 0)
        amount = int(row["amount"])
        if left == 0:
            refuse("already-paid", _("The bill is already paid (or cancelled)."))
            continue
        if amount != left:
            refuse(
                "amount-mismatch",
                _("Paid %(paid)d; %(due)d is due.", paid=amount, due=left),
            )
            continue
        due[number] = 0
        good.append(billing.BankPayment(number, amount, paid_at, ref))
    result.paid = len(good)
    result.total = sum(p.amount for p in good)
    if good and not dry_run:
        result.receipts = billing.pay_bank_many(
            session,
            Actor.system(f"pdam bank file ({actor.username})"),
            good,
            channel=channel,
        )
    if not dry_run:
        audit(
            session,
            actor,
            "pdam.bank_settlement",
            "pdam_bill",
            bank,
            paid=result.paid,
            total=result.total,
            refused=len(result.problems),
        )
    return result


def _bills_in_scope(session: Session, actor: Actor, numbers: set[str]) -> list[str]:
    """The numbers of ``numbers`` that are water bills at a desa where the actor bills."""
    wanted = sorted(numbers - {""})
    found: list[str] = []
    for start in range(0, len(wanted), 500):
        found += session.scalars(
            select(PdamBill.invoice_number)
            .join(PdamConnection, PdamConnection.id == PdamBill.connection_id)
            .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
            .where(
                PdamBill.invoice_number.in_(wanted[start : start + 500]),
                actor.scope_filter(BILLING, OrgUnit.path),
            )
        )
    return found

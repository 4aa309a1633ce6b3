"""Billing's rules, and the public function API other plugins use.

Other plugins (water, hospital) import this module and nothing else of
billing: :func:`create_invoice`, :func:`issue_invoices` (many in one go),
:func:`invoice_statuses`, :func:`add_lines`, :func:`cancel_invoice`,
:func:`invoice_status`, :func:`invoice_for`, the records (:class:`Payer`,
:class:`Line`, :class:`InvoiceInfo`) and, for payment-channel authors,
:class:`PaymentChannel` with its records. Everything is in ``__all__``.

Rules kept here: one active invoice per (source, reference, period), also
under concurrency (a partial unique index); payments lock their invoice row,
so two cashiers never both take the last rupiah; partial payments are
apportioned over the lines by priority, oldest period first; every money
movement is a ledger entry; cancellations, refunds, waivers and amendments
need a second person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    DocumentToIssue,
    FeeDue,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    OrgUnitKind,
    PamongError,
    Resident,
    TrackedItem,
    Unauthorized,
    User,
    _,
    actor_of,
    audit,
    clean_nik,
    hook_relay,
    insert_many,
    insert_rows,
    issue_document,
    issue_documents,
    mask_name,
    move_items,
    move_to,
    open_item,
    open_items,
    time_zone,
    utcnow,
)
from pamong_plugins.billing import ledger
from pamong_plugins.billing.ledger import Movement
from pamong_plugins.billing.models import (
    ACTIVE,
    OPEN,
    BillingAllocation,
    BillingCallback,
    BillingCashierSession,
    BillingChannelBill,
    BillingCounter,
    BillingDayClosing,
    BillingInvoice,
    BillingInvoiceLine,
    BillingPayment,
    BillingRequest,
    BillingRevenueAccount,
    InvoiceStatus,
    PaymentStatus,
    RequestKind,
    RequestStatus,
)
from pamong_plugins.billing.permissions import (
    CASHIER,
    INVOICE_FILE,
    READ,
    RECEIPT,
    SUPERVISOR,
    TREASURER,
)
from pamong_plugins.billing.records import (
    PAYER_KINDS,
    BankPayment,
    CashPayment,
    ChannelBill,
    ChannelInfo,
    ChannelNotification,
    ChannelStatus,
    InvoiceInfo,
    InvoiceRequest,
    Line,
    Payer,
    PaymentChannel,
    RequestInfo,
    snap_signature,
    snap_string_to_sign,
)
from pamong_plugins.billing.settings import channel_secret, settings

__all__ = [
    "BankPayment",
    "CashPayment",
    "ChannelBill",
    "ChannelInfo",
    "ChannelNotification",
    "ChannelStatus",
    "InvoiceInfo",
    "InvoiceRequest",
    "Line",
    "Payer",
    "PaymentChannel",
    "RequestInfo",
    "add_lines",
    "booked_references",
    "cancel_invoice",
    "close_cashier_session",
    "create_invoice",
    "invoice_for",
    "invoice_status",
    "invoice_statuses",
    "issue_invoices",
    "open_cashier_session",
    "pay_bank_many",
    "pay_cash",
    "pay_cash_many",
    "request_refund",
    "request_statuses",
    "snap_signature",
    "snap_string_to_sign",
]

MAX_AMOUNT = 10**13  # ten trillion rupiah: more is a typo
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CURRENCY = "IDR"
SYSTEM = Actor.system("billing")


# --- small helpers -------------------------------------------------------------


def _money(value: Any, what: str, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            _("%(what)s must be whole rupiah.", what=what), slug="invalid-amount", field=what
        )
    low = 0 if allow_zero else 1
    if not low <= value <= MAX_AMOUNT:
        raise InvalidInput(
            _(
                "%(what)s must be between %(low)d and %(high)d rupiah.",
                what=what,
                low=low,
                high=MAX_AMOUNT,
            ),
            slug="invalid-amount",
            field=what,
        )
    return value


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def local_day(moment: datetime) -> date:
    """The regency's calendar day of an aware moment."""
    return moment.astimezone(ZoneInfo(time_zone())).date()


def next_number(session: Session, kind: str, year: int, count: int = 1) -> int:
    """The next number of ``kind`` (``KWT``, ``STS``) in ``year``; safe under concurrency.

    The atomic UPDATE locks the counter row until commit; the year's first
    number creates it (a racing creator counts on from the winner's row).
    ``count`` reserves that many numbers and returns the last of them.
    """
    bump = (
        update(BillingCounter)
        .where(BillingCounter.kind == kind, BillingCounter.year == year)
        .values(last=BillingCounter.last + count)
        .returning(BillingCounter.last)
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is not None:
        return last
    try:
        with session.begin_nested():
            session.execute(insert(BillingCounter).values(kind=kind, year=year, last=count))
        return count
    except IntegrityError:
        return session.execute(bump).scalar_one()


def _unit(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise InvalidInput(_("No org unit has the code %(code)s.", code=code), slug="unknown-unit")
    return unit


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    target_kind: str,
    ident: Any,
    unit_id: int | None,
    /,
    **data: Any,
) -> None:
    audit(session, actor, f"billing.{action}", target_kind, ident, org_unit_id=unit_id, **data)


def _require(actor: Actor, permission: str, unit: OrgUnit | None) -> None:
    if not actor.can(permission, unit):
        raise Forbidden(
            _("You need the permission %(permission)s here.", permission=repr(permission)),
            permission=permission,
        )


def can_read(actor: Actor, unit: OrgUnit) -> bool:
    return any(actor.can(p, unit) for p in READ)


def account_names(session: Session) -> dict[str, str]:
    from pamong_plugins.billing.settings import DEFAULT_ACCOUNT_NAMES

    names = dict(DEFAULT_ACCOUNT_NAMES)
    names.update(
        dict(session.execute(select(BillingRevenueAccount.code, BillingRevenueAccount.name)).all())
    )
    return names


def info(invoice: BillingInvoice, *, created: bool = False) -> InvoiceInfo:
    """The public record of an invoice (no payer data)."""
    return InvoiceInfo(
        id=invoice.id,
        number=invoice.number,
        check_code=invoice.check_code,
        source=invoice.source,
        reference=invoice.reference,
        period=invoice.period,
        status=invoice.status,
        total=invoice.total,
        paid=invoice.paid,
        due_date=invoice.due_date,
        unit_code=invoice.unit.code,
        tracking_number=invoice.tracking_number,
        paid_at=invoice.paid_at,
        created=created,
    )


def _tracked(session: Session, invoice: BillingInvoice) -> TrackedItem | None:
    return session.scalar(select(TrackedItem).where(TrackedItem.number == invoice.number))


def _track(
    session: Session, actor: Actor, invoice: BillingInvoice, now: datetime | None = None
) -> None:
    """Move the invoice's tracked file to its status (final statuses close it)."""
    item = _tracked(session, invoice)
    if item is None or item.stage == invoice.status or item.closed_at is not None:
        return
    final = invoice.status not in OPEN
    move_to(session, actor, item, INVOICE_FILE, invoice.status, close=final, now=now)


# --- invoices --------------------------------------------------------------------


def _lock_invoice(session: Session, number: str) -> BillingInvoice:
    """The invoice, its row locked until commit (PostgreSQL; SQLite serialises writers)."""
    invoice = session.scalar(
        select(BillingInvoice)
        .where(BillingInvoice.number == (number or "").strip().upper())
        .with_for_update(of=BillingInvoice)
        .execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound(
            _("No invoice has the number %(number)s.", number=number), slug="invoice-not-found"
        )
    return invoice


def _active(session: Session, source: str, reference: str, period: str) -> BillingInvoice | None:
    return session.scalar(
        select(BillingInvoice).where(
            BillingInvoice.source == source,
            BillingInvoice.reference == reference,
            BillingInvoice.period == period,
            _is_active(),
        )
    )


def _is_active() -> ColumnElement[bool]:
    """An active invoice's status, the statuses written out rather than bound.

    SQLite then finds an invoice by (source, reference, period) through the
    partial unique index of the active invoices; with bound statuses it
    cannot tell the index applies and scans every unpaid invoice.
    """
    return BillingInvoice.status.in_(
        bindparam("active", ACTIVE, expanding=True, literal_execute=True)
    )


def _check_lines(lines: Sequence[Line]) -> None:
    if not lines:
        raise InvalidInput(_("An invoice needs at least one line."), slug="no-lines")
    if len(lines) > 200:
        raise InvalidInput(_("An invoice has at most 200 lines."), slug="too-many-lines")
    for line in lines:
        amount = line.amount
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
            _money(amount, _("The line amount"))  # raises (translated only when needed)
        if not _text(line.description, 300):
            raise InvalidInput(_("Every line needs a description."), slug="line-description")


def _line_values(
    session: Session,
    source: str,
    period: str,
    lines: Sequence[Line],
    unit: OrgUnit,
    start: int,
    units: dict[str, OrgUnit] | None = None,
) -> list[dict[str, Any]]:
    """The column values of an invoice's new lines (``units`` caches the line units by code)."""
    conf = settings()
    default_code = conf["fee_accounts"].get(source, conf["default_account"])
    units = units if units is not None else {}
    values = []
    for offset, line in enumerate(lines):
        if line.unit_code and line.unit_code not in units:
            units[line.unit_code] = _unit(session, line.unit_code)
        values.append(
            {
                "seq": start + offset,
                "description": _text(line.description, 300),
                "account_code": _text(line.account_code, 40) or default_code,
                "unit_id": units[line.unit_code].id if line.unit_code else unit.id,
                "period": _text(line.period, 20) or period,
                "priority": int(line.priority),
                "original_amount": line.amount,
                "amount": line.amount,
                "paid": 0,
            }
        )
    return values


def _per_account(lines: Iterable[dict[str, Any]]) -> dict[tuple[str, int], int]:
    """An invoice's line amounts summed per (account code, unit), in line order.

    A bulk issue books one ledger entry per revenue account and unit of an
    invoice, not one per line: the balances are the same, and a bill run
    writes a fifth of the entries (a water bill has five or six lines).
    """
    sums: dict[tuple[str, int], int] = {}
    for line in lines:
        key = (line["account_code"], line["unit_id"])
        sums[key] = sums.get(key, 0) + line["amount"]
    return sums


def _make_lines(
    session: Session, invoice: BillingInvoice, lines: Sequence[Line], unit: OrgUnit, start: int
) -> list[BillingInvoiceLine]:
    made = []
    for values in _line_values(session, invoice.source, invoice.period, lines, unit, start):
        row = BillingInvoiceLine(**values)
        invoice.lines.append(row)
        made.append(row)
    return made


def _book_lines(
    session: Session,
    actor: Actor,
    invoice: BillingInvoice,
    lines: Iterable[BillingInvoiceLine],
    at: datetime,
) -> None:
    ledger.append(
        session,
        actor,
        [
            Movement(
                "invoice",
                "receivable",
                f"revenue:{line.account_code}",
                line.amount,
                invoice_id=invoice.id,
                unit_id=line.unit_id,
                account_code=line.account_code,
                memo=invoice.number,
            )
            for line in lines
        ],
        at=at,
    )


def new_check_code() -> str:
    """Six characters for the public check, printed on the bill (no 0/O or 1/I)."""
    bits = secrets.randbits(30)  # 32 letters: five random bits each, one call for the six
    return "".join(CHECK_ALPHABET[(bits >> shift) & 31] for shift in range(0, 30, 5))


def create_invoice(
    session: Session,
    actor: Actor,
    *,
    source: str,
    reference: str,
    unit_code: str,
    payer: Payer,
    lines: Sequence[Line],
    period: str = "",
    due_date: date | None = None,
    description: str = "",
    legal_basis: str = "",
    tracking_number: str = "",
    now: datetime | None = None,
) -> InvoiceInfo:
    """Issue an invoice, or return the active one for (source, reference, period).

    A retried or double-clicked request never bills twice: the second call
    returns the first invoice with ``created=False`` (a database index keeps
    this true when both calls run at the same moment).
    """
    source = _text(source, 40)
    reference = _text(reference, 100)
    period = _text(period, 20)
    if not source or not reference:
        raise InvalidInput(
            _("An invoice needs its source and reference."), slug="invalid-reference"
        )
    if payer.kind not in PAYER_KINDS:
        raise InvalidInput(
            _("The payer is one of: %(kinds)s.", kinds=", ".join(PAYER_KINDS)), slug="invalid-payer"
        )
    _check_lines(lines)
    unit = _unit(session, unit_code)
    if not actor.is_system:
        _require(actor, CASHIER, unit)
    existing = _active(session, source, reference, period)
    if existing is not None:
        return info(existing)
    now = now or utcnow()
    today = local_day(now)
    due = due_date or today
    nik = clean_nik(payer.nik) if payer.nik else ""
    if nik and (len(nik) != 16 or not nik.isdigit()):
        raise InvalidInput(_("A NIK has 16 digits."), slug="invalid-nik")
    invoice = BillingInvoice(
        check_code=new_check_code(),
        source=source,
        reference=reference,
        period=period,
        unit=unit,
        unit_id=unit.id,
        payer_kind=payer.kind,
        payer_ref=_text(payer.ref, 100),
        payer_name=_text(payer.name, 200),
        payer_nik=nik,
        description=_text(description, 300) or _text(lines[0].description, 300),
        legal_basis=_text(legal_basis, 200),
        tracking_number=_text(tracking_number, 30),
        currency=CURRENCY,
        status=InvoiceStatus.UNPAID.value,
        due_date=due,
        expires_on=due + timedelta(days=settings()["reissue_after_days"]),
        issued_at=now,
        issued_by_id=actor.user_id,
    )
    try:
        with session.begin_nested():
            item = open_item(session, actor, INVOICE_FILE, unit, now=now)
            invoice.number = item.number
            made = _make_lines(session, invoice, lines, unit, 1)
            invoice.total = sum(line.amount for line in made)
            session.add(invoice)
            session.flush()
            item.reference = f"billing_invoice:{invoice.id}"
    except IntegrityError:  # another request issued it a moment ago
        existing = _active(session, source, reference, period)
        if existing is None:
            raise
        return info(existing)
    _book_lines(session, actor, invoice, made, now)
    _audit(
        session,
        actor,
        "invoice.create",
        "billing_invoice",
        invoice.number,
        unit.id,
        source=source,
        reference=reference,
        total=invoice.total,
    )
    return info(invoice, created=True)


def _link_files(session: Session, item_ids: list[int], invoice_ids: list[int]) -> None:
    """Point each tracked file at its invoice (``billing_invoice:<id>``), pairwise.

    Files and invoices inserted in one statement each usually get two runs
    of consecutive ids: then one UPDATE over the id range (the invoice id
    is the file's plus a constant) does it; otherwise one row at a time.
    """
    table = TrackedItem.__table__
    first, offset = item_ids[0], invoice_ids[0] - item_ids[0]
    if item_ids == list(range(first, first + len(item_ids))) and invoice_ids == list(
        range(first + offset, first + offset + len(invoice_ids))
    ):
        session.execute(
            update(table)
            .where(table.c.id.between(first, item_ids[-1]))
            .values(reference="billing_invoice:" + cast(table.c.id + offset, String))
        )
        return
    session.execute(
        update(table).where(table.c.id == bindparam("item_id")).values(reference=bindparam("ref")),
        [
            {"item_id": item_id, "ref": f"billing_invoice:{invoice_id}"}
            for item_id, invoice_id in zip(item_ids, invoice_ids, strict=True)
        ],
    )


def issue_invoices(
    session: Session,
    actor: Actor,
    requests: Sequence[InvoiceRequest],
    *,
    now: datetime | None = None,
) -> list[InvoiceInfo]:
    """Issue many invoices in the caller's transaction (a monthly bill run).

    The same rules as :func:`create_invoice`, one answer per request in
    order: an active invoice for a (source, reference, period) is returned
    with ``created=False`` instead of billing twice. Every request is checked
    before anything is written, so one bad request issues nothing
    (``InvalidInput`` naming its position). Existing invoices are looked up
    in one query, the lines inserted in bulk, the ledger appended once (one
    entry per invoice and revenue account and unit, not per line: the same
    balances) and one audit record written for the batch.
    """
    if not requests:
        return []
    # Every unit of the batch in one query (a bill run covers every desa).
    units: dict[str, OrgUnit] = {
        unit.code: unit
        for unit in session.scalars(
            select(OrgUnit).where(OrgUnit.code.in_({req.unit_code for req in requests}))
        )
    }
    clean: list[tuple[InvoiceRequest, str, str, str, str]] = []
    checked: set[int] = set()  # ids of line tuples checked (the requests keep them alive)
    for position, req in enumerate(requests, 1):
        source, reference = _text(req.source, 40), _text(req.reference, 100)
        period = _text(req.period, 20)
        try:
            if not source or not reference:
                raise InvalidInput(
                    _("An invoice needs its source and reference."), slug="invalid-reference"
                )
            if req.payer.kind not in PAYER_KINDS:
                raise InvalidInput(
                    _("The payer is one of: %(kinds)s.", kinds=", ".join(PAYER_KINDS)),
                    slug="invalid-payer",
                )
            if id(req.lines) not in checked:  # a bill run shares the lines of a tariff
                _check_lines(req.lines)
                checked.add(id(req.lines))
            nik = clean_nik(req.payer.nik) if req.payer.nik else ""
            if nik and (len(nik) != 16 or not nik.isdigit()):
                raise InvalidInput(_("A NIK has 16 digits."), slug="invalid-nik")
            if req.unit_code not in units:
                _unit(session, req.unit_code)  # names the unknown code
            if not actor.is_system:
                _require(actor, CASHIER, units[req.unit_code])
        except InvalidInput as error:
            raise InvalidInput(
                _("Invoice %(position)d: %(problem)s", position=position, problem=error.detail),
                slug=error.slug,
            ) from None
        clean.append((req, source, reference, period, nik))
    existing: dict[tuple[str, str, str], BillingInvoice] = {}
    keys = {(c[1], c[2], c[3]) for c in clean}
    sources = sorted({k[0] for k in keys})
    references = sorted({k[1] for k in keys})
    periods = sorted({k[2] for k in keys})  # not last month's invoices of the same references
    for start in range(0, len(references), 500):
        for row in session.scalars(
            select(BillingInvoice).where(
                BillingInvoice.source.in_(sources),
                BillingInvoice.reference.in_(references[start : start + 500]),
                BillingInvoice.period.in_(periods),
                _is_active(),
            )
        ):
            if (row.source, row.reference, row.period) in keys:
                existing[(row.source, row.reference, row.period)] = row
    now = now or utcnow()
    today = local_day(now)
    reissue = timedelta(days=settings()["reissue_after_days"])
    answers: list[InvoiceInfo | int] = []  # an int: the position of a new invoice
    new: list[tuple[InvoiceRequest, str, str, str, str]] = []
    positions: dict[tuple[str, str, str], int] = {}
    for entry in clean:
        key = entry[1:4]
        if key in existing:
            answers.append(info(existing[key]))
        elif key in positions:  # a repeated request in the batch gets the same invoice
            answers.append(positions[key])
        else:
            positions[key] = len(new)
            answers.append(len(new))
            new.append(entry)
    if not new:
        return [a for a in answers if isinstance(a, InvoiceInfo)]
    # Written in bulk (multi-row inserts, no ORM objects): a bill run issues thousands.
    opened = open_items(
        session, actor, INVOICE_FILE, [units[entry[0].unit_code] for entry in new], now=now
    )
    invoice_rows: list[dict[str, Any]] = []
    line_rows: list[list[dict[str, Any]]] = []
    made_lines: dict[tuple[int, str, str, int], list[dict[str, Any]]] = {}  # shared, read-only
    for (req, source, reference, period, nik), item in zip(new, opened, strict=True):
        unit = units[req.unit_code]
        shared = (id(req.lines), source, period, unit.id)
        if shared not in made_lines:
            made_lines[shared] = _line_values(session, source, period, req.lines, unit, 1, units)
        lines = made_lines[shared]
        due = req.due_date or today
        line_rows.append(lines)
        invoice_rows.append(
            {
                "number": item.number,
                "check_code": new_check_code(),
                "source": source,
                "reference": reference,
                "period": period,
                "unit_id": unit.id,
                "payer_kind": req.payer.kind,
                "payer_ref": _text(req.payer.ref, 100),
                "payer_name": _text(req.payer.name, 200),
                "payer_nik": nik,
                "description": _text(req.description, 300) or _text(req.lines[0].description, 300),
                "legal_basis": _text(req.legal_basis, 200),
                "tracking_number": "",
                "currency": CURRENCY,
                "status": InvoiceStatus.UNPAID.value,
                "total": sum(line["amount"] for line in lines),
                "paid": 0,
                "refunded": 0,
                "due_date": due,
                "expires_on": due + reissue,
                "issued_at": now,
                "issued_by_id": actor.user_id,
            }
        )
    ids = insert_many(session, BillingInvoice, invoice_rows, key="number")
    insert_rows(
        session,
        BillingInvoiceLine,  # no ORM bookkeeping; COPY on PostgreSQL
        [
            {**line, "invoice_id": invoice_id}
            for invoice_id, lines in zip(ids, line_rows, strict=True)
            for line in lines
        ],
    )
    _link_files(session, [item.id for item in opened], ids)
    ledger.append(
        session,
        actor,
        [
            Movement(
                "invoice",
                "receivable",
                f"revenue:{account_code}",
                amount,
                invoice_id=invoice_id,
                unit_id=unit_id,
                account_code=account_code,
                memo=row["number"],
            )
            for invoice_id, row, lines in zip(ids, invoice_rows, line_rows, strict=True)
            for (account_code, unit_id), amount in _per_account(lines).items()
        ],
        at=now,
    )
    _audit(
        session,
        actor,
        "invoice.create_batch",
        "billing_invoice",
        invoice_rows[0]["number"],
        invoice_rows[0]["unit_id"],
        count=len(invoice_rows),
        last=invoice_rows[-1]["number"],
        total=sum(row["total"] for row in invoice_rows),
    )
    codes = {unit.id: unit.code for unit in units.values()}
    made = [
        InvoiceInfo(
            id=invoice_id,
            number=row["number"],
            check_code=row["check_code"],
            source=row["source"],
            reference=row["reference"],
            period=row["period"],
            status=row["status"],
            total=row["total"],
            paid=0,
            due_date=row["due_date"],
            unit_code=codes[row["unit_id"]],
            tracking_number="",
            paid_at=None,
            created=True,
        )
        for invoice_id, row in zip(ids, invoice_rows, strict=True)
    ]
    return [a if isinstance(a, InvoiceInfo) else made[a] for a in answers]


def invoice_statuses(session: Session, numbers: Iterable[str]) -> dict[str, InvoiceInfo]:
    """The public records of many invoices by number (unknown numbers are left out).

    For a plugin's arrears lists (no permission check, no payer data).
    """
    wanted = sorted({(n or "").strip().upper() for n in numbers} - {""})
    found: dict[str, InvoiceInfo] = {}
    for start in range(0, len(wanted), 500):
        for invoice in session.scalars(
            select(BillingInvoice).where(BillingInvoice.number.in_(wanted[start : start + 500]))
        ):
            found[invoice.number] = info(invoice)
    return found


def invoice_from_fee(session: Session, fee: FeeDue) -> InvoiceInfo | None:
    """Turn an announced fee into an invoice (``pamong_on_fee_due``); free fees are skipped."""
    if not isinstance(fee.amount, int) or fee.amount <= 0:
        return None
    payer = payer_from_ref(session, fee.source, fee.payer_ref, fee.payer_name)
    return create_invoice(
        session,
        SYSTEM,
        source=fee.source,
        reference=fee.reference,
        unit_code=fee.unit_code,
        payer=payer,
        lines=[Line(fee.description or fee.reference, fee.amount)],
        due_date=fee.due_date,
        description=fee.description,
        legal_basis=fee.legal_basis,
        tracking_number=fee.tracking_number,
    )


def payer_from_ref(session: Session, source: str, ref: str, name: str = "") -> Payer:
    """A payer from a fee's ``payer_ref``: residents are looked up in the registry."""
    kind, _sep, ident = (ref or "").partition(":")
    if kind == "resident" and ident.isdigit():
        resident = session.get(Resident, int(ident))
        if resident is not None:
            return Payer("resident", name or resident.name, ref, resident.nik)
    group = settings()["payer_kinds"].get(source, "other")
    return Payer(group if group in PAYER_KINDS else "other", name or ref, ref)


def get_invoice(session: Session, actor: Actor, number: str) -> BillingInvoice:
    """One invoice (404 outside the actor's units)."""
    invoice = session.scalar(
        select(BillingInvoice).where(BillingInvoice.number == (number or "").strip().upper())
    )
    if invoice is None or not (actor.is_system or can_read(actor, invoice.unit)):
        raise NotFound(
            _("No invoice has the number %(number)s.", number=number), slug="invoice-not-found"
        )
    return invoice


def invoice_status(session: Session, number: str) -> InvoiceInfo:
    """The invoice's public record by number (for other plugins; no permission check)."""
    invoice = session.scalar(select(BillingInvoice).where(BillingInvoice.number == number))
    if invoice is None:
        raise NotFound(
            _("No invoice has the number %(number)s.", number=number), slug="invoice-not-found"
        )
    return info(invoice)


def invoice_for(
    session: Session, source: str, reference: str, period: str = ""
) -> InvoiceInfo | None:
    """The active invoice for a source's record, or None (what a plugin asks before printing)."""
    invoice = _active(session, source, reference, period)
    return info(invoice) if invoice is not None else None


def add_lines(
    session: Session,
    actor: Actor,
    number: str,
    lines: Sequence[Line],
    *,
    now: datetime | None = None,
) -> InvoiceInfo:
    """Add lines to an invoice nobody has paid anything on yet."""
    _check_lines(lines)
    invoice = _lock_invoice(session, number)
    if not actor.is_system:
        _require(actor, CASHIER, invoice.unit)
    if invoice.status != InvoiceStatus.UNPAID or invoice.paid:
        raise Conflict(_("Lines can be added only while nothing is paid."), slug="invoice-not-open")
    now = now or utcnow()
    made = _make_lines(session, invoice, lines, invoice.unit, len(invoice.lines) + 1)
    invoice.total += sum(line.amount for line in made)
    session.flush()
    _book_lines(session, actor, invoice, made, now)
    _close_channel_bills(session, actor, invoice, keep=None)  # the amount changed: new codes
    _audit(
        session,
        actor,
        "invoice.add_lines",
        "billing_invoice",
        invoice.number,
        invoice.unit_id,
        total=invoice.total,
    )
    return info(invoice)


def cancel_invoice(session: Session, actor: Actor, number: str, *, reason: str) -> InvoiceInfo:
    """Cancel an unpaid invoice at once: for the plugin that issued it (a system actor).

    Staff cancel through :func:`request_change` and a supervisor's approval.
    """
    if not actor.is_system:
        raise Forbidden(
            _("Staff ask for a cancellation; a supervisor approves it."), slug="needs-approval"
        )
    invoice = _lock_invoice(session, number)
    _cancel(session, actor, invoice, _text(reason, 300) or "cancelled by its source")
    return info(invoice)


def _cancel(
    session: Session,
    actor: Actor,
    invoice: BillingInvoice,
    reason: str,
    now: datetime | None = None,
) -> None:
    if invoice.status != InvoiceStatus.UNPAID or invoice.paid:
        raise Conflict(
            _("Only an invoice with nothing paid can be cancelled; refund the payments first."),
            slug="invoice-not-cancellable",
        )
    now = now or utcnow()
    ledger.append(
        session,
        actor,
        [
            Movement(
                "cancel",
                f"revenue:{line.account_code}",
                "receivable",
                line.amount - line.paid,
                invoice_id=invoice.id,
                unit_id=line.unit_id,
                account_code=line.account_code,
                memo=invoice.number,
            )
            for line in invoice.lines
        ],
        at=now,
    )
    invoice.status = InvoiceStatus.CANCELLED.value
    invoice.closed_at = now
    invoice.close_reason = reason[:300]
    _close_channel_bills(session, actor, invoice, keep=None)
    session.flush()
    _track(session, actor, invoice, now)
    _audit(
        session,
        actor,
        "invoice.cancel",
        "billing_invoice",
        invoice.number,
        invoice.unit_id,
        reason=reason,
    )
    hook_relay(session).pamong_on_invoice_cancelled(
        invoice=info(invoice), reason=reason, session=session
    )


def invoices_query(
    actor: Actor,
    *,
    status: str | None = None,
    source: str | None = None,
    unit_code: str | None = None,
    q: str | None = None,
) -> Select[tuple[BillingInvoice]]:
    """Invoices the actor may see, newest first; ``q`` matches number, tracking number, NIK."""
    stmt = (
        select(BillingInvoice)
        .join(OrgUnit, BillingInvoice.unit_id == OrgUnit.id)
        .where(or_(*(actor.scope_filter(p, OrgUnit.path) for p in READ)))
        .order_by(BillingInvoice.issued_at.desc(), BillingInvoice.id.desc())
    )
    if status:
        stmt = stmt.where(BillingInvoice.status == status)
    if source:
        stmt = stmt.where(BillingInvoice.source == source)
    if unit_code:
        stmt = stmt.where(OrgUnit.code == unit_code)
    if q:
        term = q.strip().upper()
        digits = clean_nik(q) if any(ch.isdigit() for ch in q) else ""
        conditions = [BillingInvoice.number == term, BillingInvoice.tracking_number == term]
        if len(digits) == 16 and digits.isdigit():
            conditions.append(BillingInvoice.payer_nik == digits)
        stmt = stmt.where(or_(*conditions))
    return stmt


def expire_and_reissue(session: Session, today: date, *, limit: int = 500) -> list[tuple[str, str]]:
    """Unpaid invoices past their expiry become ``expired`` and are issued again.

    Returns (old number, new number) pairs. The new invoice keeps source,
    reference, period, payer and lines; its due date moves on.
    """
    done = []
    stale = session.scalars(
        select(BillingInvoice)
        .where(
            BillingInvoice.status == InvoiceStatus.UNPAID.value,
            BillingInvoice.paid == 0,
            BillingInvoice.expires_on < today,
        )
        .order_by(BillingInvoice.id)
        .limit(limit)
    ).all()
    for old in stale:
        old = _lock_invoice(session, old.number)
        if old.status != InvoiceStatus.UNPAID or old.paid:
            continue
        now = utcnow()
        ledger.append(
            session,
            SYSTEM,
            [
                Movement(
                    "expire",
                    f"revenue:{line.account_code}",
                    "receivable",
                    line.amount,
                    invoice_id=old.id,
                    unit_id=line.unit_id,
                    account_code=line.account_code,
                    memo=old.number,
                )
                for line in old.lines
            ],
            at=now,
        )
        old.status = InvoiceStatus.EXPIRED.value
        old.closed_at = now
        old.close_reason = "expired"
        _close_channel_bills(session, SYSTEM, old, keep=None)
        session.flush()
        _track(session, SYSTEM, old, now)
        lines = [
            Line(x.description, x.amount, x.account_code, x.unit.code, x.period, x.priority)
            for x in old.lines
        ]
        new = create_invoice(
            session,
            SYSTEM,
            source=old.source,
            reference=old.reference,
            unit_code=old.unit.code,
            payer=Payer(old.payer_kind, old.payer_name, old.payer_ref, old.payer_nik),
            lines=lines,
            period=old.period,
            due_date=today
            + timedelta(
                days=max((old.due_date - old.issued_at.date()).days, 0) if old.due_date else 0
            ),
            description=old.description,
            legal_basis=old.legal_basis,
            tracking_number=old.tracking_number,
        )
        session.get(BillingInvoice, new.id).replaces_id = old.id
        _audit(
            session,
            SYSTEM,
            "invoice.reissue",
            "billing_invoice",
            old.number,
            old.unit_id,
            new=new.number,
        )
        done.append((old.number, new.number))
    return done


# --- cashier sessions ------------------------------------------------------------


def open_session_of(session: Session, actor: Actor) -> BillingCashierSession | None:
    """The actor's open cashier session, if any."""
    if actor.user_id is None:
        return None
    return session.scalar(
        select(BillingCashierSession).where(
            BillingCashierSession.cashier_id == actor.user_id,
            BillingCashierSession.status == "open",
        )
    )


def cashier_units(session: Session, actor: Actor) -> list[OrgUnit]:
    """Units where the actor may work as a cashier (offices and kecamatan, not villages)."""
    villages = (OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)
    return list(
        session.scalars(
            select(OrgUnit)
            .where(actor.scope_filter(CASHIER, OrgUnit.path), OrgUnit.kind.not_in(villages))
            .order_by(OrgUnit.path)
            .limit(200)
        )
    )


def collecting_units(session: Session, actor: Actor, permission: str) -> list[OrgUnit]:
    """Units in the actor's scope that took money (cashier sessions or payments)."""
    active = select(BillingCashierSession.unit_id).union(select(BillingPayment.unit_id))
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.id.in_(active), actor.scope_filter(permission, OrgUnit.path))
            .order_by(OrgUnit.path)
        )
    )


def _day_closed(session: Session, unit_id: int, day: date) -> bool:
    return (
        session.scalar(
            select(BillingDayClosing.id).where(
                BillingDayClosing.unit_id == unit_id, BillingDayClosing.day == day
            )
        )
        is not None
    )


def open_cashier_session(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    opening_float: int = 0,
    received_from: BillingCashierSession | None = None,
    now: datetime | None = None,
) -> BillingCashierSession:
    """Open a shift at a counter with a float; one open session per cashier."""
    if actor.user_id is None:
        raise Forbidden(_("A cashier session belongs to a person."), slug="person-required")
    unit = _unit(session, unit_code)
    _require(actor, CASHIER, unit)
    _money(opening_float, _("The float"), allow_zero=True)
    now = now or utcnow()
    day = local_day(now)
    if _day_closed(session, unit.id, day):
        raise Conflict(
            _("The day %(day)s is closed at this unit.", day=day.isoformat()), slug="day-closed"
        )
    row = BillingCashierSession(
        cashier_id=actor.user_id,
        unit=unit,
        unit_id=unit.id,
        day=day,
        status="open",
        opened_at=now,
        opening_float=opening_float,
        received_from_id=received_from.id if received_from else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("You already have an open cashier session."), slug="session-open"
        ) from None
    if opening_float and received_from is None:
        ledger.append(
            session,
            actor,
            [
                Movement(
                    "float",
                    f"cash:session:{row.id}",
                    "float",
                    opening_float,
                    unit_id=unit.id,
                    memo="float",
                )
            ],
            at=now,
        )
    _audit(
        session,
        actor,
        "session.open",
        "billing_cashier_session",
        row.id,
        unit.id,
        opening_float=opening_float,
    )
    return row


def session_cash(session: Session, cashier_session: BillingCashierSession) -> int:
    """Cash taken in a session: its confirmed cash payments (refunds come from the treasury)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(BillingPayment.amount), 0)).where(
                BillingPayment.cashier_session_id == cashier_session.id,
                BillingPayment.method == "cash",
                BillingPayment.status == PaymentStatus.CONFIRMED.value,
            )
        )
        or 0
    )


def close_cashier_session(
    session: Session,
    actor: Actor,
    *,
    counted_cash: int,
    note: str = "",
    hand_to: int | None = None,
    now: datetime | None = None,
) -> BillingCashierSession:
    """Close the actor's session with the counted cash; the difference is recorded.

    ``hand_to`` (a user id) hands the counted cash over to another cashier
    mid-shift: their new session opens with it as the float.
    """
    row = open_session_of(session, actor)
    if row is None:
        raise Conflict(_("You have no open cashier session."), slug="no-open-session")
    row = session.scalar(
        select(BillingCashierSession)
        .where(BillingCashierSession.id == row.id)
        .with_for_update(of=BillingCashierSession)
    )
    _money(counted_cash, _("The counted cash"), allow_zero=True)
    now = now or utcnow()
    expected = row.opening_float + session_cash(session, row)
    row.status = "closed"
    row.closed_at = now
    row.expected_cash = expected
    row.counted_cash = counted_cash
    row.difference = counted_cash - expected
    row.note = _text(note, 300)
    cash = f"cash:session:{row.id}"
    moves = []
    if row.difference < 0:
        moves.append(
            Movement(
                "shortage",
                "cash_difference",
                cash,
                -row.difference,
                unit_id=row.unit_id,
                memo="short",
            )
        )
    elif row.difference > 0:
        moves.append(
            Movement(
                "overage", cash, "cash_difference", row.difference, unit_id=row.unit_id, memo="over"
            )
        )
    session.flush()
    if hand_to is not None:
        if hand_to == actor.user_id:
            raise InvalidInput(_("Hand the cash to another cashier."), slug="same-cashier")
        target = session.get(User, hand_to)
        if target is None:
            raise InvalidInput(_("No such user."), slug="unknown-user")
        row.handed_to_id = hand_to
        target_actor = actor_of(session, target.username)
        new = open_cashier_session(
            session,
            target_actor,
            unit_code=row.unit.code,
            opening_float=counted_cash,
            received_from=row,
            now=now,
        )
        moves.append(
            Movement(
                "handover",
                f"cash:session:{new.id}",
                cash,
                counted_cash,
                unit_id=row.unit_id,
                memo="handover",
            )
        )
    ledger.append(session, actor, moves, at=now)
    _audit(
        session,
        actor,
        "session.close",
        "billing_cashier_session",
        row.id,
        row.unit_id,
        expected=expected,
        counted=counted_cash,
        difference=row.difference,
        handed_to=hand_to,
    )
    return row


# --- payments --------------------------------------------------------------------


def _apportion(invoice: BillingInvoice, amount: int) -> list[tuple[BillingInvoiceLine, int]]:
    """Split a payment over the lines: lowest priority number, then oldest period, first."""
    parts = []
    left = amount
    for line in sorted(invoice.lines, key=lambda x: (x.priority, x.period or "", x.seq)):
        due = line.amount - line.paid
        if left <= 0 or due <= 0:
            continue
        take = min(left, due)
        parts.append((line, take))
        left -= take
    return parts


def _new_payment(
    session: Session,
    actor: Actor,
    invoice: BillingInvoice,
    *,
    method: str,
    amount: int,
    unit: OrgUnit,
    now: datetime,
    status: str,
    channel: str = "",
    channel_bill: BillingChannelBill | None = None,
    cashier_session: BillingCashierSession | None = None,
    external_ref: str = "",
    paid_by: str = "",
    currency: str = CURRENCY,
    hold_reason: str = "",
) -> BillingPayment:
    number = f"KWT-{now.year}-{next_number(session, 'KWT', now.year):06d}"
    payment = BillingPayment(
        number=number,
        invoice=invoice,
        invoice_id=invoice.id,
        method=method,
        channel=channel,
        channel_bill_id=channel_bill.id if channel_bill else None,
        cashier_session_id=cashier_session.id if cashier_session else None,
        unit=unit,
        unit_id=unit.id,
        amount=amount,
        currency=currency[:3],
        status=status,
        hold_reason=hold_reason[:300],
        external_ref=external_ref[:64],
        paid_at=now,
        day=local_day(now),
        received_by_id=actor.user_id,
        paid_by=_text(paid_by, 200) or invoice.payer_name,
    )
    session.add(payment)
    session.flush()
    return payment


def _money_account(payment: BillingPayment) -> str:
    if payment.method == "cash":
        return f"cash:session:{payment.cashier_session_id}"
    return f"bank:{payment.channel}"


def _payment_moves(
    invoice: BillingInvoice,
    parts: Sequence[tuple[BillingInvoiceLine, int]],
    account: str,
    payment_id: int,
    number: str,
) -> list[Movement]:
    """The ledger movements of a payment's allocations: money in, receivable down."""
    return [
        Movement(
            "payment",
            account,
            "receivable",
            amount,
            invoice_id=invoice.id,
            payment_id=payment_id,
            unit_id=line.unit_id,
            account_code=line.account_code,
            memo=number,
        )
        for line, amount in parts
    ]


def _apply(
    session: Session, actor: Actor, invoice: BillingInvoice, payment: BillingPayment, now: datetime
) -> None:
    """Count a confirmed payment against the invoice: allocations, ledger, status, hooks."""
    parts = _apportion(invoice, payment.amount)
    for line, amount in parts:
        line.paid += amount
        payment.allocations.append(BillingAllocation(line=line, line_id=line.id, amount=amount))
    moves = _payment_moves(invoice, parts, _money_account(payment), payment.id, payment.number)
    invoice.paid += payment.amount
    ledger.append(session, actor, moves, at=now)
    issue_receipt(session, actor, payment, now)
    if invoice.paid >= invoice.total:
        invoice.status = InvoiceStatus.PAID.value
        invoice.paid_at = now
        _close_channel_bills(session, actor, invoice, keep=payment.channel_bill_id)
    else:
        invoice.status = InvoiceStatus.PARTLY_PAID.value
    session.flush()
    _track(session, actor, invoice, now)
    _audit(
        session,
        actor,
        "payment.confirm",
        "billing_payment",
        payment.number,
        payment.unit_id,
        invoice=invoice.number,
        amount=payment.amount,
        method=payment.method,
        channel=payment.channel,
    )
    if invoice.status == InvoiceStatus.PAID:
        hook_relay(session).pamong_on_invoice_paid(invoice=info(invoice), session=session)


def issue_receipt(
    session: Session, actor: Actor, payment: BillingPayment, now: datetime | None = None
) -> None:
    """Register the receipt as a core document, so its QR code verifies."""
    if payment.receipt_document_id is not None:
        return
    document = issue_document(
        session,
        actor,
        RECEIPT,
        number=payment.number,
        unit=payment.unit,
        holder_ref=f"billing_payment:{payment.id}",
        holder_label=mask_name(payment.paid_by or payment.invoice.payer_name or "-"),
        now=now,
    )
    payment.receipt_document_id = document.id


def _payable(invoice: BillingInvoice) -> None:
    if invoice.status == InvoiceStatus.PAID:
        raise Conflict(
            _("Invoice %(number)s is already paid.", number=invoice.number), slug="already-paid"
        )
    if invoice.status not in OPEN:
        raise Conflict(
            _(
                "Invoice %(number)s is %(status)s: it cannot be paid.",
                number=invoice.number,
                status=invoice.status,
            ),
            slug="invoice-not-payable",
            status=invoice.status,
        )


def _cash_desk(
    session: Session, actor: Actor, moments: Iterable[datetime]
) -> BillingCashierSession:
    """The actor's open cashier session, if it may take cash at these moments (else Conflict)."""
    cashier_session = open_session_of(session, actor)
    if cashier_session is None:
        raise Conflict(_("Open a cashier session first."), slug="no-open-session")
    days = {local_day(moment) for moment in moments}
    if days != {cashier_session.day}:
        raise Conflict(
            _(
                "Your cashier session is from %(day)s: close it and open today's.",
                day=cashier_session.day.isoformat(),
            ),
            slug="session-stale",
        )
    _require(actor, CASHIER, cashier_session.unit)
    if _day_closed(session, cashier_session.unit_id, cashier_session.day):
        raise Conflict(
            _("The day %(day)s is closed at this unit.", day=cashier_session.day.isoformat()),
            slug="day-closed",
        )
    return cashier_session


def pay_cash(
    session: Session,
    actor: Actor,
    *,
    invoice_number: str,
    amount: int,
    paid_by: str = "",
    currency: str = CURRENCY,
    now: datetime | None = None,
) -> BillingPayment:
    """Take cash for an invoice in the actor's open cashier session.

    Underpayment is a partial payment (apportioned over the lines);
    overpayment, a non-IDR currency, a paid, cancelled or expired invoice,
    no open session or a closed day are refused.
    """
    _require(actor, CASHIER, None)
    if (currency or "").upper() != CURRENCY:
        raise InvalidInput(_("Payments are in rupiah (IDR) only."), slug="currency-not-idr")
    _money(amount, _("The amount"))
    now = now or utcnow()
    cashier_session = _cash_desk(session, actor, [now])
    invoice = _lock_invoice(session, invoice_number)
    _payable(invoice)
    if amount > invoice.outstanding:
        raise InvalidInput(
            _(
                "%(amount)d is more than the %(due)d still due.",
                amount=amount,
                due=invoice.outstanding,
            ),
            slug="overpayment",
            outstanding=invoice.outstanding,
        )
    payment = _new_payment(
        session,
        actor,
        invoice,
        method="cash",
        amount=amount,
        unit=cashier_session.unit,
        now=now,
        status=PaymentStatus.CONFIRMED.value,
        cashier_session=cashier_session,
        paid_by=paid_by,
    )
    _apply(session, actor, invoice, payment, now)
    return payment


def pay_cash_many(
    session: Session,
    actor: Actor,
    payments: Sequence[CashPayment],
    *,
    now: datetime | None = None,
) -> list[str]:
    """Take many cash payments in the actor's open cashier session at once; their receipt numbers.

    For a collective payment at the counter (a desa collector or an
    institution paying its members' water bills) and for demo data. The
    rules of :func:`pay_cash` apply to each payment, in order (two payments
    of one invoice count together); every payment is checked before anything
    is written, so one bad payment takes nothing (the error names its
    position). Each payment gets its receipt number, receipt document,
    allocations and ledger entries, as one by one; the rows are written with
    multi-row statements, the ledger appended once (its entries dated at the
    batch's last payment, as are the tracked files' steps), and the tracked
    files of the invoices moved in one go.
    """
    _require(actor, CASHIER, None)
    if not payments:
        return []
    now = now or utcnow()
    moments = [p.paid_at or now for p in payments]
    cashier_session = _cash_desk(session, actor, moments)
    plan = _plan_payments(
        session,
        [
            (p.invoice_number, p.amount, at, p.paid_by)
            for p, at in zip(payments, moments, strict=True)
        ],
    )
    return _book_payments(
        session,
        actor,
        plan,
        method="cash",
        cashier_session=cashier_session,
        account=f"cash:session:{cashier_session.id}",
    )


def pay_bank_many(
    session: Session,
    actor: Actor,
    payments: Sequence[BankPayment],
    *,
    channel: str = "bank-file",
) -> list[str]:
    """Book many payments a bank reports in its settlement file; their receipt numbers.

    Each payment is booked as a confirmed channel payment of ``channel``
    (money in ``bank:<channel>``, no cashier session), with the bank's
    reference as its external reference: the same reference is never booked
    twice (in the batch or ever, a database index backs it). The rules of
    :func:`pay_cash_many` apply (nothing more than is due, one bad payment
    takes nothing and names its position). Needs ``billing.treasurer``
    (or a system actor of a plugin that checked its own permission).
    """
    _require(actor, TREASURER, None)
    if not payments:
        return []
    channel = _text(channel, 40) or "bank-file"
    refs = [_text(p.reference, 64) for p in payments]
    seen = booked_references(session, channel, refs)
    for position, ref in enumerate(refs, 1):
        if not ref or ref in seen:
            raise Conflict(
                _(
                    "Payment %(position)d: bank reference %(ref)s is empty or already booked.",
                    position=position,
                    ref=repr(ref),
                ),
                slug="duplicate-reference",
                position=position,
            )
        seen.add(ref)
    plan = _plan_payments(
        session, [(p.invoice_number, p.amount, p.paid_at, p.paid_by) for p in payments]
    )
    return _book_payments(
        session,
        actor,
        plan,
        method="channel",
        channel=channel,
        external_refs=refs,
        account=f"bank:{channel}",
    )


def booked_references(session: Session, channel: str, references: Iterable[str]) -> set[str]:
    """Which of ``references`` are already booked as payments of ``channel`` (bank files)."""
    refs = sorted({_text(r, 64) for r in references if r})
    seen: set[str] = set()
    for start in range(0, len(refs), 500):
        seen.update(
            session.scalars(
                select(BillingPayment.external_ref).where(
                    BillingPayment.channel == channel,
                    BillingPayment.external_ref.in_(refs[start : start + 500]),
                )
            )
        )
    return seen


_Planned = tuple[BillingInvoice, int, datetime, str]


def _plan_payments(
    session: Session, items: Sequence[tuple[str, int, datetime, str]]
) -> list[_Planned]:
    """Check ``(invoice number, amount, paid at, paid by)`` in order; lock the invoices.

    Two payments of one invoice count together; the first bad one raises,
    naming its position, before anything is written.
    """
    wanted = sorted({(item[0] or "").strip().upper() for item in items})
    invoices: dict[str, BillingInvoice] = {}
    for start in range(0, len(wanted), 500):
        for invoice in session.scalars(
            select(BillingInvoice)
            .where(BillingInvoice.number.in_(wanted[start : start + 500]))
            .with_for_update(of=BillingInvoice)
            .execution_options(populate_existing=True)
        ):
            invoices[invoice.number] = invoice
    due: dict[str, int] = {}
    plan: list[_Planned] = []
    for position, (raw_number, amount, at, paid_by) in enumerate(items, 1):
        try:
            number = (raw_number or "").strip().upper()
            invoice = invoices.get(number)
            if invoice is None:
                raise NotFound(
                    _("No invoice has the number %(number)s.", number=raw_number),
                    slug="invoice-not-found",
                )
            _money(amount, _("The amount"))
            left = due.setdefault(number, invoice.outstanding)
            if left == 0 and invoice.status in OPEN:
                raise Conflict(
                    _("Invoice %(number)s is already paid.", number=number), slug="already-paid"
                )
            _payable(invoice)
            if amount > left:
                raise InvalidInput(
                    _(
                        "%(amount)d is more than the %(due)d still due.",
                        amount=amount,
                        due=left,
                    ),
                    slug="overpayment",
                    outstanding=left,
                )
        except PamongError as error:
            raise type(error)(
                _("Payment %(position)d: %(problem)s", position=position, problem=error.detail),
                slug=error.slug,
                position=position,
                **error.extra,
            ) from None
        due[number] = left - amount
        plan.append((invoice, amount, at, _text(paid_by, 200) or invoice.payer_name))
    return plan


def _book_payments(
    session: Session,
    actor: Actor,
    plan: Sequence[_Planned],
    *,
    method: str,
    account: str,
    cashier_session: BillingCashierSession | None = None,
    channel: str = "",
    external_refs: Sequence[str] | None = None,
) -> list[str]:
    """Write checked payments in bulk: receipts, allocations, ledger, tracked files, hooks."""
    moments = [at for _invoice, _amount, at, _by in plan]
    refs = external_refs if external_refs is not None else [""] * len(plan)
    counts: dict[int, int] = {}
    for at in moments:
        counts[at.year] = counts.get(at.year, 0) + 1
    seqs = {
        year: next_number(session, "KWT", year, count) - count + 1 for year, count in counts.items()
    }
    rows = []
    for (invoice, amount, at, paid_by), ref in zip(plan, refs, strict=True):
        rows.append(
            {
                "number": f"KWT-{at.year}-{seqs[at.year]:06d}",
                "invoice_id": invoice.id,
                "method": method,
                "channel": channel,
                "cashier_session_id": cashier_session.id if cashier_session else None,
                "unit_id": cashier_session.unit_id if cashier_session else invoice.unit_id,
                "amount": amount,
                "currency": CURRENCY,
                "status": PaymentStatus.CONFIRMED.value,
                "hold_reason": "",
                "external_ref": ref,
                "paid_at": at,
                "day": local_day(at),
                "received_by_id": actor.user_id,
                "paid_by": paid_by,
                "receipt_prints": 0,
                "refunded": 0,
            }
        )
        seqs[at.year] += 1
    session.flush()
    ids = list(
        session.scalars(
            insert(BillingPayment).returning(BillingPayment.id, sort_by_parameter_order=True),
            rows,
        )
    )
    allocations: list[dict[str, Any]] = []
    moves: list[Movement] = []
    paid: list[BillingInvoice] = []
    for (invoice, amount, at, _by), payment_id, row in zip(plan, ids, rows, strict=True):
        parts = _apportion(invoice, amount)
        for line, part in parts:
            line.paid += part
            allocations.append({"payment_id": payment_id, "line_id": line.id, "amount": part})
        moves += _payment_moves(invoice, parts, account, payment_id, row["number"])
        invoice.paid += amount
        if invoice.paid >= invoice.total:
            invoice.status = InvoiceStatus.PAID.value
            invoice.paid_at = at
            paid.append(invoice)
        else:
            invoice.status = InvoiceStatus.PARTLY_PAID.value
    session.execute(insert(BillingAllocation.__table__), allocations)
    ledger.append(session, actor, moves, at=max(moments))
    documents = issue_documents(
        session,
        actor,
        RECEIPT,
        [
            DocumentToIssue(
                row["number"],
                cashier_session.unit if cashier_session else invoice.unit,
                f"billing_payment:{payment_id}",
                mask_name(row["paid_by"] or "-"),
                row["paid_at"],
            )
            for payment_id, row, (invoice, *_rest) in zip(ids, rows, plan, strict=True)
        ],
    )
    session.execute(
        update(BillingPayment),
        [
            {"id": payment_id, "receipt_document_id": document_id}
            for payment_id, document_id in zip(ids, documents, strict=True)
        ],
    )
    session.flush()
    last = max(moments)
    _track_many(session, actor, {invoice.number: invoice for invoice, *_rest in plan}, last)
    paid_ids = [invoice.id for invoice in paid]
    for start in range(0, len(paid_ids), 500):
        for bill in session.scalars(
            select(BillingChannelBill)
            .where(
                BillingChannelBill.invoice_id.in_(paid_ids[start : start + 500]),
                BillingChannelBill.status == "open",
            )
            .order_by(BillingChannelBill.id)
        ).all():
            _close_bill(session, actor, bill)
    _audit(
        session,
        actor,
        "payment.confirm_batch",
        "billing_payment",
        rows[0]["number"],
        rows[0]["unit_id"],
        count=len(rows),
        last=rows[-1]["number"],
        total=sum(row["amount"] for row in rows),
        method=method,
    )
    relay = hook_relay(session)
    for invoice in paid:
        relay.pamong_on_invoice_paid(invoice=info(invoice), session=session)
    return [row["number"] for row in rows]


def _track_many(
    session: Session, actor: Actor, invoices: Mapping[str, BillingInvoice], now: datetime
) -> None:
    """:func:`_track` for many invoices: their files moved a status at a time, at ``now``."""
    numbers = sorted(invoices)
    items: list[TrackedItem] = []
    for start in range(0, len(numbers), 500):
        items += session.scalars(
            select(TrackedItem).where(
                TrackedItem.number.in_(numbers[start : start + 500]),
                TrackedItem.closed_at.is_(None),
            )
        )
    by_status: dict[str, list[TrackedItem]] = {}
    for item in items:
        status = invoices[item.number].status
        if item.stage != status:
            by_status.setdefault(status, []).append(item)
    for status, moving in by_status.items():
        move_items(session, actor, moving, INVOICE_FILE, status, close=status not in OPEN, now=now)


def get_payment(session: Session, actor: Actor, number: str) -> BillingPayment:
    payment = session.scalar(
        select(BillingPayment).where(BillingPayment.number == (number or "").strip().upper())
    )
    if payment is None or not (
        actor.is_system or can_read(actor, payment.unit) or can_read(actor, payment.invoice.unit)
    ):
        raise NotFound(
            _("No payment has the number %(number)s.", number=number), slug="payment-not-found"
        )
    return payment


def receipt_printed(session: Session, actor: Actor, payment: BillingPayment) -> int:
    """Count a print of the receipt; the first is the original, every later one a copy."""
    session.execute(
        update(BillingPayment)
        .where(BillingPayment.id == payment.id)
        .values(receipt_prints=BillingPayment.receipt_prints + 1)
    )
    session.refresh(payment, ["receipt_prints"])
    _audit(
        session,
        actor,
        "receipt.print",
        "billing_payment",
        payment.number,
        payment.unit_id,
        print=payment.receipt_prints,
    )
    return payment.receipt_prints


def payments_of(session: Session, invoice: BillingInvoice) -> list[BillingPayment]:
    return list(
        session.scalars(
            select(BillingPayment)
            .where(BillingPayment.invoice_id == invoice.id)
            .order_by(BillingPayment.id)
        )
    )


def paid_in_full_by(session: Session, payment: BillingPayment) -> bool:
    """True when the invoice was paid in full with this payment or before (the LUNAS mark)."""
    upto = session.scalar(
        select(func.coalesce(func.sum(BillingPayment.amount), 0)).where(
            BillingPayment.invoice_id == payment.invoice_id,
            BillingPayment.status.in_(
                [PaymentStatus.CONFIRMED.value, PaymentStatus.REFUNDED.value]
            ),
            BillingPayment.id <= payment.id,
        )
    )
    return payment.status == PaymentStatus.CONFIRMED and int(upto or 0) >= payment.invoice.total


# --- payment channels ------------------------------------------------------------


def channel_infos(session: Session) -> list[ChannelInfo]:
    """The channels registered by plugins and listed in the settings, in settings order."""
    enabled = settings()["channels"]
    found: dict[str, ChannelInfo] = {}
    for result in hook_relay(session).pamong_register_payment_channels() or []:
        for channel in result or ():
            if isinstance(channel, ChannelInfo):
                found.setdefault(channel.name, channel)
    return [found[name] for name in enabled if name in found]


def get_channel(session: Session, name: str) -> PaymentChannel:
    """The implementation of an enabled channel; 404 for an unknown or disabled one."""
    if name not in settings()["channels"]:
        raise NotFound(_("No payment channel %(name)s here.", name=name), slug="channel-not-found")
    channel = hook_relay(session).pamong_billing_channel(name=name)
    if not isinstance(channel, PaymentChannel):
        raise NotFound(_("No payment channel %(name)s here.", name=name), slug="channel-not-found")
    return channel


def open_channel_bills(
    session: Session, actor: Actor, number: str, *, now: datetime | None = None
) -> list[BillingChannelBill]:
    """Virtual account numbers and QRIS payloads for the amount due, one per channel and kind.

    Idempotent: open bills for the same amount are returned as they are.
    """
    invoice = _lock_invoice(session, number)
    _payable(invoice)
    now = now or utcnow()
    current = [b for b in _open_bills(session, invoice) if b.amount == invoice.outstanding]
    stale = [b for b in _open_bills(session, invoice) if b.amount != invoice.outstanding]
    for bill in stale:
        _close_bill(session, actor, bill)
    have = {(b.channel, b.kind) for b in current}
    hours = settings()["channel_bill_hours"]
    expires = now + timedelta(hours=hours)
    for channel_info in channel_infos(session):
        channel = get_channel(session, channel_info.name)
        for kind in channel_info.kinds:
            if (channel_info.name, kind) in have:
                continue
            issued = channel.open_bill(
                session,
                invoice=info(invoice),
                kind=kind,
                amount=invoice.outstanding,
                expires_at=expires,
            )
            bill = BillingChannelBill(
                invoice_id=invoice.id,
                channel=channel_info.name,
                kind=kind,
                reference=issued.reference[:64],
                va_number=issued.va_number[:30],
                qris_payload=issued.qris_payload,
                amount=invoice.outstanding,
                status="open",
                created_at=now,
                expires_at=expires,
            )
            session.add(bill)
            current.append(bill)
    session.flush()
    _audit(
        session,
        actor,
        "channel.open_bills",
        "billing_invoice",
        invoice.number,
        invoice.unit_id,
        bills=len(current),
    )
    return current


def _open_bills(session: Session, invoice: BillingInvoice) -> list[BillingChannelBill]:
    return list(
        session.scalars(
            select(BillingChannelBill)
            .where(BillingChannelBill.invoice_id == invoice.id, BillingChannelBill.status == "open")
            .order_by(BillingChannelBill.id)
        )
    )


def _close_bill(session: Session, actor: Actor, bill: BillingChannelBill) -> None:
    try:
        get_channel(session, bill.channel).close_bill(session, reference=bill.reference)
    except NotFound:
        pass  # the channel no longer knows the bill: there is nothing left to close
    except Exception as exc:  # the bank is down: the bill stays open; a late payment is refunded
        _audit(
            session,
            actor,
            "channel.close_failed",
            "billing_channel_bill",
            bill.id,
            None,
            error=repr(exc)[:200],
        )
        return
    bill.status = "closed"
    bill.closed_at = utcnow()


def _close_channel_bills(
    session: Session, actor: Actor, invoice: BillingInvoice, keep: int | None
) -> None:
    """Close every open channel bill of the invoice but ``keep`` (the one that paid)."""
    for bill in _open_bills(session, invoice):
        if bill.id != keep:
            _close_bill(session, actor, bill)


def _parse_timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Unauthorized(
            _("X-TIMESTAMP is not an ISO 8601 time."), slug="bad-timestamp"
        ) from None
    if moment.tzinfo is None:
        raise Unauthorized(_("X-TIMESTAMP needs its UTC offset."), slug="bad-timestamp")
    return moment


def handle_callback(
    session: Session,
    channel_name: str,
    *,
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Authenticate, de-duplicate, confirm and book a channel's payment notification.

    Refused (4xx): a wrong signature, a timestamp outside the window, a
    malformed body, an unknown bill. Answered without effect: a replay of
    an external id already seen today. Held for review, never counted: an
    amount or currency that does not match, or a status check that
    disagrees. A payment after the invoice was paid or cancelled goes to
    the refund queue.
    """
    channel = get_channel(session, channel_name)
    now = now or utcnow()
    if not channel.verify_signature(
        secret=channel_secret(channel_name), method=method, path=path, body=body, headers=headers
    ):
        raise Unauthorized(_("The callback signature is wrong."), slug="bad-signature")
    stamp = _parse_timestamp(headers.get("X-TIMESTAMP", ""))
    window = settings()["callback_window_seconds"]
    if abs((now - stamp).total_seconds()) > window:
        raise Unauthorized(
            _("The callback timestamp is outside the %(seconds)d second window.", seconds=window),
            slug="stale-timestamp",
        )
    external_id = (headers.get("X-EXTERNAL-ID") or "").strip()
    if not external_id or len(external_id) > 64:
        raise InvalidInput(
            _("X-EXTERNAL-ID is required (at most 64 characters)."), slug="external-id-required"
        )
    record = BillingCallback(
        channel=channel_name,
        external_id=external_id,
        day=local_day(stamp),
        received_at=now,
        body_sha256=hashlib.sha256(body).hexdigest(),
        outcome="received",
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return {"outcome": "duplicate", "payment": None}
    try:
        notification = channel.parse_notification(body, headers)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            _("The callback body is malformed."), slug="malformed-callback", error=str(exc)[:200]
        ) from None
    record.bill_reference = notification.bill_reference[:64]
    outcome, payment = settle_channel_payment(session, channel_name, channel, notification, now=now)
    record.outcome = outcome
    record.payment_id = payment.id if payment else None
    session.flush()
    return {"outcome": outcome, "payment": payment.number if payment else None}


def settle_channel_payment(
    session: Session,
    channel_name: str,
    channel: PaymentChannel,
    notification: ChannelNotification,
    *,
    now: datetime | None = None,
) -> tuple[str, BillingPayment | None]:
    """Book what a channel reports paid, after asking the channel itself.

    Returns (outcome, payment): ``paid``, ``partly_paid``, ``held``,
    ``excess`` (refund queue), ``duplicate`` or ``pending`` (the status
    check does not confirm it yet: the worker asks again later).
    """
    now = now or utcnow()
    bill = session.scalar(
        select(BillingChannelBill).where(
            BillingChannelBill.channel == channel_name,
            BillingChannelBill.reference == notification.bill_reference,
        )
    )
    if bill is None:
        raise NotFound(
            _("No bill %(reference)s on this channel.", reference=notification.bill_reference),
            slug="bill-not-found",
        )
    status = channel.check_status(session, reference=bill.reference)
    if status.status != "paid":
        return "pending", None
    transaction_id = (status.transaction_id or notification.transaction_id)[:64]
    if not transaction_id:
        raise InvalidInput(_("The payment has no transaction id."), slug="transaction-id-required")
    seen = session.scalar(
        select(BillingPayment).where(
            BillingPayment.channel == channel_name, BillingPayment.external_ref == transaction_id
        )
    )
    if seen is not None:
        return "duplicate", seen
    invoice = _lock_invoice(session, bill.invoice.number)
    amount = status.amount
    currency = (notification.currency or "").upper()
    hold = ""
    if currency != CURRENCY:
        hold = f"currency {currency or '?'}, not IDR"
    elif notification.amount != status.amount:
        hold = f"callback says {notification.amount}, the channel's status check {status.amount}"
    elif amount != bill.amount:
        hold = f"paid {amount}, the bill asked {bill.amount}"
    if hold:
        state = PaymentStatus.HELD.value
    elif invoice.status not in OPEN or amount > invoice.outstanding:
        state = PaymentStatus.EXCESS.value
        hold = f"invoice already {invoice.status}: refund queue"
    else:
        state = PaymentStatus.CONFIRMED.value
    try:
        with session.begin_nested():
            payment = _new_payment(
                session,
                SYSTEM,
                invoice,
                method="channel",
                amount=max(int(amount), 0),
                unit=invoice.unit,
                now=status.paid_at or notification.paid_at or now,
                status=state,
                channel=channel_name,
                channel_bill=bill,
                external_ref=transaction_id,
                currency=currency or "?",
                hold_reason=hold,
            )
    except IntegrityError:  # the same transaction under another external id, at the same moment
        seen = session.scalar(
            select(BillingPayment).where(
                BillingPayment.channel == channel_name,
                BillingPayment.external_ref == transaction_id,
            )
        )
        return "duplicate", seen
    bill.status = "paid" if state == PaymentStatus.CONFIRMED else bill.status
    if state == PaymentStatus.CONFIRMED:
        _apply(session, SYSTEM, invoice, payment, payment.paid_at)
        return invoice.status, payment
    if payment.amount:
        ledger.append(
            session,
            SYSTEM,
            [
                Movement(
                    state,
                    f"bank:{channel_name}",
                    "refund_queue",
                    payment.amount,
                    invoice_id=invoice.id,
                    payment_id=payment.id,
                    unit_id=invoice.unit_id,
                    memo=payment.number,
                )
            ],
            at=now,
        )
    _audit(
        session,
        SYSTEM,
        f"payment.{state}",
        "billing_payment",
        payment.number,
        invoice.unit_id,
        invoice=invoice.number,
        reason=hold,
    )
    if state == PaymentStatus.EXCESS:
        _request(
            session,
            SYSTEM,
            RequestKind.REFUND,
            invoice,
            payment=payment,
            amount=payment.amount,
            reason=hold,
        )
    return state, payment


def recheck_pending(
    session: Session, *, now: datetime | None = None, limit: int = 200
) -> dict[str, int]:
    """Ask the channels about bills still open after a while (a lost callback is found here)."""
    now = now or utcnow()
    age = timedelta(minutes=settings()["recheck_after_minutes"])
    counts = {"checked": 0, "paid": 0, "closed": 0}
    bills = session.scalars(
        select(BillingChannelBill)
        .where(BillingChannelBill.status == "open", BillingChannelBill.created_at <= now - age)
        .order_by(BillingChannelBill.id)
        .limit(limit)
    ).all()
    for bill in bills:
        try:
            channel = get_channel(session, bill.channel)
        except NotFound:
            continue
        counts["checked"] += 1
        status = channel.check_status(session, reference=bill.reference)
        if status.status == "paid":
            notification = ChannelNotification(
                bill.reference,
                status.transaction_id,
                status.amount,
                CURRENCY,
                "paid",
                status.paid_at,
            )
            outcome, _payment = settle_channel_payment(
                session, bill.channel, channel, notification, now=now
            )
            if outcome != "duplicate":
                counts["paid"] += 1
        elif bill.expires_at is not None and bill.expires_at < now:
            _close_bill(session, SYSTEM, bill)
            counts["closed"] += 1
    return counts


def release_held(
    session: Session, actor: Actor, payment_number: str, *, apply: bool, note: str = ""
) -> BillingPayment:
    """A supervisor's decision on a held channel payment: count it, or queue its refund."""
    payment = get_payment(session, actor, payment_number)
    _require(actor, SUPERVISOR, payment.invoice.unit)
    if payment.status != PaymentStatus.HELD:
        raise Conflict(_("Only a held payment can be released."), slug="not-held")
    invoice = _lock_invoice(session, payment.invoice.number)
    now = utcnow()
    if apply:
        if payment.currency != CURRENCY:
            raise Conflict(
                _("A payment in another currency cannot be counted."), slug="currency-not-idr"
            )
        _payable(invoice)
        if payment.amount > invoice.outstanding:
            raise Conflict(
                _("The payment is more than what is due: refund it."), slug="overpayment"
            )
        payment.status = PaymentStatus.CONFIRMED.value
        ledger.append(
            session,
            actor,
            [
                Movement(
                    "release",
                    "refund_queue",
                    f"bank:{payment.channel}",
                    payment.amount,
                    invoice_id=invoice.id,
                    payment_id=payment.id,
                    unit_id=invoice.unit_id,
                    memo=payment.number,
                )
            ],
            at=now,
        )
        _apply(session, actor, invoice, payment, now)
    else:
        payment.status = PaymentStatus.EXCESS.value
        _request(
            session,
            actor,
            RequestKind.REFUND,
            invoice,
            payment=payment,
            amount=payment.amount,
            reason=_text(note, 300) or payment.hold_reason,
        )
    _audit(
        session,
        actor,
        "payment.release",
        "billing_payment",
        payment.number,
        invoice.unit_id,
        apply=apply,
        note=note,
    )
    return payment


# --- two people: cancellations, refunds, waivers, amendments ---------------------


def _request(
    session: Session,
    actor: Actor,
    kind: RequestKind,
    invoice: BillingInvoice,
    *,
    reason: str,
    payment: BillingPayment | None = None,
    line: BillingInvoiceLine | None = None,
    amount: int | None = None,
    document_ref: str = "",
) -> BillingRequest:
    same_payment = (
        BillingRequest.payment_id == payment.id
        if payment is not None
        else BillingRequest.payment_id.is_(None)
    )
    pending = session.scalar(
        select(BillingRequest).where(
            BillingRequest.invoice_id == invoice.id,
            BillingRequest.kind == kind.value,
            BillingRequest.status == RequestStatus.PENDING.value,
            same_payment,
        )
    )
    if pending is not None:
        raise Conflict(
            _("The same request is already waiting for approval (#%(id)d).", id=pending.id),
            slug="request-pending",
        )
    row = BillingRequest(
        kind=kind.value,
        status=RequestStatus.PENDING.value,
        invoice=invoice,
        invoice_id=invoice.id,
        payment_id=payment.id if payment else None,
        line_id=line.id if line else None,
        amount=amount,
        reason=reason[:300],
        document_ref=document_ref[:120],
        requested_by_id=actor.user_id,
        requested_by=(actor.username or "system")[:60],
        requested_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        f"request.{kind.value}",
        "billing_request",
        row.id,
        invoice.unit_id,
        invoice=invoice.number,
        amount=amount,
        reason=reason,
    )
    return row


def request_change(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    invoice_number: str,
    reason: str,
    payment_number: str | None = None,
    line_id: int | None = None,
    amount: int | None = None,
    document_ref: str = "",
) -> BillingRequest:
    """Ask for a cancellation, refund, waiver or amendment; a supervisor decides."""
    try:
        what = RequestKind(kind)
    except ValueError:
        raise InvalidInput(
            _("Unknown request kind %(kind)s.", kind=kind), slug="invalid-kind"
        ) from None
    reason = _text(reason, 300)
    if not reason:
        raise InvalidInput(_("Give the reason."), slug="reason-required")
    invoice = _lock_invoice(session, invoice_number)
    if not (actor.can(CASHIER, invoice.unit) or actor.can(SUPERVISOR, invoice.unit)):
        _require(actor, CASHIER, invoice.unit)
    payment = line = None
    if what == RequestKind.CANCEL:
        if invoice.status != InvoiceStatus.UNPAID or invoice.paid:
            raise Conflict(
                _("Only an invoice with nothing paid can be cancelled; refund the payments first."),
                slug="invoice-not-cancellable",
            )
        amount = None
    elif what == RequestKind.REFUND:
        if not payment_number:
            raise InvalidInput(_("Name the payment to refund."), slug="payment-required")
        payment = get_payment(session, actor, payment_number)
        if payment.invoice_id != invoice.id:
            raise InvalidInput(_("The payment is not for this invoice."), slug="payment-mismatch")
        if payment.status not in (
            PaymentStatus.CONFIRMED,
            PaymentStatus.EXCESS,
            PaymentStatus.HELD,
        ):
            raise Conflict(_("This payment cannot be refunded."), slug="not-refundable")
        left = payment.amount - payment.refunded
        amount = left if amount is None else _money(amount, _("The amount"))
        if amount > left or amount <= 0:
            raise InvalidInput(
                _("At most %(left)d can be refunded.", left=left), slug="refund-too-large"
            )
    else:
        if invoice.status not in OPEN:
            raise Conflict(_("Only an open invoice can be changed."), slug="invoice-not-open")
        line = session.get(BillingInvoiceLine, line_id) if line_id else None
        if line is None or line.invoice_id != invoice.id:
            raise InvalidInput(_("Name the line to change."), slug="line-required")
        if not _text(document_ref, 120):
            raise InvalidInput(
                _("Give the decree or letter that allows it."), slug="document-required"
            )
        amount = _money(amount, _("The new amount"), allow_zero=True)
        if amount < line.paid:
            raise InvalidInput(
                _("The new amount is below what was already paid on the line."), slug="below-paid"
            )
        if what == RequestKind.WAIVER and amount >= line.amount:
            raise InvalidInput(_("A waiver lowers the amount."), slug="not-lower")
        if amount == line.amount:
            raise InvalidInput(_("The amount does not change."), slug="no-change")
    return _request(
        session,
        actor,
        what,
        invoice,
        reason=reason,
        payment=payment,
        line=line,
        amount=amount,
        document_ref=_text(document_ref, 120),
    )


def request_info(session: Session, row: BillingRequest) -> RequestInfo:
    """The public record of a change request."""
    payment = session.get(BillingPayment, row.payment_id) if row.payment_id else None
    return RequestInfo(
        id=row.id,
        kind=row.kind,
        status=row.status,
        invoice_number=row.invoice.number,
        payment_number=payment.number if payment else "",
        amount=int(row.amount or 0),
        requested_by=row.requested_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def request_refund(
    session: Session, actor: Actor, *, invoice_number: str, amount: int, reason: str
) -> list[RequestInfo]:
    """Ask to pay back ``amount`` of an invoice's confirmed payments; a supervisor decides.

    For a plugin that owes money back on an invoice it made (an unused
    deposit): the amount is spread over the invoice's confirmed payments,
    newest first, one refund request each (as :func:`request_change` makes
    them). A payment whose refund already waits for approval is skipped, so
    asking twice never asks for more than was paid. The invoice row is
    locked: two cashiers asking at once are served one after the other.
    Nothing moves until a supervisor who is not the requester approves.
    """
    amount = _money(amount, _("The amount"))
    invoice = _lock_invoice(session, invoice_number)
    pending = dict(
        session.execute(
            select(BillingRequest.payment_id, func.sum(BillingRequest.amount))
            .where(
                BillingRequest.invoice_id == invoice.id,
                BillingRequest.kind == RequestKind.REFUND.value,
                BillingRequest.status == RequestStatus.PENDING.value,
            )
            .group_by(BillingRequest.payment_id)
        ).all()
    )
    refundable = [
        (payment, payment.amount - payment.refunded)
        for payment in reversed(payments_of(session, invoice))
        if payment.status == PaymentStatus.CONFIRMED and payment.id not in pending
    ]
    left = sum(part for _payment, part in refundable)
    if amount > left:
        raise Conflict(_("At most %(left)d can be refunded.", left=left), slug="refund-too-large")
    made = []
    for payment, part in refundable:
        take = min(amount, part)
        if take <= 0:
            continue
        row = request_change(
            session,
            actor,
            kind=RequestKind.REFUND.value,
            invoice_number=invoice.number,
            reason=reason,
            payment_number=payment.number,
            amount=take,
        )
        made.append(request_info(session, row))
        amount -= take
    return made


def request_statuses(session: Session, ids: Iterable[int]) -> dict[int, RequestInfo]:
    """The change requests with these ids, by id (unknown ids are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(select(BillingRequest).where(BillingRequest.id.in_(wanted)))
    return {row.id: request_info(session, row) for row in rows}


def decide_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> BillingRequest:
    """Approve or reject; the approver must be a supervisor and not the requester."""
    row = session.get(BillingRequest, request_id)
    if row is None or not can_read(actor, row.invoice.unit):
        raise NotFound(_("No such request."), slug="request-not-found")
    _require(actor, SUPERVISOR, row.invoice.unit)
    if actor.user_id is None:
        raise Forbidden(_("A person approves, not the system."), slug="person-required")
    if row.requested_by_id == actor.user_id:
        raise Forbidden(_("Someone else must approve your own request."), slug="same-person")
    if row.status != RequestStatus.PENDING:
        raise Conflict(_("The request was already decided."), slug="request-decided")
    now = now or utcnow()
    invoice = _lock_invoice(session, row.invoice.number)
    note = _text(note, 300)
    if approve:
        if row.kind == RequestKind.CANCEL:
            _cancel(session, actor, invoice, row.reason, now)
        elif row.kind == RequestKind.REFUND:
            _refund(
                session,
                actor,
                invoice,
                session.get(BillingPayment, row.payment_id),
                int(row.amount or 0),
                row.reason,
                now,
            )
        else:
            _adjust(
                session,
                actor,
                invoice,
                session.get(BillingInvoiceLine, row.line_id),
                int(row.amount or 0),
                row,
                now,
            )
    row.status = (RequestStatus.APPROVED if approve else RequestStatus.REJECTED).value
    row.decided_by_id = actor.user_id
    row.decided_by = (actor.username or "")[:60]
    row.decided_at = now
    row.decision_note = note
    session.flush()
    _audit(
        session,
        actor,
        f"request.{row.status}",
        "billing_request",
        row.id,
        invoice.unit_id,
        kind=row.kind,
        invoice=invoice.number,
        note=note,
    )
    return row


def _refund(
    session: Session,
    actor: Actor,
    invoice: BillingInvoice,
    payment: BillingPayment,
    amount: int,
    reason: str,
    now: datetime,
) -> None:
    """Pay money back from the treasury; a confirmed payment's revenue is reversed first."""
    left = payment.amount - payment.refunded
    if amount <= 0 or amount > left:
        raise Conflict(_("At most %(left)d can be refunded.", left=left), slug="refund-too-large")
    moves = []
    if payment.status == PaymentStatus.CONFIRMED:
        remaining = amount
        for allocation in sorted(payment.allocations, key=lambda a: -a.line.seq):
            take = min(remaining, allocation.amount)
            if take <= 0:
                continue
            moves.append(
                Movement(
                    "refund",
                    f"revenue:{allocation.line.account_code}",
                    "refund_queue",
                    take,
                    invoice_id=invoice.id,
                    payment_id=payment.id,
                    unit_id=allocation.line.unit_id,
                    account_code=allocation.line.account_code,
                    memo=payment.number,
                )
            )
            remaining -= take
        invoice.refunded += amount
    moves.append(
        Movement(
            "refund_paid",
            "refund_queue",
            "treasury",
            amount,
            invoice_id=invoice.id,
            payment_id=payment.id,
            unit_id=invoice.unit_id,
            memo=payment.number,
        )
    )
    ledger.append(session, actor, moves, at=now)
    payment.refunded += amount
    if payment.refunded >= payment.amount:
        payment.status = PaymentStatus.REFUNDED.value
    confirmed_left = sum(
        p.amount - p.refunded
        for p in payments_of(session, invoice)
        if p.status == PaymentStatus.CONFIRMED
    )
    if (
        payment.status in (PaymentStatus.CONFIRMED, PaymentStatus.REFUNDED)
        and invoice.refunded
        and confirmed_left == 0
        and invoice.status in (*OPEN, InvoiceStatus.PAID.value)
    ):
        invoice.status = InvoiceStatus.REFUNDED.value
        invoice.closed_at = now
        invoice.close_reason = reason[:300]
        _close_channel_bills(session, actor, invoice, keep=None)
        session.flush()
        _track(session, actor, invoice, now)
        hook_relay(session).pamong_on_invoice_cancelled(
            invoice=info(invoice), reason=reason, session=session
        )
    session.flush()


def _adjust(
    session: Session,
    actor: Actor,
    invoice: BillingInvoice,
    line: BillingInvoiceLine,
    amount: int,
    row: BillingRequest,
    now: datetime,
) -> None:
    if invoice.status not in OPEN:
        raise Conflict(_("Only an open invoice can be changed."), slug="invoice-not-open")
    if amount < line.paid:
        raise Conflict(
            _("The new amount is below what was already paid on the line."), slug="below-paid"
        )
    delta = amount - line.amount
    if delta < 0:
        move = Movement(
            row.kind,
            f"revenue:{line.account_code}",
            "receivable",
            -delta,
            invoice_id=invoice.id,
            unit_id=line.unit_id,
            account_code=line.account_code,
            memo=f"{invoice.number} {row.document_ref}",
        )
    else:
        move = Movement(
            row.kind,
            "receivable",
            f"revenue:{line.account_code}",
            delta,
            invoice_id=invoice.id,
            unit_id=line.unit_id,
            account_code=line.account_code,
            memo=f"{invoice.number} {row.document_ref}",
        )
    ledger.append(session, actor, [move], at=now)
    line.amount = amount
    invoice.total += delta
    _close_channel_bills(session, actor, invoice, keep=None)
    if invoice.total <= invoice.paid:
        invoice.status = InvoiceStatus.PAID.value
        invoice.paid_at = now
        session.flush()
        _track(session, actor, invoice, now)
        hook_relay(session).pamong_on_invoice_paid(invoice=info(invoice), session=session)
    session.flush()


def pending_requests(session: Session, actor: Actor) -> list[BillingRequest]:
    stmt = (
        select(BillingRequest)
        .join(BillingInvoice, BillingRequest.invoice_id == BillingInvoice.id)
        .join(OrgUnit, BillingInvoice.unit_id == OrgUnit.id)
        .where(
            BillingRequest.status == RequestStatus.PENDING.value,
            or_(*(actor.scope_filter(p, OrgUnit.path) for p in READ)),
        )
        .order_by(BillingRequest.requested_at)
        .limit(500)
    )
    return list(session.scalars(stmt))


def held_payments(session: Session, actor: Actor) -> list[BillingPayment]:
    stmt = (
        select(BillingPayment)
        .join(OrgUnit, BillingPayment.unit_id == OrgUnit.id)
        .where(
            BillingPayment.status == PaymentStatus.HELD.value,
            actor.scope_filter(SUPERVISOR, OrgUnit.path),
        )
        .order_by(BillingPayment.id)
        .limit(500)
    )
    return list(session.scalars(stmt))


# --- day closing and the deposit slip ----------------------------------------------


def settlement_account(unit: OrgUnit) -> str:
    """Where the unit's money goes: its own account (BLUD, BUMD) or the treasury (RKUD)."""
    conf = settings()
    return conf["unit_settlement_accounts"].get(unit.code) or conf["treasury_account"]


def day_summary(session: Session, unit: OrgUnit, day: date) -> dict[str, Any]:
    """The day's receipts at a unit: by account, by cashier, cash and non-cash."""
    rows = session.execute(
        select(
            BillingPayment.method,
            BillingInvoiceLine.account_code,
            func.sum(BillingAllocation.amount),
            func.count(func.distinct(BillingPayment.id)),
        )
        .join(BillingAllocation, BillingAllocation.payment_id == BillingPayment.id)
        .join(BillingInvoiceLine, BillingAllocation.line_id == BillingInvoiceLine.id)
        .where(
            BillingPayment.unit_id == unit.id,
            BillingPayment.day == day,
            BillingPayment.status.in_(
                [PaymentStatus.CONFIRMED.value, PaymentStatus.REFUNDED.value]
            ),
        )
        .group_by(BillingPayment.method, BillingInvoiceLine.account_code)
        .order_by(BillingInvoiceLine.account_code)
    ).all()
    names = account_names(session)
    by_account: dict[str, dict[str, Any]] = {}
    cash = noncash = 0
    for method, code, total, _count in rows:
        entry = by_account.setdefault(
            code, {"code": code, "name": names.get(code, ""), "cash": 0, "noncash": 0}
        )
        entry["cash" if method == "cash" else "noncash"] += int(total)
        if method == "cash":
            cash += int(total)
        else:
            noncash += int(total)
    sessions = session.scalars(
        select(BillingCashierSession)
        .where(BillingCashierSession.unit_id == unit.id, BillingCashierSession.day == day)
        .order_by(BillingCashierSession.id)
    ).all()
    users = dict(session.execute(select(User.id, User.full_name)).all()) if sessions else {}
    by_cashier = [
        {
            "session": s.id,
            "cashier": users.get(s.cashier_id, str(s.cashier_id)),
            "status": s.status,
            "float": s.opening_float,
            "cash": session_cash(session, s),
            "counted": s.counted_cash,
            "difference": s.difference,
        }
        for s in sessions
    ]
    count = session.scalar(
        select(func.count(BillingPayment.id)).where(
            BillingPayment.unit_id == unit.id,
            BillingPayment.day == day,
            BillingPayment.status.in_(
                [PaymentStatus.CONFIRMED.value, PaymentStatus.REFUNDED.value]
            ),
        )
    )
    return {
        "by_account": list(by_account.values()),
        "by_cashier": by_cashier,
        "cash": cash,
        "noncash": noncash,
        "payments": int(count or 0),
        "open_sessions": [c["cashier"] for c in by_cashier if c["status"] == "open"],
    }


def close_day(
    session: Session, actor: Actor, *, unit_code: str, day: date, now: datetime | None = None
) -> BillingDayClosing:
    """Close a unit's day: every session closed, the receipts summed, the deposit slip numbered.

    Afterwards no cash can be taken at the unit on that day.
    """
    unit = _unit(session, unit_code)
    _require(actor, TREASURER, unit)
    now = now or utcnow()
    if day > local_day(now):
        raise InvalidInput(_("A day in the future cannot be closed."), slug="future-day")
    if _day_closed(session, unit.id, day):
        raise Conflict(
            _("The day %(day)s is already closed at this unit.", day=day.isoformat()),
            slug="day-closed",
        )
    summary = day_summary(session, unit, day)
    still_open = session.scalars(
        select(BillingCashierSession).where(
            BillingCashierSession.unit_id == unit.id,
            BillingCashierSession.day <= day,
            BillingCashierSession.status == "open",
        )
    ).all()
    if still_open:
        raise Conflict(
            _("Close the open cashier sessions first (%(count)d).", count=len(still_open)),
            slug="sessions-open",
            sessions=[s.id for s in still_open],
        )
    number = f"STS-{day.year}-{next_number(session, 'STS', day.year):06d}"
    closing = BillingDayClosing(
        unit=unit,
        unit_id=unit.id,
        day=day,
        closed_at=now,
        closed_by_id=actor.user_id,
        cash_total=summary["cash"],
        noncash_total=summary["noncash"],
        payments=summary["payments"],
        by_account=summary["by_account"],
        by_cashier=summary["by_cashier"],
        sts_number=number,
        settlement_account=settlement_account(unit),
    )
    try:
        with session.begin_nested():
            session.add(closing)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("The day %(day)s is already closed at this unit.", day=day.isoformat()),
            slug="day-closed",
        ) from None
    from pamong_plugins.billing.permissions import DEPOSIT_SLIP

    document = issue_document(
        session,
        actor,
        DEPOSIT_SLIP,
        number=number,
        unit=unit,
        holder_label=unit.name[:100],
        now=now,
    )
    closing.sts_document_id = document.id
    session.execute(
        update(BillingPayment)
        .where(
            BillingPayment.unit_id == unit.id,
            BillingPayment.day == day,
            BillingPayment.closing_id.is_(None),
        )
        .values(closing_id=closing.id)
    )
    destination = (
        "treasury"
        if closing.settlement_account == settings()["treasury_account"]
        else f"settlement:{unit.code}"
    )
    moves = [
        Movement(
            "deposit",
            destination,
            f"cash:session:{c['session']}",
            c["cash"],
            unit_id=unit.id,
            memo=number,
        )
        for c in summary["by_cashier"]
    ]
    moves += [
        Movement(
            "float_back",
            "float",
            f"cash:session:{c['session']}",
            c["float"],
            unit_id=unit.id,
            memo=number,
        )
        for c in summary["by_cashier"]
        if c["float"]
        and not session.scalar(
            select(BillingCashierSession.handed_to_id).where(
                BillingCashierSession.id == c["session"]
            )
        )
    ]
    ledger.append(session, actor, moves, at=now)
    _audit(
        session,
        actor,
        "day.close",
        "billing_day_closing",
        closing.id,
        unit.id,
        day=day.isoformat(),
        sts=number,
        cash=summary["cash"],
    )
    return closing


def closings_query(actor: Actor) -> Select[tuple[BillingDayClosing]]:
    return (
        select(BillingDayClosing)
        .join(OrgUnit, BillingDayClosing.unit_id == OrgUnit.id)
        .where(
            or_(
                *(
                    actor.scope_filter(p, OrgUnit.path)
                    for p in (TREASURER, SUPERVISOR, "billing.report")
                )
            )
        )
        .order_by(BillingDayClosing.day.desc(), BillingDayClosing.id.desc())
    )


def get_closing(session: Session, actor: Actor, closing_id: int) -> BillingDayClosing:
    closing = session.get(BillingDayClosing, closing_id)
    if closing is None or not can_read(actor, closing.unit):
        raise NotFound(_("No such day closing."), slug="closing-not-found")
    return closing


def cash_book(session: Session, actor: Actor, unit_code: str, month: date) -> dict[str, Any]:
    """The Buku Kas Umum penerimaan of a unit for a month: receipts in, deposits out, balance."""
    unit = _unit(session, unit_code)
    if not (actor.can(TREASURER, unit) or actor.can("billing.report", unit)):
        _require(actor, TREASURER, unit)
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    names = account_names(session)
    receipts = session.execute(
        select(
            BillingPayment.day,
            BillingPayment.paid_at,
            BillingPayment.number,
            BillingInvoiceLine.account_code,
            BillingInvoice.number,
            BillingAllocation.amount,
        )
        .join(BillingAllocation, BillingAllocation.payment_id == BillingPayment.id)
        .join(BillingInvoiceLine, BillingAllocation.line_id == BillingInvoiceLine.id)
        .join(BillingInvoice, BillingPayment.invoice_id == BillingInvoice.id)
        .where(
            BillingPayment.unit_id == unit.id,
            BillingPayment.method == "cash",
            BillingPayment.day >= first,
            BillingPayment.day < after,
            BillingPayment.status.in_(
                [PaymentStatus.CONFIRMED.value, PaymentStatus.REFUNDED.value]
            ),
        )
        .order_by(BillingPayment.paid_at, BillingPayment.id)
    ).all()
    deposits = session.scalars(
        select(BillingDayClosing)
        .where(
            BillingDayClosing.unit_id == unit.id,
            BillingDayClosing.day >= first,
            BillingDayClosing.day < after,
        )
        .order_by(BillingDayClosing.day)
    ).all()
    events: list[tuple[date, int, dict[str, Any]]] = []
    for day, _at, number, code, invoice_number, amount in receipts:
        events.append(
            (
                day,
                0,
                {
                    "day": day,
                    "number": number,
                    "code": code,
                    "text": f"{names.get(code, code)} ({invoice_number})",
                    "in": int(amount),
                    "out": 0,
                },
            )
        )
    for closing in deposits:
        if closing.cash_total:
            events.append(
                (
                    closing.day,
                    1,
                    {
                        "day": closing.day,
                        "number": closing.sts_number,
                        "code": "",
                        "text": f"Setor ke {closing.settlement_account}",
                        "in": 0,
                        "out": closing.cash_total,
                    },
                )
            )
    events.sort(key=lambda e: (e[0], e[1]))
    balance = 0
    rows = []
    for _day, _order, row in events:
        balance += row["in"] - row["out"]
        rows.append({**row, "balance": balance})
    return {
        "unit": unit,
        "month": first,
        "rows": rows,
        "total_in": sum(r["in"] for r in rows),
        "total_out": sum(r["out"] for r in rows),
        "balance": balance,
    }


# --- the public check -------------------------------------------------------------


def public_invoice(session: Session, number: str, code: str) -> dict[str, Any]:
    """What anyone holding the bill may see: amounts, due date, status, how to pay. No names."""
    invoice = session.scalar(
        select(BillingInvoice).where(BillingInvoice.number == (number or "").strip().upper())
    )
    given = (code or "").strip().upper().encode()
    if invoice is None or not hmac.compare_digest(invoice.check_code.encode(), given):
        raise NotFound(
            _("No invoice matches this number and check code."), slug="invoice-not-found"
        )
    bills = _open_bills(session, invoice) if invoice.status in OPEN else []
    titles = {c.name: c.title for c in channel_infos(session)}
    return {
        "number": invoice.number,
        "status": invoice.status,
        "description": invoice.description,
        "unit": invoice.unit.name,
        "total": invoice.total,
        "paid": invoice.paid,
        "outstanding": invoice.outstanding,
        "due_date": invoice.due_date,
        "paid_at": invoice.paid_at,
        "how_to_pay": [
            {
                "channel": b.channel,
                "title": titles.get(b.channel, b.channel),
                "kind": b.kind,
                "va_number": b.va_number,
                "qris_payload": b.qris_payload,
                "amount": b.amount,
                "expires_at": b.expires_at,
            }
            for b in bills
            if b.amount == invoice.outstanding
        ],
        "counter": invoice.unit.name,
    }

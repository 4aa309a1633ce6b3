"""The billing pages: cashier, invoices, approvals, day closing, reports, the public check."""

from __future__ import annotations

import secrets
from dataclasses import astuple, fields
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pamong.plugin import (
    EXPORT_LIMIT,
    Actor,
    InvalidInput,
    OrgUnit,
    User,
    _,
    _l,
    download_format,
    get_session,
    get_unit,
    page_arg,
    paginate,
    public_rate_limited,
    regency_today,
    rupiah,
    table_download,
)
from pamong_plugins.billing import documents, ledger, reconcile, reports, services
from pamong_plugins.billing.demo_channel import (
    CALLBACK_PATH,
    BankRefused,
    bank_pay,
    notification_for,
)
from pamong_plugins.billing.models import (
    BillingChannelBill,
    BillingPayment,
    BillingRequest,
    InvoiceStatus,
    RequestKind,
)
from pamong_plugins.billing.permissions import (
    CASHIER,
    READ,
    REPORT,
    SUPERVISOR,
    TREASURER,
)
from pamong_plugins.billing.records import PAYER_KINDS
from pamong_plugins.billing.settings import channel_secret

bp = Blueprint("billing", __name__, template_folder="templates")
PER_PAGE = 30
MAX_REPORT_DAYS = 731

STATUS_LABELS = {
    "unpaid": _l("Unpaid"),
    "partly_paid": _l("Partly paid"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
    "expired": _l("Expired"),
    "confirmed": _l("Confirmed"),
    "held": _l("Held for review"),
    "excess": _l("Refund queue"),
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "open": _l("Open"),
    "closed": _l("Closed"),
}
KIND_LABELS = {
    "cancel": _l("Cancellation"),
    "refund": _l("Refund"),
    "waiver": _l("Waiver"),
    "amendment": _l("Amendment"),
    "resident": _l("Resident"),
    "business": _l("Business"),
    "institution": _l("Institution"),
    "other": _l("Other"),
    "cash": _l("Cash"),
    "channel": _l("Bank or QRIS"),
    "va": _l("Virtual account"),
    "qris": _l("QRIS"),
}
GROUP_LABELS = {
    "source": _l("Service"),
    "account": _l("Account code"),
    "unit": _l("Unit"),
    "channel": _l("Channel"),
    "day": _l("Day"),
    "month": _l("Month"),
}


@bp.app_template_filter("billing_label")
def _label(code: str | None) -> str:
    if code is None:
        return "-"
    return str(STATUS_LABELS.get(code) or KIND_LABELS.get(code) or code)


def _actor() -> Any:
    return current_user.actor


def _allowed(*permissions: str) -> None:
    if not any(_actor().can(p) for p in permissions):
        abort(403)


def _int(value: str | None, what: str) -> int:
    digits = (value or "").replace(".", "").replace(",", "").replace(" ", "").strip()
    if digits.startswith("Rp"):
        digits = digits[2:]
    if not digits.isdigit() or len(digits) > 14:
        raise InvalidInput(_("%(what)s must be whole rupiah.", what=what), slug="invalid-amount")
    return int(digits)


def _day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Dates are written YYYY-MM-DD.")) from None


# --- cashier ------------------------------------------------------------------------


@bp.route("/")
@login_required
def cashier() -> Any:
    """The counter: open a session, find an invoice, take cash, print, close."""
    _allowed(CASHIER)
    db = get_session()
    actor = _actor()
    current = services.open_session_of(db, actor)
    found: list[Any] = []
    query = request.args.get("q", "").strip()[:40]
    if query:
        found = db.scalars(services.invoices_query(actor, q=query).limit(20)).all()
    taken: list[BillingPayment] = []
    cash = 0
    if current is not None:
        taken = list(
            db.scalars(
                select(BillingPayment)
                .where(BillingPayment.cashier_session_id == current.id)
                .order_by(BillingPayment.id.desc())
                .limit(50)
            )
        )
        cash = services.session_cash(db, current)
    selected = None
    if request.args.get("invoice"):
        selected = services.get_invoice(db, actor, request.args["invoice"])
    return render_template(
        "billing/cashier.html",
        session_row=current,
        units=services.cashier_units(db, actor),
        found=found,
        query=query,
        selected=selected,
        taken=taken,
        cash=cash,
        today=regency_today(),
    )


@bp.route("/sessions", methods=["POST"])
@login_required
def open_session() -> Any:
    db = get_session()
    services.open_cashier_session(
        db,
        _actor(),
        unit_code=request.form.get("unit_code", "")[:40],
        opening_float=_int(request.form.get("opening_float") or "0", _("The float")),
    )
    db.commit()
    flash(_("Cashier session opened."), "info")
    return redirect(url_for("billing.cashier"))


@bp.route("/sessions/close", methods=["POST"])
@login_required
def close_session() -> Any:
    db = get_session()
    hand_to = None
    username = request.form.get("hand_to", "").strip()[:80]
    if username:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            raise InvalidInput(_("No such user."), slug="unknown-user")
        hand_to = user.id
    row = services.close_cashier_session(
        db,
        _actor(),
        counted_cash=_int(request.form.get("counted_cash"), _("The counted cash")),
        note=request.form.get("note", "")[:300],
        hand_to=hand_to,
    )
    db.commit()
    if row.difference:
        flash(_("Session closed. Difference: %(diff)s.", diff=_rupiah(row.difference)), "error")
    else:
        flash(_("Session closed. The cash matches."), "info")
    return redirect(url_for("billing.cashier"))


def _rupiah(amount: int) -> str:
    return rupiah(amount)


@bp.route("/payments", methods=["POST"])
@login_required
def pay() -> Any:
    db = get_session()
    number = request.form.get("invoice_number", "")[:20]
    payment = services.pay_cash(
        db,
        _actor(),
        invoice_number=number,
        amount=_int(request.form.get("amount"), _("The amount")),
        paid_by=request.form.get("paid_by", "")[:200],
    )
    db.commit()
    flash(
        _("Payment %(number)s recorded: print the receipt.", number=payment.number),
        "info",
    )
    return redirect(url_for("billing.cashier", paid=payment.number))


@bp.route("/payments/<string:number>/receipt.pdf")
@login_required
def receipt(number: str) -> Any:
    db = get_session()
    payment = services.get_payment(db, _actor(), number)
    layout = request.args.get("layout", "a5")
    pdf = documents.receipt_pdf(db, _actor(), payment, layout)
    db.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{payment.number}-{layout}.pdf"'},
    )


# --- invoices -----------------------------------------------------------------------


@bp.route("/invoices")
@login_required
def invoices() -> Any:
    _allowed(*READ)
    db = get_session()
    status = request.args.get("status") or None
    if status and status not in {s.value for s in InvoiceStatus}:
        status = None
    stmt = services.invoices_query(
        _actor(),
        status=status,
        source=request.args.get("source") or None,
        q=request.args.get("q", "")[:40] or None,
    )
    fmt = download_format()
    if fmt:
        header = [_("Invoice"), _("Service"), _("Payer"), _("Total"), _("Still due"), _("Due")]
        header.append(_("Status"))
        table = [
            [i.number, i.source, i.payer_name, i.total, i.outstanding, i.due_date, _label(i.status)]
            for i in db.scalars(stmt.limit(EXPORT_LIMIT))
        ]
        return table_download("tagihan", header, table, fmt)
    page = page_arg()
    rows, total = paginate(db, stmt, page, PER_PAGE)
    return render_template(
        "billing/invoices.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        status=status,
        statuses=[s.value for s in InvoiceStatus],
        q=request.args.get("q", ""),
    )


@bp.route("/invoices/new", methods=["GET", "POST"])
@login_required
def new_invoice() -> Any:
    _allowed(CASHIER)
    db = get_session()
    if request.method == "POST":
        form = request.form
        lines = []
        for n in range(1, 4):
            text = form.get(f"line{n}_description", "").strip()
            if not text and not form.get(f"line{n}_amount"):
                continue
            lines.append(
                services.Line(
                    text,
                    _int(form.get(f"line{n}_amount"), _("The line amount")),
                    account_code=form.get(f"line{n}_account", "")[:40],
                )
            )
        made = services.create_invoice(
            db,
            _actor(),
            source="manual",
            reference=_manual_reference(form.get("reference", "")),
            unit_code=form.get("unit_code", "")[:40],
            payer=services.Payer(
                form.get("payer_kind", "resident"),
                form.get("payer_name", "")[:200],
                "",
                form.get("payer_nik", "")[:40],
            ),
            lines=lines,
            due_date=_day(form.get("due_date"), regency_today()),
            description=form.get("description", "")[:300],
            legal_basis=form.get("legal_basis", "")[:200],
        )
        db.commit()
        flash(_("Invoice %(number)s issued.", number=made.number), "info")
        return redirect(url_for("billing.invoice", number=made.number))
    return render_template(
        "billing/invoice_new.html",
        units=services.cashier_units(db, _actor()),
        accounts=sorted(services.account_names(db).items()),
        payer_kinds=PAYER_KINDS,
        today=regency_today(),
        reference=f"manual:{secrets.token_hex(8)}",
    )


def _manual_reference(value: str) -> str:
    """The form's own idempotency key: a double click submits the same one twice."""
    value = value.strip()
    if value.startswith("manual:") and 8 < len(value) <= 40 and value[7:].isalnum():
        return value
    return f"manual:{secrets.token_hex(8)}"


@bp.route("/invoices/<string:number>")
@login_required
def invoice(number: str) -> Any:
    db = get_session()
    row = services.get_invoice(db, _actor(), number)
    bills = db.scalars(
        select(BillingChannelBill)
        .where(BillingChannelBill.invoice_id == row.id)
        .order_by(BillingChannelBill.id)
    ).all()
    requests_ = db.scalars(
        select(BillingRequest)
        .where(BillingRequest.invoice_id == row.id)
        .order_by(BillingRequest.id)
    ).all()
    return render_template(
        "billing/invoice.html",
        i=row,
        payments=services.payments_of(db, row),
        bills=bills,
        requests=requests_,
        names=services.account_names(db),
        kinds=[k.value for k in RequestKind],
        can_cashier=_actor().can(CASHIER, row.unit),
    )


@bp.route("/invoices/<string:number>/bill")
@login_required
def bill(number: str) -> Any:
    """The bill to hand or send to the payer: amount, due date, check code, how to pay."""
    db = get_session()
    row = services.get_invoice(db, _actor(), number)
    public = services.public_invoice(db, row.number, row.check_code)
    return render_template("billing/bill.html", i=row, public=public, today=regency_today())


@bp.route("/invoices/<string:number>/channel-bills", methods=["POST"])
@login_required
def open_bills(number: str) -> Any:
    db = get_session()
    services.get_invoice(db, _actor(), number)
    services.open_channel_bills(db, _actor(), number)
    db.commit()
    flash(_("Payment codes issued."), "info")
    return redirect(url_for("billing.invoice", number=number))


@bp.route("/invoices/<string:number>/requests", methods=["POST"])
@login_required
def ask(number: str) -> Any:
    db = get_session()
    services.get_invoice(db, _actor(), number)  # 404 outside the actor's units
    form = request.form
    amount = form.get("amount", "").strip()
    row = services.request_change(
        db,
        _actor(),
        kind=form.get("kind", ""),
        invoice_number=number,
        reason=form.get("reason", "")[:300],
        payment_number=form.get("payment_number") or None,
        line_id=int(form["line_id"]) if form.get("line_id", "").isdigit() else None,
        amount=_int(amount, _("The amount")) if amount else None,
        document_ref=form.get("document_ref", "")[:120],
    )
    db.commit()
    flash(_("Request #%(id)d sent to a supervisor.", id=row.id), "info")
    return redirect(url_for("billing.invoice", number=number))


# --- approvals ------------------------------------------------------------------------


@bp.route("/approvals")
@login_required
def approvals() -> Any:
    _allowed(SUPERVISOR, CASHIER)
    db = get_session()
    return render_template(
        "billing/approvals.html",
        pending=services.pending_requests(db, _actor()),
        held=services.held_payments(db, _actor()),
        me=_actor().user_id,
    )


@bp.route("/approvals/<id:request_id>", methods=["POST"])
@login_required
def decide(request_id: int) -> Any:
    db = get_session()
    approve = request.form.get("decision") == "approve"
    services.decide_request(
        db, _actor(), request_id, approve=approve, note=request.form.get("note", "")[:300]
    )
    db.commit()
    flash(_("Approved.") if approve else _("Rejected."), "info")
    return redirect(url_for("billing.approvals"))


@bp.route("/held/<string:number>", methods=["POST"])
@login_required
def release(number: str) -> Any:
    db = get_session()
    apply = request.form.get("decision") == "apply"
    services.release_held(db, _actor(), number, apply=apply, note=request.form.get("note", ""))
    db.commit()
    flash(_("Payment counted.") if apply else _("Payment sent to the refund queue."), "info")
    return redirect(url_for("billing.approvals"))


# --- day closing and cash book --------------------------------------------------------


def _treasury_units(db: Any) -> list[OrgUnit]:
    """The units a treasurer closes days for: those in scope that took money."""
    return services.collecting_units(db, _actor(), TREASURER) or services.collecting_units(
        db, _actor(), REPORT
    )


@bp.route("/closing")
@login_required
def closing() -> Any:
    _allowed(TREASURER, REPORT)
    db = get_session()
    units = _treasury_units(db)
    code = request.args.get("unit") or (units[0].code if units else None)
    day = _day(request.args.get("day"), regency_today())
    summary = None
    unit = None
    if code:
        unit = get_unit(db, code)
        summary = services.day_summary(db, unit, day)
    recent = db.scalars(services.closings_query(_actor()).limit(30)).all()
    return render_template(
        "billing/closing.html",
        units=units,
        unit=unit,
        day=day,
        summary=summary,
        recent=recent,
        settlement=services.settlement_account(unit) if unit else "",
    )


@bp.route("/closing", methods=["POST"])
@login_required
def close_day() -> Any:
    db = get_session()
    row = services.close_day(
        db,
        _actor(),
        unit_code=request.form.get("unit_code", "")[:40],
        day=_day(request.form.get("day"), regency_today()),
    )
    db.commit()
    flash(_("Day closed: deposit slip %(number)s.", number=row.sts_number), "info")
    return redirect(url_for("billing.closing", unit=row.unit.code, day=row.day.isoformat()))


@bp.route("/closings/<id:closing_id>/sts.pdf")
@login_required
def sts(closing_id: int) -> Any:
    db = get_session()
    row = services.get_closing(db, _actor(), closing_id)
    return Response(
        documents.sts_pdf(db, row),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{row.sts_number}.pdf"'},
    )


@bp.route("/cash-book")
@login_required
def cash_book() -> Any:
    _allowed(TREASURER, REPORT)
    db = get_session()
    units = _treasury_units(db)
    code = request.args.get("unit") or (units[0].code if units else "")
    if not code:
        return render_template("billing/cash_book.html", book=None, units=units)
    try:
        month = documents.month_of(request.args.get("month") or regency_today().isoformat()[:7])
    except ValueError:
        raise InvalidInput(_("The month is written YYYY-MM.")) from None
    book = services.cash_book(db, _actor(), code, month)
    if request.args.get("format") == "pdf":
        return Response(documents.cash_book_pdf(book), mimetype="application/pdf")
    return render_template("billing/cash_book.html", book=book, units=units)


# --- reports, ledger, reconciliation --------------------------------------------------


@bp.route("/reports")
@login_required
def reports_page() -> Any:
    _allowed(REPORT)
    db = get_session()
    today = regency_today()
    until = _day(request.args.get("until"), today)
    since = _day(request.args.get("since"), until - timedelta(days=29))
    if since > until:
        since, until = until, since
    if (until - since).days >= MAX_REPORT_DAYS:
        raise InvalidInput(_("Choose at most two years."))
    by = request.args.get("by", "source")
    if by not in reports.GROUPINGS:
        by = "source"
    rows = reports.revenue(db, _actor(), since, until, by)
    aging = reports.arrears(db, _actor(), today)
    fmt = download_format()
    if fmt:
        what = "arrears" if request.args.get("table") == "arrears" else "revenue"
        table = aging if what == "arrears" else rows
        kind = reports.ArrearsRow if what == "arrears" else reports.RevenueRow
        header = [field.name for field in fields(kind)]
        stem = f"billing-{what}-{since.isoformat()}-{until.isoformat()}"
        return table_download(stem, header, [astuple(r) for r in table], fmt)
    chart = reports.bar_chart([(r.label, r.amount) for r in rows[:40]], title=str(GROUP_LABELS[by]))
    return render_template(
        "billing/reports.html",
        since=since,
        until=until,
        by=by,
        groupings=GROUP_LABELS,
        rows=rows,
        chart=chart,
        aging=aging,
        buckets=reports.BUCKETS,
        collection=reports.collection(db, _actor(), since, until),
        total=sum(r.amount for r in rows),
    )


@bp.route("/ledger")
@login_required
def ledger_page() -> Any:
    _allowed(TREASURER)
    check = ledger.verify(get_session())
    return render_template("billing/ledger.html", check=check)


@bp.route("/reconcile", methods=["GET", "POST"])
@login_required
def reconcile_page() -> Any:
    _allowed(TREASURER)
    result = None
    if request.method == "POST":
        upload = request.files.get("statement")
        if upload is None or not upload.filename:
            raise InvalidInput(_("Choose the statement file."))
        try:
            text = upload.read(20 * 1024 * 1024).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("The statement must be UTF-8 text.")) from None
        db = get_session()
        result = reconcile.reconcile(db, _actor(), text, filename=upload.filename)
        db.commit()
    return render_template("billing/reconcile.html", result=result)


# --- the public check -----------------------------------------------------------------


@bp.route("/check", methods=["GET", "POST"])
@public_rate_limited
def check() -> Any:
    """Anyone holding the bill: amount, due date, status, how to pay. No names."""
    number = (request.values.get("number") or "").strip()[:20]
    code = (request.values.get("code") or "").strip()[:12]
    found = None
    db = get_session()
    if number and code:
        if request.method == "POST":
            services.public_invoice(db, number, code)
            services.open_channel_bills(db, Actor.system("public check"), number)
            db.commit()
            return redirect(url_for("billing.check", number=number, code=code))
        found = services.public_invoice(db, number, code)
    return render_template("billing/check.html", found=found, number=number, code=code)


# --- the demo bank ----------------------------------------------------------------------


def demo_bank_payment(code: str, amount: int | None = None) -> dict[str, Any]:
    """Pay at the simulated bank, then let the bank post its signed callback to billing."""
    db = get_session()
    try:
        paid = bank_pay(db, code, amount)
    except BankRefused as refusal:
        raise InvalidInput(_("The demo bank refused: %(why)s.", why=str(refusal))) from None
    db.commit()
    body, headers = notification_for(paid, secret=channel_secret("demo"))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context(), app.test_client() as bank:  # the bank calls our callback address
        answer = bank.post(CALLBACK_PATH, data=body, headers=headers)
    result = answer.get_json(silent=True) or {}
    if answer.status_code >= 400:
        raise InvalidInput(result.get("detail", "callback refused"), slug="callback-refused")
    return result


@bp.route("/demo-bank", methods=["GET", "POST"])
@login_required
def demo_bank() -> Any:
    _allowed(*READ)
    result = None
    if request.method == "POST":
        amount = request.form.get("amount", "").strip()
        result = demo_bank_payment(
            request.form.get("code", "")[:400], _int(amount, _("The amount")) if amount else None
        )
        flash(
            _("The bank notified billing: %(outcome)s.", outcome=_label(result.get("outcome"))),
            "info",
        )
    db = get_session()
    open_bills = db.scalars(
        select(BillingChannelBill)
        .where(BillingChannelBill.status == "open", BillingChannelBill.channel == "demo")
        .order_by(BillingChannelBill.id.desc())
        .limit(20)
    ).all()
    return render_template("billing/demo_bank.html", result=result, open_bills=open_bills)

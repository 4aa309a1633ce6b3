"""REST: ``/api/v1/billing``: every billing operation, for desk software and integrations.

Staff operations take a bearer token; the channel callback is
authenticated by its signature; the public invoice check by the bill's
number and check code. Errors are problem+json, 4xx for every bad input.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, request
from sqlalchemy import select

from pamong.plugin import (
    BEARER,
    Actor,
    ApiBlueprint,
    InvalidInput,
    NotFound,
    User,
    _,
    api_actor,
    get_session,
    paginate,
    public_rate_limited,
    regency_today,
    require,
    token_required,
)
from pamong_plugins.billing import documents, ledger, reconcile, reports, services
from pamong_plugins.billing.permissions import REPORT, SUPERVISOR, TREASURER
from pamong_plugins.billing.schemas import (
    BillingArrearsRowSchema,
    BillingCallbackAnswerSchema,
    BillingCashBookArgs,
    BillingCashBookSchema,
    BillingCashPaymentSchema,
    BillingChannelBillSchema,
    BillingChannelSchema,
    BillingClosingCreateSchema,
    BillingClosingSchema,
    BillingCollectionSchema,
    BillingDecisionSchema,
    BillingDemoPaySchema,
    BillingInvoiceCreateSchema,
    BillingInvoicePageSchema,
    BillingInvoiceQueryArgs,
    BillingInvoiceSchema,
    BillingLedgerCheckSchema,
    BillingLinesAddSchema,
    BillingPaymentSchema,
    BillingPeriodArgs,
    BillingPublicArgs,
    BillingPublicInvoiceSchema,
    BillingReceiptQueryArgs,
    BillingReconciliationSchema,
    BillingReleaseSchema,
    BillingReportArgs,
    BillingRequestCreateSchema,
    BillingRequestSchema,
    BillingRevenueRowSchema,
    BillingSessionCloseSchema,
    BillingSessionOpenSchema,
    BillingSessionSchema,
)

blp = ApiBlueprint(
    "billing_api", __name__, description="Billing: invoices, payments, receipts, day closing"
)
MAX_STATEMENT_BYTES = 20 * 1024 * 1024


def _commit(result: Any) -> Any:
    get_session().commit()
    return result


def _invoice_body(invoice: Any, created: bool = False) -> Any:
    invoice.created = created  # shown in the answer: False when a retry found the first one
    return invoice


# --- invoices ---------------------------------------------------------------------


@blp.route("/invoices", methods=["POST"])
@token_required
@blp.arguments(BillingInvoiceCreateSchema)
@blp.response(201, BillingInvoiceSchema)
@blp.doc(security=BEARER)
@blp.alt_response(200, description="The same reference was billed before: that invoice")
def create_invoice(data: dict[str, Any]):
    """Issue an invoice by hand; ``reference`` makes a retry return the first invoice."""
    session = get_session()
    made = services.create_invoice(
        session,
        api_actor(),
        source="manual",
        reference=data["reference"] or f"manual:{secrets.token_hex(8)}",
        unit_code=data["unit_code"],
        payer=services.Payer(**data["payer"]),
        lines=[services.Line(**line) for line in data["lines"]],
        period=data["period"],
        due_date=data["due_date"],
        description=data["description"],
        legal_basis=data["legal_basis"],
    )
    body = _invoice_body(services.get_invoice(session, api_actor(), made.number), made.created)
    session.commit()
    return body, 201 if made.created else 200


@blp.route("/invoices")
@token_required
@blp.arguments(BillingInvoiceQueryArgs, location="query")
@blp.response(200, BillingInvoicePageSchema)
@blp.doc(security=BEARER)
def list_invoices(args: dict[str, Any]):
    """Invoices in the caller's units, newest first; ``q`` finds a number or a payer's NIK."""
    stmt = services.invoices_query(
        api_actor(),
        status=args.get("status"),
        source=args.get("source"),
        unit_code=args.get("unit"),
        q=args.get("q"),
    )
    items, total = paginate(get_session(), stmt, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/invoices/<string:number>")
@token_required
@blp.response(200, BillingInvoiceSchema)
@blp.doc(security=BEARER)
def get_invoice(number: str):
    """One invoice with its lines."""
    return _invoice_body(services.get_invoice(get_session(), api_actor(), number))


@blp.route("/invoices/<string:number>/lines", methods=["POST"])
@token_required
@blp.arguments(BillingLinesAddSchema)
@blp.response(200, BillingInvoiceSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Something is already paid on the invoice")
def add_lines(data: dict[str, Any], number: str):
    """Add lines to an invoice nobody has paid on yet."""
    session = get_session()
    services.get_invoice(session, api_actor(), number)  # 404 outside the caller's units
    services.add_lines(session, api_actor(), number, [services.Line(**x) for x in data["lines"]])
    return _commit(_invoice_body(services.get_invoice(session, api_actor(), number)))


@blp.route("/invoices/<string:number>/payments")
@token_required
@blp.response(200, BillingPaymentSchema(many=True))
@blp.doc(security=BEARER)
def invoice_payments(number: str):
    """The payments of an invoice (confirmed, held, excess, refunded)."""
    session = get_session()
    return services.payments_of(session, services.get_invoice(session, api_actor(), number))


@blp.route("/invoices/<string:number>/channel-bills", methods=["POST"])
@token_required
@blp.response(200, BillingChannelBillSchema(many=True))
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The invoice is paid, cancelled or expired")
def open_channel_bills(number: str):
    """Virtual account numbers and QRIS payloads for what is due (idempotent)."""
    session = get_session()
    services.get_invoice(session, api_actor(), number)
    return _commit(services.open_channel_bills(session, api_actor(), number))


@blp.route("/invoices/<string:number>/requests", methods=["POST"])
@token_required
@blp.arguments(BillingRequestCreateSchema)
@blp.response(201, BillingRequestSchema)
@blp.doc(security=BEARER)
def request_change(data: dict[str, Any], number: str):
    """Ask for a cancellation, refund, waiver or amendment (a supervisor decides)."""
    session = get_session()
    services.get_invoice(session, api_actor(), number)
    row = services.request_change(session, api_actor(), invoice_number=number, **data)
    return _commit(row)


# --- approvals ----------------------------------------------------------------------


@blp.route("/requests")
@token_required
@blp.response(200, BillingRequestSchema(many=True))
@blp.doc(security=BEARER)
def pending_requests():
    """Requests waiting for a supervisor, oldest first."""
    return services.pending_requests(get_session(), api_actor())


@blp.route("/requests/<id:request_id>/decision", methods=["POST"])
@token_required
@blp.arguments(BillingDecisionSchema)
@blp.response(200, BillingRequestSchema)
@blp.doc(security=BEARER)
@blp.alt_response(403, description="Not a supervisor here, or your own request")
def decide(data: dict[str, Any], request_id: int):
    """Approve or reject a request; the approver is a supervisor who did not ask."""
    session = get_session()
    return _commit(services.decide_request(session, api_actor(), request_id, **data))


# --- cashier sessions and cash ------------------------------------------------------


@blp.route("/sessions", methods=["POST"])
@token_required
@blp.arguments(BillingSessionOpenSchema)
@blp.response(201, BillingSessionSchema)
@blp.doc(security=BEARER)
def open_session(data: dict[str, Any]):
    """Open your cashier session at a unit with a float."""
    session = get_session()
    return _commit(services.open_cashier_session(session, api_actor(), **data))


@blp.route("/sessions/current")
@token_required
@blp.response(200, BillingSessionSchema)
@blp.doc(security=BEARER)
def current_session():
    """Your open cashier session (404 when none is open)."""
    row = services.open_session_of(get_session(), api_actor())
    if row is None:
        raise NotFound(_("You have no open cashier session."), slug="no-open-session")
    return row


@blp.route("/sessions/current/close", methods=["POST"])
@token_required
@blp.arguments(BillingSessionCloseSchema)
@blp.response(200, BillingSessionSchema)
@blp.doc(security=BEARER)
def close_session(data: dict[str, Any]):
    """Close your session with the counted cash; ``hand_to`` passes the cash to a colleague."""
    session = get_session()
    hand_to = None
    if data.get("hand_to"):
        user = session.scalar(select(User).where(User.username == data["hand_to"]))
        if user is None:
            raise InvalidInput(_("No such user."), slug="unknown-user")
        hand_to = user.id
    row = services.close_cashier_session(
        session, api_actor(), counted_cash=data["counted_cash"], note=data["note"], hand_to=hand_to
    )
    return _commit(row)


@blp.route("/payments", methods=["POST"])
@token_required
@blp.arguments(BillingCashPaymentSchema)
@blp.response(201, BillingPaymentSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Already paid, not payable, no open session, day closed")
def pay_cash(data: dict[str, Any]):
    """Take cash for an invoice in your open session (a partial payment is apportioned)."""
    session = get_session()
    return _commit(services.pay_cash(session, api_actor(), **data))


@blp.route("/payments/<string:number>")
@token_required
@blp.response(200, BillingPaymentSchema)
@blp.doc(security=BEARER)
def get_payment(number: str):
    """One payment with its allocations to the invoice lines."""
    return services.get_payment(get_session(), api_actor(), number)


@blp.route("/payments/<string:number>/receipt.pdf")
@token_required
@blp.arguments(BillingReceiptQueryArgs, location="query")
@blp.response(200, description="The receipt (A5 or 80 mm)", content_type="application/pdf")
@blp.doc(security=BEARER)
def receipt(args: dict[str, Any], number: str):
    """Print the receipt; every print after the first is marked as a copy."""
    session = get_session()
    payment = services.get_payment(session, api_actor(), number)
    pdf = documents.receipt_pdf(session, api_actor(), payment, args["layout"])
    session.commit()
    return Response(pdf, mimetype="application/pdf")


@blp.route("/payments/held")
@token_required
@blp.response(200, BillingPaymentSchema(many=True))
@blp.doc(security=BEARER)
def held_payments():
    """Channel payments held for review (amount or currency did not match)."""
    actor = api_actor()
    require(actor, SUPERVISOR)
    return services.held_payments(get_session(), actor)


@blp.route("/payments/<string:number>/release", methods=["POST"])
@token_required
@blp.arguments(BillingReleaseSchema)
@blp.response(200, BillingPaymentSchema)
@blp.doc(security=BEARER)
def release(data: dict[str, Any], number: str):
    """Decide on a held payment: count it against the invoice, or queue its refund."""
    session = get_session()
    return _commit(services.release_held(session, api_actor(), number, **data))


# --- payment channels -----------------------------------------------------------------


@blp.route("/channels")
@token_required
@blp.response(200, BillingChannelSchema(many=True))
@blp.doc(security=BEARER)
def channels():
    """The payment channels in use."""
    return services.channel_infos(get_session())


@blp.route("/channels/<string:name>/callback", methods=["POST"])
@blp.response(200, BillingCallbackAnswerSchema)
@blp.alt_response(401, description="Wrong signature, or a timestamp outside the window")
@blp.alt_response(404, description="Unknown channel or bill")
@blp.doc(
    description="A bank's payment notification (SNAP style). Authenticated by X-SIGNATURE "
    "(HMAC-SHA512 over METHOD:path:sha256(body):X-TIMESTAMP with the channel's secret); "
    "X-EXTERNAL-ID is unique per day. The body is the channel's own JSON."
)
def callback(name: str):
    """Receive a payment notification from a channel."""
    session = get_session()
    result = services.handle_callback(
        session,
        name,
        method=request.method,
        path=request.path,
        body=request.get_data(cache=True),
        headers=request.headers,
    )
    session.commit()
    return {"responseCode": "2002500", "responseMessage": "Successful", **result}


@blp.route("/demo-bank/payments", methods=["POST"])
@token_required
@blp.arguments(BillingDemoPaySchema)
@blp.response(200, BillingCallbackAnswerSchema)
@blp.doc(security=BEARER)
def demo_bank_pay(data: dict[str, Any]):
    """The demo bank: pay a virtual account or QRIS code and notify billing (for training)."""
    from pamong_plugins.billing.views import demo_bank_payment

    require(api_actor(), REPORT)
    return demo_bank_payment(data["code"], data.get("amount"))


# --- day closing, cash book, ledger ---------------------------------------------------


@blp.route("/closings", methods=["POST"])
@token_required
@blp.arguments(BillingClosingCreateSchema)
@blp.response(201, BillingClosingSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Already closed, or cashier sessions still open")
def close_day(data: dict[str, Any]):
    """Close a unit's day and number its deposit slip (STS)."""
    session = get_session()
    return _commit(services.close_day(session, api_actor(), **data))


@blp.route("/closings")
@token_required
@blp.response(200, BillingClosingSchema(many=True))
@blp.doc(security=BEARER)
def closings():
    """Closed days, newest first (the last 100)."""
    return get_session().scalars(services.closings_query(api_actor()).limit(100)).all()


@blp.route("/closings/<id:closing_id>/sts.pdf")
@token_required
@blp.response(200, description="The deposit slip (STS)", content_type="application/pdf")
@blp.doc(security=BEARER)
def sts(closing_id: int):
    """The deposit slip of a closed day."""
    session = get_session()
    closing = services.get_closing(session, api_actor(), closing_id)
    return Response(documents.sts_pdf(session, closing), mimetype="application/pdf")


@blp.route("/cash-book")
@token_required
@blp.arguments(BillingCashBookArgs, location="query")
@blp.response(200, BillingCashBookSchema)
@blp.doc(security=BEARER)
def cash_book(args: dict[str, Any]):
    """A month of a unit's cash book (Buku Kas Umum penerimaan)."""
    try:
        month = documents.month_of(args["month"])
    except ValueError:
        raise InvalidInput(_("The month is written YYYY-MM."), slug="invalid-month") from None
    return services.cash_book(get_session(), api_actor(), args["unit"], month)


@blp.route("/ledger/verify")
@token_required
@blp.response(200, BillingLedgerCheckSchema)
@blp.doc(security=BEARER)
def verify_ledger():
    """Recompute the ledger's hash chain; ``ok`` false lists what was tampered with."""
    require(api_actor(), TREASURER)
    check = ledger.verify(get_session())
    return {
        "ok": check.ok,
        "entries": check.entries,
        "problems": list(check.problems),
        "seconds": check.seconds,
    }


@blp.route("/reconciliations", methods=["POST"])
@token_required
@blp.response(201, BillingReconciliationSchema)
@blp.doc(
    security=BEARER,
    description="The bank statement as text/csv (or a multipart field `file`).",
)
def import_statement():
    """Match a bank statement CSV to channel payments; list the unmatched and the missing."""
    upload = request.files.get("file")
    raw = upload.read(MAX_STATEMENT_BYTES + 1) if upload else request.get_data()
    if len(raw) > MAX_STATEMENT_BYTES:
        raise InvalidInput(_("The statement is too large."), slug="too-large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The statement must be UTF-8 text."), slug="not-utf8") from None
    session = get_session()
    name = upload.filename if upload and upload.filename else "statement.csv"
    return _commit(reconcile.reconcile(session, api_actor(), text, filename=name))


# --- reports -----------------------------------------------------------------------


@blp.route("/reports/revenue")
@token_required
@blp.arguments(BillingReportArgs, location="query")
@blp.response(200, BillingRevenueRowSchema(many=True))
@blp.doc(security=BEARER)
def revenue(args: dict[str, Any]):
    """Money received, by service (source), account code, unit, channel, day or month."""
    actor = api_actor()
    require(actor, REPORT)
    return reports.revenue(get_session(), actor, args["since"], args["until"], args["by"])


@blp.route("/reports/arrears")
@token_required
@blp.response(200, BillingArrearsRowSchema(many=True))
@blp.doc(security=BEARER)
def arrears():
    """Unpaid amounts past due by payer group and age (0-30, 31-60, 61-90, >90 days)."""
    actor = api_actor()
    require(actor, REPORT)
    return reports.arrears(get_session(), actor, regency_today())


@blp.route("/reports/collection")
@token_required
@blp.arguments(BillingPeriodArgs, location="query")
@blp.response(200, BillingCollectionSchema)
@blp.doc(security=BEARER)
def collection(args: dict[str, Any]):
    """Collection rate of the invoices due in a period."""
    actor = api_actor()
    require(actor, REPORT)
    return reports.collection(get_session(), actor, args["since"], args["until"])


# --- the public check ------------------------------------------------------------------


@blp.route("/public/invoices/<string:number>")
@public_rate_limited
@blp.arguments(BillingPublicArgs, location="query")
@blp.response(200, BillingPublicInvoiceSchema)
def public_invoice(args: dict[str, Any], number: str):
    """Check a bill by its number and check code: amount, due date, status, how to pay."""
    return services.public_invoice(get_session(), number, args["code"])


@blp.route("/public/invoices/<string:number>/channel-bills", methods=["POST"])
@public_rate_limited
@blp.arguments(BillingPublicArgs, location="query")
@blp.response(200, BillingPublicInvoiceSchema)
def public_channel_bills(args: dict[str, Any], number: str):
    """Get a virtual account number and a QRIS code to pay the bill (idempotent)."""
    session = get_session()
    services.public_invoice(session, number, args["code"])
    services.open_channel_bills(session, Actor.system("public check"), number)
    session.commit()
    return services.public_invoice(session, number, args["code"])

"""marshmallow schemas of the billing API (and the pages' forms). Money is whole rupiah."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, mask_nik
from pamong_plugins.billing.models import InvoiceStatus, RequestKind
from pamong_plugins.billing.records import PAYER_KINDS

MAX = 10**13


def _money(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX), **kwargs)


def _money0(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX), **kwargs)


class BillingPayerSchema(Schema):
    kind = fields.String(load_default="resident", validate=validate.OneOf(PAYER_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    nik = fields.String(load_default="", validate=validate.Length(max=40))
    ref = fields.String(load_default="", validate=validate.Length(max=100))


class BillingLineInSchema(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=300))
    amount = _money(required=True, metadata={"description": "whole rupiah"})
    account_code = fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={"description": "kode rekening pendapatan; empty: the source's account"},
    )
    unit_code = fields.String(load_default="", validate=validate.Length(max=40))
    period = fields.String(load_default="", validate=validate.Length(max=20))
    priority = fields.Integer(load_default=100, strict=True, validate=validate.Range(0, 1000))


class BillingInvoiceCreateSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    payer = fields.Nested(BillingPayerSchema, required=True)
    lines = fields.List(
        fields.Nested(BillingLineInSchema), required=True, validate=validate.Length(1, 200)
    )
    reference = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "An idempotency key: the same reference never bills twice"},
    )
    period = fields.String(load_default="", validate=validate.Length(max=20))
    due_date = fields.Date(load_default=None, allow_none=True)
    description = fields.String(load_default="", validate=validate.Length(max=300))
    legal_basis = fields.String(load_default="", validate=validate.Length(max=200))


class BillingLinesAddSchema(Schema):
    lines = fields.List(
        fields.Nested(BillingLineInSchema), required=True, validate=validate.Length(1, 200)
    )


class BillingLineSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    description = fields.String()
    account_code = fields.String()
    unit_code = fields.Function(lambda line: line.unit.code)
    period = fields.String()
    priority = fields.Integer()
    original_amount = fields.Integer()
    amount = fields.Integer()
    paid = fields.Integer()


class BillingInvoiceSummarySchema(Schema):
    number = fields.String()
    source = fields.String()
    reference = fields.String()
    period = fields.String()
    unit_code = fields.Function(lambda i: i.unit.code)
    payer_kind = fields.String()
    payer_name = fields.String()
    description = fields.String()
    total = fields.Integer()
    paid = fields.Integer()
    outstanding = fields.Integer()
    status = fields.String()
    due_date = fields.Date(allow_none=True)
    issued_at = fields.DateTime()


class BillingInvoiceSchema(BillingInvoiceSummarySchema):
    """One invoice, with its lines (staff only: the payer's NIK is masked)."""

    check_code = fields.String()
    payer_nik_masked = fields.Function(lambda i: mask_nik(i.payer_nik) if i.payer_nik else "")
    tracking_number = fields.String()
    legal_basis = fields.String()
    currency = fields.String()
    refunded = fields.Integer()
    expires_on = fields.Date(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    close_reason = fields.String()
    lines = fields.List(fields.Nested(BillingLineSchema))
    created = fields.Boolean(dump_default=False)


class BillingInvoicePageSchema(Schema):
    items = fields.List(fields.Nested(BillingInvoiceSummarySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class BillingInvoiceQueryArgs(QueryArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in InvoiceStatus]))
    source = fields.String(validate=validate.Length(max=40))
    unit = fields.String(validate=validate.Length(max=40))
    q = fields.String(validate=validate.Length(max=40))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class BillingSessionOpenSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    opening_float = _money0(load_default=0)


class BillingSessionCloseSchema(Schema):
    counted_cash = _money0(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))
    hand_to = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=80),
        metadata={"description": "Username of the cashier who takes over the cash"},
    )


class BillingSessionSchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda s: s.unit.code)
    day = fields.Date()
    status = fields.String()
    opened_at = fields.DateTime()
    opening_float = fields.Integer()
    closed_at = fields.DateTime(allow_none=True)
    expected_cash = fields.Integer(allow_none=True)
    counted_cash = fields.Integer(allow_none=True)
    difference = fields.Integer(allow_none=True)
    note = fields.String()


class BillingCashPaymentSchema(Schema):
    invoice_number = fields.String(required=True, validate=validate.Length(min=1, max=20))
    amount = _money(required=True)
    currency = fields.String(load_default="IDR", validate=validate.Length(equal=3))
    paid_by = fields.String(load_default="", validate=validate.Length(max=200))


class BillingAllocationSchema(Schema):
    line_id = fields.Integer()
    account_code = fields.Function(lambda a: a.line.account_code)
    amount = fields.Integer()


class BillingPaymentSchema(Schema):
    number = fields.String()
    invoice_number = fields.Function(lambda p: p.invoice.number)
    method = fields.String()
    channel = fields.String()
    unit_code = fields.Function(lambda p: p.unit.code)
    amount = fields.Integer()
    currency = fields.String()
    status = fields.String()
    hold_reason = fields.String()
    external_ref = fields.String()
    paid_at = fields.DateTime()
    day = fields.Date()
    refunded = fields.Integer()
    invoice_status = fields.Function(lambda p: p.invoice.status)
    allocations = fields.List(fields.Nested(BillingAllocationSchema))


class BillingReceiptQueryArgs(QueryArgs):
    layout = fields.String(load_default="a5", validate=validate.OneOf(["a5", "80mm"]))


class BillingReleaseSchema(Schema):
    apply = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))


class BillingChannelBillSchema(Schema):
    channel = fields.String()
    kind = fields.String()
    reference = fields.String()
    va_number = fields.String()
    qris_payload = fields.String()
    amount = fields.Integer()
    status = fields.String()
    expires_at = fields.DateTime(allow_none=True)


class BillingChannelSchema(Schema):
    name = fields.String()
    title = fields.String()
    kinds = fields.List(fields.String())


class BillingCallbackAnswerSchema(Schema):
    responseCode = fields.String()
    responseMessage = fields.String()
    outcome = fields.String()
    payment = fields.String(allow_none=True)


class BillingRequestCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in RequestKind]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))
    payment_number = fields.String(load_default=None, allow_none=True)
    line_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    amount = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(0, MAX),
        metadata={"description": "refund: how much (default all); waiver/amendment: new amount"},
    )
    document_ref = fields.String(load_default="", validate=validate.Length(max=120))


class BillingDecisionSchema(Schema):
    approve = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))


class BillingRequestSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    invoice_number = fields.Function(lambda r: r.invoice.number)
    payment_id = fields.Integer(allow_none=True)
    line_id = fields.Integer(allow_none=True)
    amount = fields.Integer(allow_none=True)
    reason = fields.String()
    document_ref = fields.String()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    decided_by = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()


class BillingClosingCreateSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    day = fields.Date(required=True)


class BillingClosingSchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda c: c.unit.code)
    day = fields.Date()
    closed_at = fields.DateTime()
    cash_total = fields.Integer()
    noncash_total = fields.Integer()
    payments = fields.Integer()
    by_account = fields.List(fields.Dict())
    by_cashier = fields.List(fields.Dict())
    sts_number = fields.String()
    settlement_account = fields.String()


class BillingCashBookArgs(QueryArgs):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"))


class BillingCashBookRowSchema(Schema):
    day = fields.Date()
    number = fields.String()
    code = fields.String()
    text = fields.String()
    received = fields.Integer(attribute="in", data_key="in")
    deposited = fields.Integer(attribute="out", data_key="out")
    balance = fields.Integer()


class BillingCashBookSchema(Schema):
    unit_code = fields.Function(lambda b: b["unit"].code)
    month = fields.Date()
    rows = fields.List(fields.Nested(BillingCashBookRowSchema))
    total_in = fields.Integer()
    total_out = fields.Integer()
    balance = fields.Integer()


class BillingReportArgs(QueryArgs):
    by = fields.String(
        load_default="source",
        validate=validate.OneOf(["source", "account", "unit", "channel", "day", "month"]),
    )
    since = fields.Date(required=True)
    until = fields.Date(required=True)


class BillingPeriodArgs(QueryArgs):
    since = fields.Date(required=True)
    until = fields.Date(required=True)


class BillingRevenueRowSchema(Schema):
    key = fields.String()
    label = fields.String()
    amount = fields.Integer()
    payments = fields.Integer()


class BillingArrearsRowSchema(Schema):
    payer_kind = fields.String()
    bucket = fields.String()
    invoices = fields.Integer()
    amount = fields.Integer()


class BillingCollectionSchema(Schema):
    billed = fields.Integer()
    collected = fields.Integer()
    invoices = fields.Integer()
    paid_invoices = fields.Integer()
    rate = fields.Float(allow_none=True)


class BillingLedgerCheckSchema(Schema):
    ok = fields.Boolean()
    entries = fields.Integer()
    problems = fields.List(fields.String())
    seconds = fields.Float()


class BillingReconciliationSchema(Schema):
    id = fields.Integer()
    imported_at = fields.DateTime()
    filename = fields.String()
    rows = fields.Integer()
    matched = fields.Integer()
    unmatched = fields.List(fields.Dict())
    missing = fields.List(fields.Dict())


class BillingPublicBillSchema(Schema):
    channel = fields.String()
    title = fields.String()
    kind = fields.String()
    va_number = fields.String()
    qris_payload = fields.String()
    amount = fields.Integer()
    expires_at = fields.DateTime(allow_none=True)


class BillingPublicInvoiceSchema(Schema):
    """What anyone holding the bill sees: no payer, no NIK."""

    number = fields.String()
    status = fields.String()
    description = fields.String()
    unit = fields.String()
    total = fields.Integer()
    paid = fields.Integer()
    outstanding = fields.Integer()
    due_date = fields.Date(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    how_to_pay = fields.List(fields.Nested(BillingPublicBillSchema))
    counter = fields.String()


class BillingPublicArgs(QueryArgs):
    code = fields.String(required=True, validate=validate.Length(min=1, max=12))


class BillingDemoPaySchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=400),
        metadata={"description": "Virtual account number, QRIS payload or bill reference"},
    )
    amount = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, MAX)
    )

"""marshmallow schemas of the PDAM API (and the forms of its pages)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, mask_nik
from pamong_plugins.pdam.models import Condition, ConnectionStatus

PERIOD = validate.Regexp(r"^\d{4}-\d{2}$", error="A month is YYYY-MM.")
_conditions = [c.value for c in Condition]
_statuses = [s.value for s in ConnectionStatus]
_kinds = ["resident", "business", "institution", "other"]


def _number(row):
    """The customer number of a reading or a work order."""
    return row.connection.number


class PdamConnectionCreateSchema(Schema):
    holder_name = fields.String(required=True, validate=validate.Length(1, 200))
    holder_kind = fields.String(load_default="resident", validate=validate.OneOf(_kinds))
    holder_nik = fields.String(load_default="", validate=validate.Length(max=20))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    desa_code = fields.String(required=True, validate=validate.Length(1, 40))
    group_code = fields.String(required=True, validate=validate.Length(1, 10))
    zone = fields.String(load_default="", validate=validate.Length(max=20))
    meter_serial = fields.String(load_default="", validate=validate.Length(max=30))
    meter_size = fields.String(load_default="1/2", validate=validate.Length(1, 10))
    meter_digits = fields.Integer(load_default=5, strict=True, validate=validate.Range(3, 8))
    connected_on = fields.Date(load_default=None)


class PdamStatusChangeSchema(Schema):
    status = fields.String(validate=validate.OneOf(_statuses))
    effective_on = fields.Date()
    reason = fields.String()


class PdamConnectionRowSchema(Schema):
    number = fields.String()
    holder_kind = fields.String()
    holder_name = fields.String()
    holder_nik = fields.Function(lambda c: mask_nik(c.holder_nik) if c.holder_nik else "")
    desa_code = fields.Function(lambda c: c.desa.code)
    desa = fields.Function(lambda c: c.desa.name)
    group_code = fields.String()
    zone = fields.String()
    meter_serial = fields.String()
    meter_size = fields.String()
    meter_digits = fields.Integer()
    status = fields.String()
    connected_on = fields.Date()


class PdamConnectionSchema(PdamConnectionRowSchema):
    history = fields.List(fields.Nested(PdamStatusChangeSchema))


class PdamConnectionPageSchema(Schema):
    items = fields.List(fields.Nested(PdamConnectionRowSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class PdamConnectionQueryArgs(QueryArgs):
    desa = fields.String(validate=validate.Length(max=40))
    status = fields.String(validate=validate.OneOf(_statuses))
    group = fields.String(validate=validate.Length(max=10))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class PdamStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(_statuses))
    reason = fields.String(required=True, validate=validate.Length(1, 300))
    effective_on = fields.Date(load_default=None)


class PdamReadingCreateSchema(Schema):
    customer_number = fields.String(required=True, validate=validate.Length(1, 20))
    period = fields.String(required=True, validate=PERIOD)
    value = fields.Raw(
        load_default=None,
        allow_none=True,
        metadata={"description": "The meter's index (digits); empty for a stuck or missing meter"},
    )
    condition = fields.String(load_default="working", validate=validate.OneOf(_conditions))
    rollover = fields.Boolean(load_default=False)
    read_on = fields.Date(load_default=None)
    photo = fields.String(
        load_default=None,
        validate=validate.Length(max=3_000_000),
        metadata={
            "description": "The meter's photo: JPEG or PNG (at most 2 MB), base64 or a data: URL"
        },
    )


class PdamReadingSchema(Schema):
    id = fields.Integer()
    customer_number = fields.Function(_number)
    period = fields.String()
    read_on = fields.Date()
    value = fields.Integer(allow_none=True)
    consumption = fields.Integer()
    condition = fields.String()
    estimated = fields.Boolean()
    rollover = fields.Boolean()
    status = fields.String()
    problem = fields.String()


class PdamReadingImportSchema(Schema):
    csv = fields.String(required=True, validate=validate.Length(1, 5_000_000))
    skip_bad = fields.Boolean(load_default=False)


class PdamImportResultSchema(Schema):
    imported = fields.Integer()
    held = fields.Integer()
    errors = fields.Function(lambda r: [{"line": n, "problem": p} for n, p in r.errors])


class PdamReviewSchema(Schema):
    accept = fields.Boolean(required=True)
    consumption = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 10**8)
    )


class PdamHeldArgs(QueryArgs):
    period = fields.String(validate=PERIOD)


class PdamTariffSchema(Schema):
    id = fields.Integer(dump_only=True)
    group_code = fields.String(required=True, validate=validate.Length(1, 10))
    decree = fields.String(load_default="", validate=validate.Length(max=200))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    blocks = fields.List(
        fields.List(fields.Integer(allow_none=True, strict=True), validate=validate.Length(2, 2)),
        required=True,
        validate=validate.Length(1, 20),
        metadata={"description": "[[upper_m3, price], ..., [null, price]]"},
    )
    minimum_m3 = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 1000))
    fixed_charge = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10**9))
    maintenance_charge = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(0, 10**9)
    )
    admin_charge = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10**9))
    late_fee = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10**9))


class PdamBillRunSchema(Schema):
    period = fields.String(required=True, validate=PERIOD)
    estimate = fields.Boolean(load_default=False)
    batch = fields.Integer(load_default=1000, strict=True, validate=validate.Range(1, 5000))


class PdamRunResultSchema(Schema):
    period = fields.String()
    billed = fields.Integer()
    skipped = fields.Integer()
    estimated = fields.Integer()
    total = fields.Integer()
    remaining = fields.Integer()


class PdamArrearSchema(Schema):
    number = fields.String()
    masked_name = fields.String()
    desa = fields.String()
    group = fields.String()
    status = fields.String()
    months = fields.Integer()
    amount = fields.Integer()
    oldest = fields.String()


class PdamArrearsArgs(QueryArgs):
    min_months = fields.Integer(load_default=1, validate=validate.Range(1, 120))


class PdamAgeingArgs(QueryArgs):
    by = fields.String(load_default="desa", validate=validate.OneOf(("desa", "group")))


class PdamAgeingRowSchema(Schema):
    key = fields.String(metadata={"description": "Desa code or group code; ``*`` is the whole"})
    label = fields.String()
    connections = fields.Integer()
    d0_30 = fields.Integer(metadata={"description": "Rupiah 0-30 days past the due date"})
    d31_60 = fields.Integer()
    d61_90 = fields.Integer()
    d90_plus = fields.Integer(metadata={"description": "Rupiah over 90 days past the due date"})
    total = fields.Integer()


class PdamPerCapitaArgs(QueryArgs):
    period = fields.String(required=True, validate=PERIOD)


class PdamPerCapitaRowSchema(Schema):
    desa_code = fields.String(metadata={"description": "The desa's code; ``*`` is the whole"})
    desa = fields.String()
    connections = fields.Integer(metadata={"description": "Household connections billed"})
    linked = fields.Integer(metadata={"description": "Those whose holder's KK is in the registry"})
    persons = fields.Integer(metadata={"description": "Living people on the linked KKs"})
    m3 = fields.Integer(metadata={"description": "Billed m3 of the linked connections"})
    litres_per_person_day = fields.Float(allow_none=True)


class PdamSealingSchema(Schema):
    min_months = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 120)
    )


class PdamWorkOrderSchema(Schema):
    id = fields.Integer()
    customer_number = fields.Function(_number)
    kind = fields.String()
    status = fields.String()
    arrears = fields.Integer()
    months = fields.Integer()
    fee_invoice = fields.String()
    opened_at = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)


class PdamZoneInputSchema(Schema):
    zone = fields.String(required=True, validate=validate.Length(1, 20))
    period = fields.String(required=True, validate=PERIOD)
    m3 = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**12))


class PdamReportArgs(QueryArgs):
    since = fields.String(required=True, validate=PERIOD)
    until = fields.String(required=True, validate=PERIOD)


class PdamNrwRowSchema(Schema):
    period = fields.String()
    zone = fields.String()
    system_input_m3 = fields.Integer()
    billed_m3 = fields.Integer()
    nrw_m3 = fields.Integer(allow_none=True)
    nrw_percent = fields.Float(allow_none=True)


class PdamCollectionRowSchema(Schema):
    period = fields.String()
    bills = fields.Integer()
    billed = fields.Integer()
    collected = fields.Integer()
    efficiency_percent = fields.Float(allow_none=True)


class PdamPublicArgs(QueryArgs):
    code = fields.String(required=True, validate=validate.Length(1, 12))


class PdamPublicBillSchema(Schema):
    period = fields.String()
    m3 = fields.Integer()
    estimated = fields.Boolean()
    invoice_number = fields.String()
    check_code = fields.String()
    total = fields.Integer()
    outstanding = fields.Integer()
    status = fields.String()
    due_date = fields.Date(allow_none=True)


class PdamPublicSchema(Schema):
    number = fields.String()
    name = fields.String()
    desa = fields.String()
    group = fields.String()
    status = fields.String()
    bills = fields.List(fields.Nested(PdamPublicBillSchema))


# --- new-connection applications -------------------------------------------------------

_steps = [
    "applied",
    "surveyed",
    "estimated",
    "paid",
    "active",
    "rejected",
]


class PdamApplicationCreateSchema(Schema):
    applicant_name = fields.String(required=True, validate=validate.Length(1, 200))
    applicant_nik = fields.String(load_default="", validate=validate.Length(max=20))
    phone = fields.String(load_default="", validate=validate.Length(max=30))
    address = fields.String(required=True, validate=validate.Length(1, 300))
    desa_code = fields.String(required=True, validate=validate.Length(1, 40))
    group_code = fields.String(required=True, validate=validate.Length(1, 10))
    meter_size = fields.String(load_default="1/2", validate=validate.Length(1, 10))


class PdamApplicationReceiptSchema(Schema):
    """What the public form answers: the receipt number to follow on the tracker only."""

    number = fields.String()
    step = fields.String()


class PdamApplicationRowSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    channel = fields.String()
    applicant_name = fields.String()
    desa_code = fields.Function(lambda a: a.desa.code)
    desa = fields.Function(lambda a: a.desa.name)
    group_code = fields.String()
    step = fields.String()
    applied_at = fields.DateTime()


class PdamApplicationSchema(PdamApplicationRowSchema):
    applicant_nik = fields.Function(lambda a: mask_nik(a.applicant_nik) if a.applicant_nik else "")
    phone = fields.String()
    address = fields.String()
    meter_size = fields.String()
    survey_note = fields.String()
    distance_m = fields.Integer()
    estimate = fields.Integer()
    fee_invoice = fields.String()
    meter_serial = fields.String()
    customer_number = fields.Function(lambda a: a.connection.number if a.connection else None)
    reject_reason = fields.String()
    surveyed_at = fields.DateTime()
    estimated_at = fields.DateTime()
    paid_at = fields.DateTime()
    installed_at = fields.DateTime()


class PdamApplicationPageSchema(Schema):
    items = fields.List(fields.Nested(PdamApplicationRowSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class PdamApplicationQueryArgs(QueryArgs):
    step = fields.String(validate=validate.OneOf(_steps))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class PdamSurveySchema(Schema):
    feasible = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))
    distance_m = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 100_000))


class PdamEstimateSchema(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100_000_000))


class PdamInstallSchema(Schema):
    meter_serial = fields.String(required=True, validate=validate.Length(1, 30))
    meter_size = fields.String(load_default="", validate=validate.Length(max=10))
    meter_digits = fields.Integer(load_default=5, strict=True, validate=validate.Range(3, 8))
    zone = fields.String(load_default="", validate=validate.Length(max=20))
    installed_on = fields.Date(load_default=None)


class PdamRejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 300))


# --- reading routes --------------------------------------------------------------------


class PdamRouteSetSchema(Schema):
    reader = fields.String(required=True, validate=validate.Length(1, 64))
    period = fields.String(required=True, validate=PERIOD)
    name = fields.String(load_default="", validate=validate.Length(max=80))
    numbers = fields.List(
        fields.String(validate=validate.Length(1, 20)),
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"description": "Customer numbers in walking order"},
    )


class PdamRouteCopySchema(Schema):
    period = fields.String(required=True, validate=PERIOD, metadata={"description": "YYYY-MM"})


class PdamCopiedRoutesSchema(Schema):
    source = fields.String(metadata={"description": "The month the routes came from"})
    copied = fields.Integer(metadata={"description": "Routes made"})
    kept = fields.List(
        fields.String(), metadata={"description": "Readers who had a route for the month already"}
    )
    dropped_stops = fields.Integer(metadata={"description": "Closed connections left out"})


class PdamRouteSchema(Schema):
    id = fields.Integer()
    period = fields.String()
    name = fields.String()
    stops = fields.Function(lambda r: [s.connection.number for s in r.stops])


class PdamRouteProgressSchema(Schema):
    id = fields.Integer()
    reader = fields.String()
    name = fields.String()
    unit = fields.String()
    stops = fields.Integer()
    read = fields.Integer()
    held = fields.Integer()
    remaining = fields.Integer()
    percent = fields.Integer()


class PdamRouteStopSchema(Schema):
    position = fields.Integer()
    customer_number = fields.String()
    holder = fields.String()
    address = fields.String()
    desa = fields.String()
    meter_serial = fields.String()
    status = fields.String(metadata={"description": "accepted, held, or empty: not read yet"})


# --- bank settlement files -------------------------------------------------------------


class PdamSettlementSchema(Schema):
    bank = fields.String(required=True, validate=validate.Length(1, 21))
    csv = fields.String(
        required=True,
        validate=validate.Length(1, 10_000_000),
        metadata={
            "description": "bill_number,amount,paid_at,bank_reference, then a line per payment"
        },
    )
    dry_run = fields.Boolean(load_default=False)


class PdamSettlementProblemSchema(Schema):
    line = fields.Integer()
    bill_number = fields.String()
    problem = fields.String(
        metadata={
            "description": "missing-reference, duplicate-in-file, already-imported, unknown-bill, "
            "invalid-amount, invalid-date, already-paid or amount-mismatch"
        }
    )
    detail = fields.String()


class PdamSettlementResultSchema(Schema):
    bank = fields.String()
    dry_run = fields.Boolean()
    paid = fields.Integer()
    total = fields.Integer()
    receipts = fields.List(fields.String())
    problems = fields.List(fields.Nested(PdamSettlementProblemSchema))

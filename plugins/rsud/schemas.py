"""marshmallow schemas of the rsud API. Money is whole rupiah; diagnoses never in these."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, mask_nik
from pamong_plugins.rsud.models import (
    BUCKETS,
    CLAIM_STATUSES,
    DISCHARGE_STATUSES,
    KINDS,
    PAYERS,
    TARIFF_PER,
    UNITS,
    UPGRADE_PAYERS,
)

MAX = 10**12


def _money0(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX), **kwargs)


def _code(limit: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=limit), **kwargs)


class RsudPatientCreateSchema(Schema):
    hospital_code = _code(40, required=True)
    nik = fields.String(load_default="", validate=validate.Length(max=30))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    sex = fields.String(load_default="", validate=validate.OneOf(["", "M", "F"]))
    birth_date = fields.Date(load_default=None, allow_none=True)
    payer = fields.String(load_default="umum", validate=validate.OneOf(PAYERS))
    bpjs_number = fields.String(load_default="", validate=validate.Length(max=20))
    bpjs_class = fields.String(load_default="", validate=validate.OneOf(["", "I", "II", "III"]))
    bpjs_pbi = fields.Boolean(load_default=False)
    payer_name = fields.String(load_default="", validate=validate.Length(max=120))


class RsudPatientSchema(Schema):
    mrn = fields.String()
    name = fields.String()
    sex = fields.String()
    birth_date = fields.Date(allow_none=True)
    nik = fields.Function(lambda p: mask_nik(p.nik) if p.nik else "")
    nik_verified = fields.Boolean()
    payer = fields.String()
    bpjs_number = fields.String(allow_none=True)
    bpjs_class = fields.String()
    bpjs_pbi = fields.Boolean()
    payer_name = fields.String()
    hospital = fields.Function(lambda p: p.hospital.code)


class RsudEncounterCreateSchema(Schema):
    mrn = _code(12, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    at = fields.AwareDateTime(load_default=None, allow_none=True)
    poli = fields.String(load_default="", validate=validate.Length(max=60))
    ward_code = fields.String(load_default="", validate=validate.Length(max=20))
    bed_code = fields.String(load_default="", validate=validate.Length(max=20))
    klass = fields.String(load_default="", validate=validate.Length(max=4))
    payer = fields.String(load_default="", validate=validate.OneOf(["", *PAYERS]))
    sep_number = fields.String(load_default="", validate=validate.Length(max=30))
    doctor = fields.String(load_default="", validate=validate.Length(max=120))
    executive = fields.Boolean(
        load_default=False, metadata={"description": "an executive clinic (poli eksekutif) visit"}
    )


class RsudSegmentSchema(Schema):
    ward = fields.Function(lambda s: s.ward.code)
    bed = fields.Function(lambda s: s.bed.code)
    klass = fields.String()
    start_at = fields.DateTime()
    end_at = fields.DateTime(allow_none=True)


class RsudEncounterSchema(Schema):
    number = fields.String()
    mrn = fields.Function(lambda e: e.patient.mrn)
    kind = fields.String()
    poli = fields.String()
    executive = fields.Boolean()
    status = fields.String()
    payer = fields.String()
    entitled_class = fields.String()
    klass = fields.String()
    ward = fields.Function(lambda e: e.ward.code if e.ward else None)
    bed = fields.Function(lambda e: e.bed.code if e.bed else None)
    admitted_at = fields.DateTime()
    discharged_at = fields.DateTime(allow_none=True)
    room_released_at = fields.DateTime(allow_none=True)
    discharge_status = fields.String()
    sep_number = fields.String()
    real_cost = fields.Integer()
    patient_share = fields.Integer()
    invoice_number = fields.String()
    segments = fields.List(fields.Nested(RsudSegmentSchema))


class RsudTransferSchema(Schema):
    ward_code = _code(20, required=True)
    bed_code = _code(20, required=True)
    at = fields.AwareDateTime(load_default=None, allow_none=True)


class RsudDischargeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(DISCHARGE_STATUSES))
    at = fields.AwareDateTime(load_default=None, allow_none=True)
    room_released_at = fields.AwareDateTime(load_default=None, allow_none=True)


class RsudChargeCreateSchema(Schema):
    service_code = _code(30, required=True)
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(-1000, 1000))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    performed_by = fields.String(load_default="", validate=validate.Length(max=120))
    service_date = fields.Date(load_default=None, allow_none=True)


class RsudChargeSchema(Schema):
    id = fields.Integer()
    encounter = fields.Function(lambda c: c.encounter.number if c.encounter else None)
    service_code = fields.String()
    description = fields.String()
    unit = fields.String()
    klass = fields.String()
    quantity = fields.Integer()
    jasa_sarana = fields.Integer()
    jasa_medis = fields.Integer()
    jasa_paramedis = fields.Integer()
    amount = fields.Integer()
    performed_by = fields.String()
    service_date = fields.Date()
    reverses_id = fields.Integer(allow_none=True)
    reason = fields.String()


class RsudReverseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class RsudClaimInSchema(Schema):
    sep_number = _code(30, required=True)
    inacbg_code = fields.String(load_default="", validate=validate.Length(max=20))
    cbg_amount = _money0(load_default=0)
    subacute_amount = _money0(load_default=0)
    chronic_amount = _money0(load_default=0)
    add_payment = _money0(load_default=0)
    cbg_class1_amount = _money0(load_default=0)
    cbg_upgraded_amount = _money0(load_default=0)
    upgrade_class = fields.String(load_default="", validate=validate.Length(max=4))
    upgrade_days = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 365))
    upgrade_payer = fields.String(load_default="", validate=validate.OneOf(["", *UPGRADE_PAYERS]))
    status = fields.String(load_default="draft", validate=validate.OneOf(CLAIM_STATUSES))


class RsudClaimSchema(RsudClaimInSchema):
    total = fields.Integer()


class RsudDiagnosesSchema(Schema):
    codes = fields.List(
        fields.String(validate=validate.Length(max=10)),
        required=True,
        validate=validate.Length(max=12),
    )


class RsudDepositCreateSchema(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**10))


class RsudDepositSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    amount = fields.Integer()
    invoice_number = fields.String()


class RsudRefundCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


class RsudRefundSchema(Schema):
    request_id = fields.Integer(allow_none=True)
    invoice_number = fields.String()
    amount = fields.Integer()
    status = fields.String(metadata={"description": "pending, approved or rejected"})
    requested_by = fields.String()
    requested_at = fields.DateTime()
    decided_by = fields.String()
    decided_at = fields.DateTime(allow_none=True)


class RsudBillLineSchema(Schema):
    description = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    amount = fields.Integer()
    day = fields.Date()
    reversal = fields.Boolean()


class RsudBillSchema(Schema):
    number = fields.String()
    payer = fields.String()
    final = fields.Boolean()
    lines = fields.List(fields.Nested(RsudBillLineSchema))
    by_unit = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_bucket = fields.Dict(keys=fields.String(), values=fields.Integer())
    real_cost = fields.Integer()
    package = fields.Integer(allow_none=True)
    inacbg_code = fields.String()
    upgrade_difference = fields.Integer()
    executive_difference = fields.Integer()
    payer_covers = fields.Integer()
    patient_share = fields.Integer()
    deposits_paid = fields.Integer()
    refunded = fields.Integer()
    refund_pending = fields.Integer()
    refund_due = fields.Integer()
    refunds = fields.List(fields.Nested(RsudRefundSchema))
    balance = fields.Integer()
    invoice_number = fields.String()


class RsudBedSchema(Schema):
    code = fields.String()
    status = fields.String()
    mrn = fields.String()


class RsudWardBoardSchema(Schema):
    code = fields.String()
    name = fields.String()
    klass = fields.String()
    free = fields.Integer()
    occupied = fields.Integer()
    cleaning = fields.Integer()
    beds = fields.List(fields.Nested(RsudBedSchema))


class RsudHospitalArgs(QueryArgs):
    hospital = _code(40, required=True)


class RsudMonthArgs(QueryArgs):
    hospital = _code(40, required=True)
    month = fields.String(required=True, validate=validate.Regexp(r"^(19|20)\d\d-(0[1-9]|1[0-2])$"))


class RsudYearArgs(QueryArgs):
    hospital = _code(40, required=True)
    year = fields.Integer(required=True, validate=validate.Range(1990, 2100))


class RsudIndicatorRowSchema(Schema):
    ward = fields.String()
    name = fields.String()
    klass = fields.String()
    beds = fields.Integer()
    patient_days = fields.Integer()
    discharges = fields.Integer()
    deaths = fields.Integer()
    bor = fields.Float()
    alos = fields.Float(allow_none=True)
    toi = fields.Float(allow_none=True)
    bto = fields.Float()
    gdr = fields.Float(allow_none=True)
    ndr = fields.Float(allow_none=True)


class RsudIndicatorReportSchema(Schema):
    hospital = fields.String()
    month = fields.String()
    period_days = fields.Integer()
    wards = fields.List(fields.Nested(RsudIndicatorRowSchema))
    total = fields.Nested(RsudIndicatorRowSchema, allow_none=True)


class RsudRevenueSchema(Schema):
    year = fields.Integer()
    total = fields.Integer()
    by_payer = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_class = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_unit = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_month = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_doctor = fields.Dict(keys=fields.String(), values=fields.Integer())


class RsudTariffSchema(Schema):
    id = fields.Integer()
    service_code = fields.String()
    name = fields.String()
    unit = fields.String()
    klass = fields.String()
    per = fields.String()
    bucket = fields.String()
    jasa_sarana = fields.Integer()
    jasa_medis = fields.Integer()
    jasa_paramedis = fields.Integer()
    price = fields.Integer()


class RsudDecreeSchema(Schema):
    id = fields.Function(lambda r: r.decree.id)
    number = fields.Function(lambda r: r.decree.number)
    basis = fields.Function(lambda r: r.decree.basis)
    valid_from = fields.Function(lambda r: r.decree.valid_from.isoformat())
    valid_until = fields.Function(
        lambda r: r.decree.valid_until.isoformat() if r.decree.valid_until else None
    )
    items = fields.Integer()
    in_force = fields.Boolean()
    used = fields.Boolean(metadata={"description": "charges were priced by it"})
    editable = fields.Boolean(metadata={"description": "not yet in force and never used"})


class RsudDecreeDetailSchema(Schema):
    decree = fields.Nested(RsudDecreeSchema)
    tariffs = fields.List(fields.Nested(RsudTariffSchema))


class RsudDecreeCreateSchema(Schema):
    hospital_code = _code(40, required=True)
    number = _code(80, required=True)
    basis = fields.String(required=True, validate=validate.OneOf(["perda", "perbup"]))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    copy_from = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "the decree to copy; else the latest earlier one of the basis"},
    )


class RsudTariffPricesSchema(Schema):
    hospital_code = _code(40, required=True)
    jasa_sarana = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**10))
    jasa_medis = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**10))
    jasa_paramedis = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**10))
    name = fields.String(load_default="", validate=validate.Length(max=160))


class RsudTariffCreateSchema(RsudTariffPricesSchema):
    service_code = _code(30, required=True)
    name = _code(160, required=True)
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    klass = _code(4, required=True)
    per = fields.String(load_default="action", validate=validate.OneOf(TARIFF_PER))
    bucket = fields.String(load_default="prosedur_non_bedah", validate=validate.OneOf(BUCKETS))

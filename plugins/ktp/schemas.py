"""marshmallow schemas shared by the KTP API and pages."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, QueryDate, mask_nik
from pamong_plugins.ktp.models import Reason, ReplacementCause, Step

_reasons = [r.value for r in Reason]
_causes = [c.value for c in ReplacementCause]
_steps = [s.value for s in Step]


class KtpApplicationCreateSchema(Schema):
    nik = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kecamatan_code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    reason = fields.String(required=True, validate=validate.OneOf(_reasons))
    replacement_cause = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(_causes)
    )
    note = fields.String(load_default="", validate=validate.Length(max=300))


class KtpCaptureSchema(Schema):
    photo = fields.String(
        required=True,
        validate=validate.Length(min=1, max=5_000_000),
        metadata={"description": "JPEG or PNG, base64 or a data: URL"},
    )
    signature = fields.String(
        required=True,
        validate=validate.Length(min=1, max=5_000_000),
        metadata={"description": "JPEG or PNG, base64 or a data: URL"},
    )


class KtpHandoverSchema(Schema):
    collected_by = fields.String(required=True, validate=validate.Length(min=1, max=200))


class KtpCancelSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata={"description": "Internal: staff only"},
    )
    public_note = fields.String(
        load_default="",
        validate=validate.Length(max=300),
        metadata={"description": "The note to the applicant, shown on the public tracker"},
    )


class KtpApplicationQueryArgs(QueryArgs):
    step = fields.String(validate=validate.OneOf(_steps))
    kecamatan = fields.String(validate=validate.Length(max=20))
    since = QueryDate()
    until = QueryDate()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class KtpStepTimesSchema(Schema):
    applied_at = fields.DateTime()
    checked_at = fields.DateTime(allow_none=True)
    held_at = fields.DateTime(allow_none=True)
    captured_at = fields.DateTime(allow_none=True)
    printed_at = fields.DateTime(allow_none=True)
    collected_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)


class KtpApplicationSummarySchema(Schema):
    """An application in a list: the NIK is masked."""

    id = fields.Integer()
    tracking_number = fields.String()
    kecamatan_code = fields.Function(lambda a: a.kecamatan.code)
    name = fields.Function(lambda a: a.resident.name)
    nik_masked = fields.Function(lambda a: mask_nik(a.resident.nik))
    reason = fields.String()
    step = fields.String()
    applied_at = fields.DateTime()
    printed_at = fields.DateTime(allow_none=True)


class KtpApplicationSchema(KtpApplicationSummarySchema):
    """One application with its steps and the officers' user ids (reading it is audited)."""

    nik = fields.Function(lambda a: a.resident.nik)
    replacement_cause = fields.String(allow_none=True)
    note = fields.String()
    fee_amount = fields.Integer(metadata={"description": "rupiah"})
    fee_basis = fields.String()
    check_source = fields.String()
    check_warnings = fields.List(fields.String())
    photo_warning = fields.String()
    has_photo = fields.Function(lambda a: a.photo is not None)
    collected_by = fields.String()
    cancel_reason = fields.String()
    times = fields.Function(lambda a: KtpStepTimesSchema().dump(a))
    officers = fields.Function(
        lambda a: {
            "applied_by": a.applied_by_id,
            "checked_by": a.checked_by_id,
            "captured_by": a.captured_by_id,
            "printed_by": a.printed_by_id,
            "handed_over_by": a.handed_over_by_id,
        }
    )


class KtpApplicationPageSchema(Schema):
    items = fields.List(fields.Nested(KtpApplicationSummarySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class KtpCardSchema(Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    tracking_number = fields.Function(lambda c: c.application.tracking_number)
    status = fields.String()
    issued_at = fields.DateTime()
    valid_until = fields.Date(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String()


class KtpFeeRateSchema(Schema):
    id = fields.Integer(dump_only=True)
    amount = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=1_000_000)
    )
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    legal_basis = fields.String(load_default="", validate=validate.Length(max=200))


class KtpStatsQueryArgs(QueryArgs):
    since = QueryDate(required=True)
    until = QueryDate(required=True)


class KtpDayRowSchema(Schema):
    day = fields.Date()
    kecamatan_code = fields.String()
    kecamatan = fields.String()
    issued = fields.Integer()
    median_minutes = fields.Float()
    p90_minutes = fields.Float()


class KtpKecamatanSummarySchema(Schema):
    kecamatan_code = fields.String()
    kecamatan = fields.String()
    issued = fields.Integer()
    median_minutes = fields.Float(allow_none=True)
    p90_minutes = fields.Float(allow_none=True)
    backlog = fields.Dict(keys=fields.String(), values=fields.Integer())


class KtpStatsSchema(Schema):
    days = fields.List(fields.Nested(KtpDayRowSchema))
    kecamatan = fields.List(fields.Nested(KtpKecamatanSummarySchema))

"""Marshmallow schemas of the licensing API (input validated, output documented)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, QueryDate
from pamong_plugins.licensing.ikm import RULES
from pamong_plugins.licensing.models import FEE_RULES, LEVELS

_DATE_RANGE = {"metadata": {"description": "Inclusive, ISO date (YYYY-MM-DD)"}}


class DelegationSchema(Schema):
    id = fields.Integer()
    level = fields.String()
    decree_number = fields.String()
    effective_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    kecamatan = fields.Function(
        lambda d: d.org_unit.code if d.org_unit else None,
        metadata={"description": "Kecamatan code; null: every kecamatan"},
    )


class DelegationCreateSchema(Schema):
    """A delegation by decree (Perbup) to the kecamatan or desa, for all or one kecamatan."""

    service_type = fields.String(required=True, validate=validate.Length(min=1, max=40))
    level = fields.String(load_default="kecamatan", validate=validate.OneOf(("kecamatan", "desa")))
    decree_number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    effective_on = QueryDate(required=True)
    kecamatan = fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={"description": "Kecamatan code; empty: every kecamatan"},
    )


class SignatorySchema(Schema):
    """Who signs the permits of a unit (of one service there, if ``service_type`` is set)."""

    id = fields.Integer(dump_only=True)
    unit = fields.Function(lambda s: s.org_unit.code, metadata={"description": "Org unit code"})
    service_type = fields.Function(lambda s: s.service_type.code if s.service_type else None)
    name = fields.String()
    nip = fields.String(metadata={"description": "18 digits"})
    position = fields.String()


class SignatorySaveSchema(Schema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    service_type = fields.String(load_default="", validate=validate.Length(max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    nip = fields.String(required=True, validate=validate.Length(min=18, max=21))
    position = fields.String(required=True, validate=validate.Length(min=1, max=200))


class AssignSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class ForwardSchema(Schema):
    unit = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Code of the unit that takes the file"},
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=250))


class OssReferenceSchema(Schema):
    reference = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={"description": "The permit's reference in OSS-RBA"},
    )


class ResetRequestSchema(Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The account's e-mail address or phone number"},
    )


class ResetConfirmSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=10, max=200))
    login = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "With a code sent by SMS: the phone number"},
    )


class VerifyCodeSchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The token of the link e-mailed to the applicant"},
    )


class ServiceTypeSchema(Schema):
    """A catalogue entry: a permit or non-permit service."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    is_permit = fields.Boolean()
    legal_basis = fields.String()
    requirements = fields.List(fields.String())
    sop_days = fields.Integer(metadata={"description": "SOP time in working days"})
    fee_rule = fields.String(validate=validate.OneOf(FEE_RULES))
    fee_amount = fields.Integer(metadata={"description": "Whole rupiah (per unit if per_unit)"})
    fee_unit = fields.String()
    validity_months = fields.Integer(allow_none=True)
    renewable = fields.Boolean()
    level = fields.String(validate=validate.OneOf(LEVELS))
    stages = fields.List(fields.String())
    active = fields.Boolean()
    delegations = fields.List(fields.Nested(DelegationSchema))


class ApplicationQueryArgs(QueryArgs):
    received_from = QueryDate(**_DATE_RANGE)
    received_to = QueryDate(**_DATE_RANGE)
    type = fields.String(
        validate=validate.Length(max=40), metadata={"description": "Service type code"}
    )
    stage = fields.String(validate=validate.Length(max=20))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PermitQueryArgs(QueryArgs):
    issued_from = QueryDate(**_DATE_RANGE)
    issued_to = QueryDate(**_DATE_RANGE)
    type = fields.String(
        validate=validate.Length(max=40), metadata={"description": "Service type code"}
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ApplicationSchema(Schema):
    """An application as an external e-licensing system pulls it."""

    number = fields.String(metadata={"description": "Tracking number, e.g. LIC-2026-000123"})
    service_type = fields.Function(lambda a: a.service_type.code)
    service_name = fields.Function(lambda a: a.service_type.name)
    applicant_kind = fields.Function(lambda a: a.applicant.kind)
    applicant_name = fields.Function(lambda a: a.applicant.name)
    applicant_id_number = fields.Function(lambda a: a.applicant.id_number)
    unit = fields.Function(lambda a: a.org_unit.code)
    channel = fields.String()
    stage = fields.String()
    received_on = fields.Date()
    decided_on = fields.Date(allow_none=True)
    decision = fields.String()
    days_used = fields.Integer(
        allow_none=True, metadata={"description": "Working days to decision"}
    )
    sop_days = fields.Integer(metadata={"description": "SOP working days when received"})
    assigned_to = fields.Function(lambda a: a.assigned_to.username if a.assigned_to else None)
    oss_reference = fields.String(metadata={"description": "OSS-RBA reference, if any"})
    fee_amount = fields.Integer()
    finished_on = fields.Date(allow_none=True)
    permit_number = fields.Function(lambda a: a.permit.number if a.permit else None)


class ApplicationPageSchema(Schema):
    items = fields.List(fields.Nested(ApplicationSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class PermitSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    holder = fields.String()
    service_type = fields.Function(lambda p: p.application.service_type.code)
    application_number = fields.Function(lambda p: p.application.number)
    unit = fields.Function(lambda p: p.application.org_unit.code)
    issued_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    signer_name = fields.String()
    signer_nip = fields.String()
    signer_position = fields.String()


class PermitPageSchema(Schema):
    items = fields.List(fields.Nested(PermitSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class IkmQueryArgs(QueryArgs):
    rule = fields.String(load_default="permenpanrb-14-2017", validate=validate.OneOf(list(RULES)))


class IkmFigureSchema(Schema):
    scope = fields.String(metadata={"description": "all, type or unit"})
    label = fields.String()
    period = fields.String(metadata={"description": "Half year, e.g. 2026-H1"})
    respondents = fields.Integer()
    value = fields.Decimal(
        as_string=True,
        metadata={"type": "string", "pattern": r"^\d{2,3}\.\d{2}$", "description": "25.00-100.00"},
    )
    category = fields.String()
    rule = fields.String()

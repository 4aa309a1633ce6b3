"""Marshmallow schemas for residents, shared by the API and the web forms."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.identity.models import (
    BloodType,
    DuplicateStatus,
    FamilyRelation,
    MaritalStatus,
    Religion,
    ResidentStatus,
    Sex,
)
from pamong.identity.nik import mask_nik
from pamong.rest import QueryArgs


def _values(enum_type) -> list[str]:
    return [m.value for m in enum_type]


_DIGITS16 = validate.Regexp(r"^[0-9]{16}$", error="Must be exactly 16 digits.")
_RTRW = validate.Regexp(r"^[0-9]{1,3}$", error="Must be 1-3 digits.")


class ResidentFieldsSchema(Schema):
    """Fields a registration or an update may carry."""

    kk_number = fields.String(validate=_DIGITS16, allow_none=True)
    family_relation = fields.String(
        validate=validate.OneOf(_values(FamilyRelation)),
        allow_none=True,
        metadata={"description": "Relation to the head of the family card (KK)"},
    )
    name = fields.String(validate=validate.Length(min=1, max=200))
    birth_place = fields.String(validate=validate.Length(min=1, max=100))
    birth_date = fields.Date()
    sex = fields.String(validate=validate.OneOf(_values(Sex)))
    religion = fields.String(validate=validate.OneOf(_values(Religion)), allow_none=True)
    marital_status = fields.String(validate=validate.OneOf(_values(MaritalStatus)), allow_none=True)
    occupation = fields.String(validate=validate.Length(max=100), allow_none=True)
    blood_type = fields.String(validate=validate.OneOf(_values(BloodType)), allow_none=True)
    address = fields.String(validate=validate.Length(max=300))
    rt = fields.String(validate=_RTRW, allow_none=True)
    rw = fields.String(validate=_RTRW, allow_none=True)
    domicile_code = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Kemendagri code of the desa/kelurahan of domicile"},
    )
    status = fields.String(validate=validate.OneOf(_values(ResidentStatus)))


class CivilRecordSchema(ResidentFieldsSchema):
    """A person's data as the civil registry (SIAK) gave it, to register them."""

    nik = fields.String()


class ResidentCreateSchema(ResidentFieldsSchema):
    nik = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "16 digits; spaces, dots and dashes are ignored"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    birth_place = fields.String(required=True, validate=validate.Length(min=1, max=100))
    birth_date = fields.Date(required=True)
    sex = fields.String(required=True, validate=validate.OneOf(_values(Sex)))
    domicile_code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ResidentUpdateSchema(ResidentFieldsSchema):
    """A partial update: only the fields given change."""


class UnitRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class ResidentSummarySchema(Schema):
    """What a holder of ``core.residents.view`` sees: no NIK, birth data or address."""

    id = fields.Integer()
    nik_masked = fields.Function(lambda r: mask_nik(r.nik))
    name = fields.String()
    sex = fields.String()
    status = fields.String()
    domicile = fields.Nested(UnitRefSchema)
    needs_review = fields.Boolean()


class ResidentSchema(ResidentSummarySchema):
    """The full record, for holders of ``core.residents.personal``."""

    nik = fields.String()
    kk_number = fields.String(allow_none=True)
    family_relation = fields.String(allow_none=True)
    birth_place = fields.String()
    birth_date = fields.Date()
    religion = fields.String(allow_none=True)
    marital_status = fields.String(allow_none=True)
    occupation = fields.String(allow_none=True)
    blood_type = fields.String(allow_none=True)
    address = fields.String()
    rt = fields.String(allow_none=True)
    rw = fields.String(allow_none=True)
    nik_issues = fields.List(fields.String())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ResidentSearchArgs(QueryArgs):
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Name (word prefix), or a 16-digit NIK/KK number"},
    )
    within = fields.String(
        validate=validate.Length(max=40), metadata={"description": "Org-unit code to search in"}
    )
    status = fields.String(validate=validate.OneOf(_values(ResidentStatus)))
    needs_review = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ResidentPageSchema(Schema):
    items = fields.List(
        fields.Nested(ResidentSchema),
        metadata={"description": "Personal fields only where the caller may see them"},
    )
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class DuplicateSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    resident = fields.Nested(ResidentSummarySchema)
    other = fields.Nested(ResidentSummarySchema)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    note = fields.String()


class DuplicateQueryArgs(QueryArgs):
    status = fields.String(
        load_default=DuplicateStatus.OPEN.value, validate=validate.OneOf(_values(DuplicateStatus))
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class DuplicatePageSchema(Schema):
    items = fields.List(fields.Nested(DuplicateSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class DuplicateResolveSchema(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(
            [DuplicateStatus.DISTINCT.value, DuplicateStatus.SAME_PERSON.value]
        ),
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))


# -- Life events and the monthly mutation report -------------------------------


class LifeEventSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["birth", "death", "move_in", "move_out"]})
    day = fields.Date()
    desa = fields.Nested(UnitRefSchema, attribute="unit")
    other_desa = fields.Nested(UnitRefSchema, attribute="other_unit", allow_none=True)
    other_place = fields.String(metadata={"description": "The place outside the regency"})
    note = fields.String()
    recorded_at = fields.DateTime()


class DeathSchema(Schema):
    day = fields.Date(required=True, metadata={"description": "Date of death"})
    note = fields.String(load_default="", validate=validate.Length(max=300))


class MoveSchema(Schema):
    day = fields.Date(required=True)
    to_desa_code = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "A desa/kelurahan of the regency; or give to_place"},
    )
    to_place = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "A place outside the regency (the resident moves out)"},
    )
    note = fields.String(load_default="", validate=validate.Length(max=300))


class FamilySchema(Schema):
    kk_number = fields.String()
    members = fields.List(
        fields.Nested(ResidentSchema),
        metadata={"description": "Living members the caller may see, head of the family first"},
    )


class BirthSchema(ResidentCreateSchema):
    note = fields.String(load_default="", validate=validate.Length(max=300))


class ArrivalSchema(ResidentCreateSchema):
    day = fields.Date(required=True, metadata={"description": "Date of moving in"})
    from_place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class MutationQueryArgs(QueryArgs):
    unit = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The regency, a kecamatan or a desa (Kemendagri code)"},
    )
    month = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{4}-[0-9]{2}$", error="Write the month as YYYY-MM."),
        metadata={"example": "2026-11"},
    )


class MutationRowSchema(Schema):
    code = fields.String()
    name = fields.String()
    start = fields.Integer()
    births = fields.Integer()
    deaths = fields.Integer()
    moved_in = fields.Integer()
    moved_out = fields.Integer()
    end = fields.Integer()


class MutationReportSchema(Schema):
    unit = fields.String()
    month = fields.String()
    rows = fields.List(fields.Nested(MutationRowSchema))
    total = fields.Nested(MutationRowSchema)

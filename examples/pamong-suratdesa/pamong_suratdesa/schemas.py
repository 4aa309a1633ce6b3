"""The shapes of the plugin's data (marshmallow): for the API, its OpenAPI document, the form."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, mask_nik

from pamong_suratdesa.models import LetterKind


class LetterRequestSchema(Schema):
    """What the clerk asks the resident: NIK, which letter, what for, an e-mail (optional)."""

    nik = fields.String(required=True, validate=validate.Length(min=16, max=40))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in LetterKind]))
    purpose = fields.String(required=True, validate=validate.Length(min=3, max=200))
    email = fields.Email(load_default="")


class LetterSchema(Schema):
    id = fields.Integer()
    tracking_number = fields.String()
    kind = fields.String()
    purpose = fields.String()
    resident_name = fields.String(attribute="resident.name")
    nik = fields.Function(lambda letter: mask_nik(letter.resident.nik))  # masked, always
    desa_code = fields.String(attribute="desa.code")
    desa_name = fields.String(attribute="desa.name")
    fee = fields.Integer()
    requested_at = fields.DateTime()
    issued_at = fields.DateTime(allow_none=True)
    verification_code = fields.Function(
        lambda letter: letter.document.code if letter.document else None, allow_none=True
    )


class LetterQueryArgs(QueryArgs):
    desa_code = fields.String(validate=validate.Length(max=20))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class LetterPageSchema(Schema):
    items = fields.List(fields.Nested(LetterSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class SuratdesaSettings(Schema):
    """``[plugins.suratdesa]`` in pamong.toml: the fee, if the regency charges one."""

    fee = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=100_000))
    fee_legal_basis = fields.String(load_default="", validate=validate.Length(max=200))

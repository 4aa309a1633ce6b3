"""Marshmallow schemas for org units (API and forms)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.orgunits.models import OrgUnitKind
from pamong.rest import QueryArgs

KINDS = [k.value for k in OrgUnitKind]


class OrgUnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": KINDS})
    parent_code = fields.Function(lambda u: u.parent.code if u.parent else None)
    depth = fields.Integer()


class OrgUnitQuerySchema(QueryArgs):
    kind = fields.String(validate=validate.OneOf(KINDS))
    parent = fields.String(
        validate=validate.Length(max=40), metadata={"description": "Code of the direct parent"}
    )
    within = fields.String(
        validate=validate.Length(max=40), metadata={"description": "Code of an ancestor"}
    )


class OrgUnitCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    parent_code = fields.String(required=True, validate=validate.Length(min=1, max=40))

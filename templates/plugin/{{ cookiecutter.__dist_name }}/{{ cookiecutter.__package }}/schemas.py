"""The shapes of the plugin's data (marshmallow): for the API, its OpenAPI document, the form."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs


class AboutSchema(Schema):
    plugin = fields.String()
    version = fields.String()


class {{ cookiecutter.__model_prefix }}EntryInSchema(Schema):
    """A new entry: what, and at which org unit."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class {{ cookiecutter.__model_prefix }}EntrySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    unit_code = fields.String(attribute="org_unit.code")
    unit_name = fields.String(attribute="org_unit.name")
    created_at = fields.DateTime()


class {{ cookiecutter.__model_prefix }}EntryQueryArgs(QueryArgs):
    unit_code = fields.String(validate=validate.Length(max=40))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class {{ cookiecutter.__model_prefix }}EntryPageSchema(Schema):
    items = fields.List(fields.Nested({{ cookiecutter.__model_prefix }}EntrySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()

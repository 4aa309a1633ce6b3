"""Schemas for staff users, roles and tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class GrantSchema(Schema):
    role = fields.Function(lambda a: a.role.name)
    org_unit = fields.Function(lambda a: a.org_unit.code)


class UserSchema(Schema):
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    is_active = fields.Boolean()
    home_unit = fields.Function(
        lambda u: u.home_unit.code if u.home_unit else None,
        allow_none=True,
        metadata={"description": "The org unit the account was created at"},
    )
    locked_until = fields.DateTime(allow_none=True)
    last_login_at = fields.DateTime(allow_none=True)
    grants = fields.List(fields.Nested(GrantSchema), attribute="assignments")


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=2, max=64))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=10, max=200)
    )
    full_name = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True)
    org_unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata={
            "description": "Code of the unit the account belongs to; required for managers "
            "below the regency who manage users at more than one unit"
        },
    )


class GrantCreateSchema(Schema):
    role = fields.String(required=True, validate=validate.Length(min=1, max=64))
    org_unit = fields.String(required=True, validate=validate.Length(min=1, max=40))


class RoleSchema(Schema):
    name = fields.String()
    title = fields.String()
    permissions = fields.List(fields.String())


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    username = fields.String(attribute="user.username", data_key="username")
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class TokenCreateSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=100))
    username = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Create for this user (needs core.users.manage)"},
    )


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The bearer token; shown only once"})


class PasswordSetSchema(Schema):
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=10, max=200)
    )


class PasswordResetRequestSchema(Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Username or e-mail address of the account"},
    )


class PasswordResetConfirmSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=10, max=200)
    )


class AcceptedSchema(Schema):
    detail = fields.String()

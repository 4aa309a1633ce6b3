from marshmallow import Schema, fields

from pamong.hooks import hookimpl


class Settings(Schema):
    fee = fields.Integer(required=True, strict=True)


@hookimpl
def pamong_register_settings_schema():
    return Settings

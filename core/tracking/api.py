"""REST: ``GET /api/v1/track/<number>``, public and rate-limited."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields

from pamong import ratelimit
from pamong.db import get_session
from pamong.rest import API_PREFIX, Blueprint
from pamong.tracking.services import public_status

blp = Blueprint(
    "tracking_api",
    __name__,
    url_prefix=f"{API_PREFIX}/track",
    description="Public file tracking by receipt number (no personal data)",
)


class StepSchema(Schema):
    stage = fields.String()
    label = fields.String()
    at = fields.DateTime()
    note = fields.String(
        metadata={"description": "The note to the applicant (staff's internal notes never show)"}
    )


class PublicStatusSchema(Schema):
    number = fields.String()
    kind = fields.String()
    kind_title = fields.String()
    stage = fields.String()
    stage_label = fields.String()
    unit = fields.String(metadata={"description": "The unit responsible for the file"})
    opened_at = fields.DateTime()
    closed = fields.Boolean()
    history = fields.List(fields.Nested(StepSchema))


@blp.route("/<number>")
@ratelimit.public
@blp.response(200, PublicStatusSchema)
@blp.alt_response(404, description="Unknown receipt number")
@blp.alt_response(429, description="Too many requests from this address")
def track(number: str):
    """Where is my file? Kind, stage, history and responsible unit. No login."""
    return public_status(get_session(), number, current_app.extensions["pamong"].trackable_kinds)

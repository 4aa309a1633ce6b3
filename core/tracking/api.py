"""REST: ``GET /api/v1/track/<number>``, public and rate-limited."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, fields

from pamong import ratelimit
from pamong.db import get_db
from pamong.rest import API_PREFIX, Blueprint, json_response
from pamong.tracking.services import PublicStatus, public_status

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
    kinds = current_app.extensions["pamong"].trackable_kinds
    with get_db().hot_connection() as conn:
        status = public_status(conn, number, kinds)
    return json_response(public_status_json(status))


def public_status_json(status: PublicStatus) -> dict[str, Any]:
    """What :class:`PublicStatusSchema` dumps, built directly.

    The busiest public endpoint skips the schema's per-field dispatch; a
    test holds the two equal.
    """
    return {
        "number": status.number,
        "kind": status.kind,
        "kind_title": status.kind_title,
        "stage": status.stage,
        "stage_label": status.stage_label,
        "unit": status.unit,
        "opened_at": status.opened_at.isoformat(),
        "closed": status.closed,
        "history": [
            {"stage": step.stage, "label": step.label, "at": step.at.isoformat(), "note": step.note}
            for step in status.history
        ],
    }

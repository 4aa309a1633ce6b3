"""REST: ``GET /api/v1/verify/<code>``, public and rate-limited."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields

from pamong import ratelimit
from pamong.db import get_session
from pamong.documents.services import verify
from pamong.rest import API_PREFIX, Blueprint

blp = Blueprint(
    "documents_api",
    __name__,
    url_prefix=f"{API_PREFIX}/verify",
    description="Public verification of issued documents",
)


class VerificationSchema(Schema):
    status = fields.String(metadata={"enum": ["valid", "expired", "revoked"]})
    kind = fields.String()
    kind_title = fields.String()
    number = fields.String()
    holder = fields.String(metadata={"description": "Initials only"})
    issued_by = fields.String()
    issued_at = fields.DateTime()
    valid_until = fields.Date(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String(
        metadata={"description": "The public note on a revocation (never the internal reason)"}
    )


@blp.route("/<code>")
@ratelimit.public
@blp.response(200, VerificationSchema)
@blp.alt_response(404, description="Unknown verification code")
@blp.alt_response(429, description="Too many requests from this address")
def verify_document(code: str):
    """Is this document genuine, still valid, or revoked? No login."""
    return verify(get_session(), code, current_app.extensions["pamong"].document_kinds)

"""REST: ``/api/v1/audit``, the audit log for auditors."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from pamong.audit.services import query_entries
from pamong.auth import api_actor, token_required
from pamong.db import get_session, paginate
from pamong.rest import API_PREFIX, BEARER, Blueprint, QueryArgs

blp = Blueprint(
    "audit_api",
    __name__,
    url_prefix=f"{API_PREFIX}/audit",
    description="Who wrote or read what, and when",
)


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    detail = fields.Dict()
    ip = fields.String(allow_none=True)


class AuditQuerySchema(QueryArgs):
    action = fields.String(validate=validate.Length(max=64))
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.String(validate=validate.Length(max=64))
    actor = fields.String(validate=validate.Length(max=64))
    since = fields.AwareDateTime(default_timezone=None)
    until = fields.AwareDateTime(default_timezone=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


@blp.route("")
@token_required
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.doc(security=BEARER)
def list_audit_entries(args: dict[str, Any]):
    """Audit entries in the caller's units, newest first (needs ``core.audit.view``)."""
    stmt = query_entries(
        api_actor(),
        action=args.get("action"),
        object_type=args.get("object_type"),
        object_id=args.get("object_id"),
        actor_name=args.get("actor"),
        since=args.get("since"),
        until=args.get("until"),
    )
    session = get_session()
    page, per_page = args["page"], args["per_page"]
    items, total = paginate(session, stmt, page, per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total}

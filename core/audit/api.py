"""REST: ``/api/v1/audit``, the audit log for auditors."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from pamong.audit import services
from pamong.auth import api_actor, token_required
from pamong.db import get_session, paginate
from pamong.orgunits.models import OrgUnit
from pamong.orgunits.services import get_unit
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
    org_unit = fields.Function(lambda e: getattr(e, "org_unit_code", None), allow_none=True)
    subject_nik = fields.String(allow_none=True)
    detail = fields.Dict()
    ip = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)


class AuditFilterSchema(QueryArgs):
    action = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "An action, or a family ending in `.*` (`auth.*`)"},
    )
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.String(validate=validate.Length(max=64))
    actor = fields.String(validate=validate.Length(max=64), metadata={"description": "Username"})
    nik = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "Entries about the person with this NIK"},
    )
    unit = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "Entries of this org unit's subtree (its code)"},
    )
    since = fields.AwareDateTime(default_timezone=None)
    until = fields.AwareDateTime(default_timezone=None)


class AuditQuerySchema(AuditFilterSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class AccessReportSchema(Schema):
    nik = fields.String()
    entries = fields.List(fields.Nested(AuditEntrySchema))


def _statement(args: dict[str, Any]) -> Any:
    session = get_session()
    unit = get_unit(session, args["unit"]) if args.get("unit") else None
    return services.query_entries(
        api_actor(),
        action=args.get("action"),
        object_type=args.get("object_type"),
        object_id=args.get("object_id"),
        actor_name=args.get("actor"),
        nik=args.get("nik"),
        unit=unit,
        since=args.get("since"),
        until=args.get("until"),
    )


def _with_unit_codes(session: Any, entries: list[Any]) -> list[Any]:
    ids = {e.org_unit_id for e in entries if e.org_unit_id}
    codes = (
        dict(session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(ids))).all())
        if ids
        else {}
    )
    for entry in entries:
        entry.org_unit_code = codes.get(entry.org_unit_id)
    return entries


@blp.route("")
@token_required
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.doc(security=BEARER)
def list_audit_entries(args: dict[str, Any]):
    """Audit entries in the caller's units, newest first (needs ``core.audit.view``)."""
    stmt = _statement(args)
    session = get_session()
    page, per_page = args["page"], args["per_page"]
    items, total = paginate(session, stmt, page, per_page)
    return {
        "items": _with_unit_codes(session, items),
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@blp.route("/export")
@token_required
@blp.arguments(AuditFilterSchema, location="query")
@blp.response(200, description="The filtered entries as CSV", content_type="text/csv")
@blp.doc(security=BEARER)
def export_audit_entries(args: dict[str, Any]):
    """The filtered log as CSV, newest first (at most 100 000 rows)."""
    session = get_session()
    rows = services.export_rows(session, _statement(args))
    session.rollback()  # read everything first: no transaction open while streaming
    return Response(
        services.csv_chunks(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


@blp.route("/people/<nik>")
@token_required
@blp.response(200, AccessReportSchema)
@blp.doc(security=BEARER)
def person_report(nik: str):
    """Who read or changed the data of the person with this NIK (UU PDP 27/2022); audited."""
    session = get_session()
    report = services.subject_report(session, api_actor(), nik[:40])
    session.commit()
    _with_unit_codes(session, report.entries)
    return report

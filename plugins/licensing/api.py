"""REST API for external systems (e.g. a national e-licensing system): bearer tokens.

Everything here is read-only and scoped: a token sees the applications and
permits of the units where its user holds ``licensing.view``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pamong.plugin import (
    API_PREFIX,
    BEARER,
    ApiBlueprint,
    NotFound,
    OrgUnit,
    api_actor,
    get_session,
    paginate,
    require,
    token_required,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing import services
from pamong_plugins.licensing.models import Application, Permit, ServiceType
from pamong_plugins.licensing.schemas import (
    ApplicationPageSchema,
    ApplicationQueryArgs,
    ApplicationSchema,
    IkmFigureSchema,
    IkmQueryArgs,
    PermitPageSchema,
    PermitQueryArgs,
    PermitSchema,
    ServiceTypeSchema,
)
from pamong_plugins.licensing.stats import ikm_report

blp = ApiBlueprint(
    "licensing_api",
    __name__,
    url_prefix=f"{API_PREFIX}/licensing",
    description="One-stop permit office: catalogue, applications, permits, satisfaction index",
)


@blp.route("/service-types")
@token_required
@blp.response(200, ServiceTypeSchema(many=True))
@blp.doc(security=BEARER)
def list_service_types():
    """The catalogue: permit and non-permit services with SOP time, fee and delegations."""
    api_actor()
    return services.service_types(get_session())


def _type_id(code: str | None) -> int | None:
    if not code:
        return None
    found = get_session().scalar(select(ServiceType.id).where(ServiceType.code == code.upper()))
    return found or -1  # an unknown code simply matches nothing


@blp.route("/applications")
@token_required
@blp.arguments(ApplicationQueryArgs, location="query")
@blp.response(200, ApplicationPageSchema)
@blp.doc(security=BEARER)
def list_applications(args: dict[str, Any]):
    """Applications received in a date range, by type and stage, newest first."""
    actor = api_actor()
    require(actor, perm.VIEW)
    session = get_session()
    stmt = services.applications_query(
        actor,
        stage=args.get("stage", ""),
        service_type_id=_type_id(args.get("type")),
        received_from=args.get("received_from"),
        received_to=args.get("received_to"),
    )
    items, total = paginate(session, stmt, args["page"], args["per_page"])
    for application in items:  # each item carries the applicant's ID number
        services.record_applicant_read(session, actor, application, "licensing.api.list")
    session.commit()
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/applications/<number>")
@token_required
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, description="Unknown number, or outside the caller's units")
@blp.doc(security=BEARER)
def get_application(number: str):
    """One application by its tracking number."""
    actor = api_actor()
    require(actor, perm.VIEW)
    session = get_session()
    application = services.application_by_number(session, number[:30])
    if application is None or not actor.can(perm.VIEW, application.org_unit):
        raise NotFound("No such application.", slug="application-not-found")
    services.record_applicant_read(session, actor, application, "licensing.api.application")
    session.commit()
    return application


@blp.route("/permits")
@token_required
@blp.arguments(PermitQueryArgs, location="query")
@blp.response(200, PermitPageSchema)
@blp.doc(security=BEARER)
def list_permits(args: dict[str, Any]):
    """Issued permits in a date range and by type, newest first."""
    actor = api_actor()
    require(actor, perm.VIEW)
    stmt = (
        select(Permit)
        .join(Application, Application.id == Permit.application_id)
        .join(OrgUnit, OrgUnit.id == Application.org_unit_id)
        .where(actor.scope_filter(perm.VIEW, OrgUnit.path))
        .order_by(Permit.id.desc())
    )
    if args.get("issued_from"):
        stmt = stmt.where(Permit.issued_on >= args["issued_from"])
    if args.get("issued_to"):
        stmt = stmt.where(Permit.issued_on <= args["issued_to"])
    type_id = _type_id(args.get("type"))
    if type_id:
        stmt = stmt.where(Application.service_type_id == type_id)
    items, total = paginate(get_session(), stmt, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/permits/<id:permit_id>")
@token_required
@blp.response(200, PermitSchema)
@blp.alt_response(404, description="Unknown permit, or outside the caller's units")
@blp.doc(security=BEARER)
def get_permit(permit_id: int):
    """One issued permit."""
    actor = api_actor()
    require(actor, perm.VIEW)
    permit = get_session().get(Permit, permit_id)
    if permit is None or not actor.can(perm.VIEW, permit.application.org_unit):
        raise NotFound("No such permit.", slug="permit-not-found")
    return permit


@blp.route("/ikm")
@token_required
@blp.arguments(IkmQueryArgs, location="query")
@blp.response(200, IkmFigureSchema(many=True))
@blp.doc(security=BEARER)
def ikm(args: dict[str, Any]):
    """The satisfaction index per half year, service type and unit, with its rule."""
    actor = api_actor()
    require(actor, perm.REPORT)
    return ikm_report(get_session(), actor, args["rule"])

"""REST API for external systems (e.g. a national e-licensing system): bearer tokens.

Reads are scoped: a token sees the applications and permits of the units
where its user holds ``licensing.view``. Writes (assignment, forwarding,
the OSS-RBA reference, delegations, signing officials) check the same
permissions as the pages. The applicant account endpoints (verification,
password reset) are public and rate limited.
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
    _,
    api_actor,
    get_session,
    paginate,
    public_rate_limited,
    require,
    token_required,
)
from pamong_plugins.licensing import applicant_codes, services
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing.models import Application, Permit, ServiceType
from pamong_plugins.licensing.schemas import (
    ApplicationPageSchema,
    ApplicationQueryArgs,
    ApplicationSchema,
    AssignSchema,
    DelegationCreateSchema,
    DelegationSchema,
    ForwardSchema,
    IkmFigureSchema,
    IkmQueryArgs,
    OssReferenceSchema,
    PermitPageSchema,
    PermitQueryArgs,
    PermitSchema,
    ResetConfirmSchema,
    ResetRequestSchema,
    ServiceTypeSchema,
    SignatorySaveSchema,
    SignatorySchema,
    VerifyCodeSchema,
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
        raise NotFound(_("No such application."), slug="application-not-found")
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
        raise NotFound(_("No such permit."), slug="permit-not-found")
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


def _file(number: str) -> Application:
    """An application the token may see, by number (404 otherwise)."""
    actor = api_actor()
    application = services.application_by_number(get_session(), number[:30])
    if application is None or not actor.can(perm.VIEW, application.org_unit):
        raise NotFound(_("No such application."), slug="application-not-found")
    return application


@blp.route("/applications/<number>/assign", methods=["POST"])
@token_required
@blp.arguments(AssignSchema)
@blp.response(200, ApplicationSchema)
@blp.alt_response(422, description="The user is not licensing staff of the file's unit")
@blp.doc(security=BEARER)
def assign(data: dict[str, Any], number: str):
    """Give a file to a licensing staff member of its unit (shown on the timeline)."""
    session = get_session()
    application = _file(number)
    services.assign(session, api_actor(), application, data["username"], data["note"])
    session.commit()
    return application


@blp.route("/applications/<number>/forward", methods=["POST"])
@token_required
@blp.arguments(ForwardSchema)
@blp.response(200, ApplicationSchema)
@blp.alt_response(409, description="The file is closed")
@blp.doc(security=BEARER)
def forward(data: dict[str, Any], number: str):
    """Forward an open file by hand to another unit (recorded on the timeline)."""
    session = get_session()
    application = _file(number)
    services.forward(session, api_actor(), application, data["unit"], data["reason"])
    session.commit()
    return application


@blp.route("/applications/<number>/oss-reference", methods=["PUT"])
@token_required
@blp.arguments(OssReferenceSchema)
@blp.response(200, ApplicationSchema)
@blp.doc(security=BEARER)
def oss_reference(data: dict[str, Any], number: str):
    """Record the national OSS-RBA reference of a business permit."""
    session = get_session()
    application = _file(number)
    services.record_oss_reference(session, api_actor(), application, data["reference"])
    session.commit()
    return application


@blp.route("/delegations", methods=["POST"])
@token_required
@blp.arguments(DelegationCreateSchema)
@blp.response(201, DelegationSchema)
@blp.doc(security=BEARER)
def create_delegation(data: dict[str, Any]):
    """Delegate a service to the kecamatan or desa (every kecamatan, or one)."""
    session = get_session()
    delegation = services.add_delegation(
        session,
        api_actor(),
        services.get_service_type(session, data["service_type"]),
        decree_number=data["decree_number"],
        effective_on=data["effective_on"],
        level=data["level"],
        kecamatan=services.kecamatan_by_code(session, data["kecamatan"]),
    )
    session.commit()
    return delegation


@blp.route("/signatories")
@token_required
@blp.response(200, SignatorySchema(many=True))
@blp.doc(security=BEARER)
def list_signatories():
    """The signing officials of the units the token administers."""
    actor = api_actor()
    require(actor, perm.ADMIN)
    return services.signatories(get_session(), actor)


@blp.route("/signatories", methods=["PUT"])
@token_required
@blp.arguments(SignatorySaveSchema)
@blp.response(200, SignatorySchema)
@blp.doc(security=BEARER)
def save_signatory(data: dict[str, Any]):
    """Set who signs the permits of a unit (of one service there, if given)."""
    session = get_session()
    code = data.pop("service_type")
    service_type = services.get_service_type(session, code) if code else None
    saved = services.save_signatory(session, api_actor(), data["unit"], data, service_type)
    session.commit()
    return saved


@blp.route("/applicants/password-reset", methods=["POST"])
@public_rate_limited
@blp.arguments(ResetRequestSchema)
@blp.response(202)
def request_password_reset(data: dict[str, Any]):
    """Send a reset link (e-mail) or code (SMS) if the account exists; the answer is the same."""
    from flask import url_for

    session = get_session()
    applicant_codes.request_reset(
        session,
        data["login"],
        link_for=lambda token: url_for("licensing.portal_reset", token=token, _external=True),
        minutes=applicant_codes.code_minutes(),
    )
    session.commit()
    return ""


@blp.route("/applicants/password-reset/confirm", methods=["POST"])
@public_rate_limited
@blp.arguments(ResetConfirmSchema)
@blp.response(204)
@blp.alt_response(422, description="The code is wrong, used or expired")
def confirm_password_reset(data: dict[str, Any]):
    """Choose a new password with a reset code (once, before it expires)."""
    session = get_session()
    try:
        applicant_codes.reset_password(session, data["code"], data["password"], data["login"])
    finally:
        session.commit()  # a wrong code counts: guessing voids the account's codes
    return ""


@blp.route("/applicants/verify", methods=["POST"])
@public_rate_limited
@blp.arguments(VerifyCodeSchema)
@blp.response(204)
@blp.alt_response(422, description="The code is wrong, used or expired")
def verify_applicant(data: dict[str, Any]):
    """Confirm an applicant's e-mail address with the token of the link sent to it."""
    session = get_session()
    try:
        applicant_codes.verify_contact(session, data["code"])
    finally:
        session.commit()  # a wrong code counts
    return ""

"""REST: ``/api/v1/pdam/applications``: new connections from application to active meter."""

from __future__ import annotations

from typing import Any

from pamong.plugin import (
    BEARER,
    api_actor,
    get_session,
    paginate,
    public_rate_limited,
    token_required,
)
from pamong_plugins.pdam import applications as flow
from pamong_plugins.pdam.api import blp
from pamong_plugins.pdam.schemas import (
    PdamApplicationCreateSchema,
    PdamApplicationPageSchema,
    PdamApplicationQueryArgs,
    PdamApplicationReceiptSchema,
    PdamApplicationSchema,
    PdamEstimateSchema,
    PdamInstallSchema,
    PdamRejectSchema,
    PdamSurveySchema,
)


@blp.route("/applications")
@token_required
@blp.arguments(PdamApplicationQueryArgs, location="query")
@blp.response(200, PdamApplicationPageSchema)
@blp.doc(security=BEARER)
def list_applications(args: dict[str, Any]):
    """New-connection applications in the caller's units, newest first."""
    stmt = flow.applications_query(api_actor(), step=args.get("step"))
    items, total = paginate(get_session(), stmt, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/applications", methods=["POST"])
@token_required
@blp.arguments(PdamApplicationCreateSchema)
@blp.response(201, PdamApplicationSchema)
@blp.doc(security=BEARER)
def create_application(data: dict[str, Any]):
    """Take an application at the counter (``pdam.admin`` at the desa); opens its tracked file."""
    session = get_session()
    application = flow.apply(session, api_actor(), channel="counter", **data)
    session.commit()
    return application


@blp.route("/applications/<id:application_id>")
@token_required
@blp.response(200, PdamApplicationSchema)
@blp.doc(security=BEARER)
def get_application(application_id: int):
    """One application with the applicant's data (the read is audited)."""
    session = get_session()
    application = flow.get_application(session, api_actor(), application_id)
    session.commit()
    return application


def _step(application_id: int, step: Any, **data: Any) -> Any:
    session = get_session()
    application = step(session, api_actor(), application_id, **data)
    session.commit()
    return application


@blp.route("/applications/<id:application_id>/survey", methods=["POST"])
@token_required
@blp.arguments(PdamSurveySchema)
@blp.response(200, PdamApplicationSchema)
@blp.doc(security=BEARER)
def survey_application(data: dict[str, Any], application_id: int):
    """The field survey: feasible, or not (which refuses the application)."""
    return _step(application_id, flow.record_survey, **data)


@blp.route("/applications/<id:application_id>/estimate", methods=["POST"])
@token_required
@blp.arguments(PdamEstimateSchema)
@blp.response(200, PdamApplicationSchema)
@blp.doc(security=BEARER)
def estimate_application(data: dict[str, Any], application_id: int):
    """The cost estimate, invoiced through billing as the connection fee."""
    return _step(application_id, flow.issue_estimate, **data)


@blp.route("/applications/<id:application_id>/install", methods=["POST"])
@token_required
@blp.arguments(PdamInstallSchema)
@blp.response(200, PdamApplicationSchema)
@blp.doc(security=BEARER)
def install_application(data: dict[str, Any], application_id: int):
    """The meter is installed (fee paid first): the connection becomes active."""
    return _step(application_id, flow.install, **data)


@blp.route("/applications/<id:application_id>/reject", methods=["POST"])
@token_required
@blp.arguments(PdamRejectSchema)
@blp.response(200, PdamApplicationSchema)
@blp.doc(security=BEARER)
def reject_application(data: dict[str, Any], application_id: int):
    """Refuse an application before its fee is invoiced."""
    return _step(application_id, flow.reject, **data)


@blp.route("/public/applications", methods=["POST"])
@public_rate_limited
@blp.arguments(PdamApplicationCreateSchema)
@blp.response(201, PdamApplicationReceiptSchema)
def apply_online(data: dict[str, Any]):
    """A resident applies online (no account): the answer is the receipt number only."""
    session = get_session()
    application = flow.apply_online(session, **data)
    session.commit()
    return application

"""REST: ``/api/v1/surveys`` (public results, answering by link, closing a period)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from pamong import ratelimit
from pamong.auth import api_actor, token_required
from pamong.db import get_session
from pamong.rest import API_PREFIX, BEARER, Blueprint, QueryArgs
from pamong.runtime import regency_today
from pamong.surveys import services
from pamong.surveys.index import DEFAULT_RULE, ELEMENTS_2017

blp = Blueprint(
    "surveys_api",
    __name__,
    url_prefix=f"{API_PREFIX}/surveys",
    description="The satisfaction survey (IKM): public results, answering, closing a period",
)

_PERIOD = {"pattern": r"^\d{4}(-H[12])?$", "example": "2026-H1"}
_INDEX = {"type": "string", "pattern": r"^\d{2,3}\.\d{2}$", "description": "25.00-100.00"}


class ResultsArgs(QueryArgs):
    period = fields.String(
        validate=validate.Length(max=10),
        metadata={"description": "2026, 2026-H1 or 2026-H2; default: the current period"},
    )


class FigureSchema(Schema):
    service = fields.String(metadata={"description": "The service key, e.g. ktp.card"})
    service_title = fields.String()
    unit_code = fields.String()
    unit_name = fields.String()
    period = fields.String(metadata=_PERIOD)
    rule = fields.String()
    respondents = fields.Integer()
    population = fields.Integer(
        metadata={"description": "Files of the service completed at the unit in the period"}
    )
    sample_target = fields.Integer(metadata={"description": "Krejcie-Morgan sample size"})
    element_means = fields.List(
        fields.Decimal(as_string=True, metadata={"type": "string"}),
        metadata={"description": "Mean answer (1.00-4.00) of each of the 9 elements"},
    )
    value = fields.Decimal(as_string=True, allow_none=True, metadata=_INDEX)
    grade = fields.String(metadata={"enum": ["A", "B", "C", "D", ""]})
    closed = fields.Boolean(
        metadata={"description": "True: from the closed period's snapshot; false: provisional"}
    )
    closed_at = fields.DateTime(allow_none=True)


class ResultsSchema(Schema):
    period = fields.String(metadata=_PERIOD)
    periods = fields.List(fields.String(), metadata={"description": "Periods with figures"})
    figures = fields.List(fields.Nested(FigureSchema))


class SurveyFormSchema(Schema):
    service = fields.String()
    service_title = fields.String()
    unit_name = fields.String()
    answered = fields.Boolean()
    elements = fields.List(fields.String(), metadata={"description": "The questions, in order"})


class AnswerSchema(Schema):
    answers = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "1-4 for each of the 9 elements, in order"},
    )
    comment = fields.String(load_default="", validate=validate.Length(max=services.COMMENT_MAX))


class AnsweredSchema(Schema):
    service = fields.String()
    answered_on = fields.Date()


class ClosedSchema(Schema):
    period = fields.String(metadata=_PERIOD)
    snapshots = fields.Integer(metadata={"description": "Figures stored by this call"})


@blp.route("/results")
@ratelimit.public
@blp.arguments(ResultsArgs, location="query")
@blp.response(200, ResultsSchema)
@blp.alt_response(422, description="Not a period")
@blp.alt_response(429, description="Too many requests from this address")
def results(args: dict[str, Any]):
    """Every service's satisfaction index per unit for a period. No login, no personal data."""
    return services.public_results(get_session(), args.get("period"), regency_today())


def _form(token: str) -> dict[str, Any]:
    invitation = services.invitation_by_token(get_session(), token)
    return {
        "service": invitation.service,
        "service_title": services.service_title(invitation.service),
        "unit_name": invitation.org_unit.name,
        "answered": invitation.answered_at is not None,
        "elements": list(ELEMENTS_2017),
    }


@blp.route("/links/<token>")
@ratelimit.public
@blp.response(200, SurveyFormSchema)
@blp.alt_response(404, description="Unknown survey link")
@blp.alt_response(429, description="Too many requests from this address")
def survey_form(token: str):
    """The survey of a link: the service, the questions, and whether it was answered."""
    return _form(token)


@blp.route("/links/<token>", methods=["POST"])
@ratelimit.public
@blp.arguments(AnswerSchema)
@blp.response(201, AnsweredSchema)
@blp.alt_response(404, description="Unknown survey link")
@blp.alt_response(409, description="This link's survey was already answered")
@blp.alt_response(422, description="Not 9 answers of 1-4")
@blp.alt_response(429, description="Too many requests from this address")
def answer(data: dict[str, Any], token: str):
    """Answer the survey of a link (once). No login: the link is the key."""
    session = get_session()
    response = services.answer_survey(session, token, data["answers"], data["comment"])
    session.commit()
    return response


@blp.route("/periods/<period>/close", methods=["POST"])
@token_required
@blp.response(200, ClosedSchema)
@blp.alt_response(409, description="The period is not over yet")
@blp.alt_response(422, description="Not a period")
@blp.doc(security=BEARER)
def close(period: str):
    """Close a finished period at your units: its figures are stored and published as they are.

    Needs ``core.surveys.manage``; figures closed before are kept unchanged.
    """
    session = get_session()
    stored = services.close_period(session, api_actor(), period, rule=DEFAULT_RULE)
    session.commit()
    return {"period": period, "snapshots": len(stored)}

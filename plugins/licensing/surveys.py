"""The satisfaction survey (IKM) answered after handover."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Conflict,
    InvalidInput,
    NotFound,
    regency_today,
)
from pamong_plugins.licensing.ikm import RULES
from pamong_plugins.licensing.models import (
    Application,
    SurveyResponse,
)

SURVEY_RULE = "permenpanrb-14-2017"


def survey_application(session: Session, token: str) -> Application:
    application = None
    if 16 <= len(token) <= 64:
        application = session.scalar(select(Application).where(Application.survey_token == token))
    if application is None:
        raise NotFound("No survey for this link.", slug="survey-not-found")
    return application


def submit_survey(
    session: Session,
    token: str,
    answers: list[int],
    comment: str = "",
    today: date | None = None,
    rule: str = SURVEY_RULE,
) -> SurveyResponse:
    """Record the applicant's answers (1-4 for each element); one response per application."""
    application = survey_application(session, token)
    elements = RULES[rule].elements
    if len(answers) != elements or any(
        isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= 4 for a in answers
    ):
        raise InvalidInput(
            f"Answer each of the {elements} elements with 1-4.", slug="invalid-survey"
        )
    exists = session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.application_id == application.id)
    )
    if exists:
        raise Conflict("This application's survey was already answered.", slug="survey-answered")
    response = SurveyResponse(
        application_id=application.id,
        service_type_id=application.service_type_id,
        org_unit_id=application.org_unit_id,
        rule=rule,
        answers=list(answers),
        comment=comment.strip()[:2000],
        answered_on=today or regency_today(),
    )
    session.add(response)
    session.flush()
    return response


def survey_answered(session: Session, application: Application) -> bool:
    return bool(
        session.scalar(
            select(SurveyResponse.id).where(SurveyResponse.application_id == application.id)
        )
    )

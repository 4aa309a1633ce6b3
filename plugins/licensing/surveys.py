"""The satisfaction survey (IKM) answered after handover, kept by the core.

The core holds the invitations and answers of every service
(``pamong.plugin.survey_link``); licensing registers one survey service,
:data:`SURVEY_SERVICE`, and keeps the invitation's token on the application
so that its pages and the tracker can offer the link.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    IKM_DEFAULT_RULE,
    NotFound,
    SurveyInvitation,
    answer_survey,
    survey_invitation,
    survey_link,
)
from pamong_plugins.licensing.models import Application

SURVEY_RULE = IKM_DEFAULT_RULE
#: The key of licensing's survey service (``pamong_register_survey_services``).
SURVEY_SERVICE = "licensing.permits"


def survey_reference(application: Application) -> str:
    return f"licensing_application:{application.id}"


def invite_to_survey(
    session: Session, application: Application, completed_on: date | None = None
) -> str:
    """Give the finished application its one-time survey link; returns the token."""
    survey_link(
        session,
        service=SURVEY_SERVICE,
        unit=application.org_unit,
        reference=survey_reference(application),
        completed_on=completed_on or application.finished_on,
        base_url="",
    )
    invitation = _invitation(session, application)
    assert invitation is not None
    application.survey_token = invitation.token
    return invitation.token


def _invitation(session: Session, application: Application) -> SurveyInvitation | None:
    return survey_invitation(
        session, service=SURVEY_SERVICE, reference=survey_reference(application)
    )


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
) -> object:
    """Record the applicant's answers (1-4 for each element); once per application (else 409)."""
    survey_application(session, token)
    return answer_survey(session, token, answers, comment, today=today, rule=rule)


def survey_answered(session: Session, application: Application) -> bool:
    invitation = _invitation(session, application)
    return invitation is not None and invitation.answered_at is not None

"""The satisfaction survey of every service: links, answers, figures and closed periods.

A plugin registers its surveyable services (``pamong_register_survey_services``)
and calls :func:`survey_link` when a file is completed; the citizen answers
once through the link. Figures per service, unit and period are computed
from the answers while the period is open; closing it stores a snapshot,
and the published figures of a closed period come from it only.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import ColumnElement, func, select, true, update
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.db import utcnow
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.hooks import SurveyService
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit
from pamong.runtime import regency_today
from pamong.surveys.index import (
    DEFAULT_RULE,
    RULES,
    element_means,
    ikm_score,
    krejcie_morgan,
)
from pamong.surveys.models import SurveyInvitation, SurveyResponse, SurveySnapshot

#: Closing periods and reading the staff figures (comments included).
MANAGE = "core.surveys.manage"
PERIOD_LENGTHS = ("half-year", "year")
_PERIOD_RE = re.compile(r"^(\d{4})(?:-H([12]))?$")
_TOKEN_BYTES = 24
COMMENT_MAX = 2000


# -- periods ---------------------------------------------------------------------


def period_length() -> str:
    """The instance's survey period (``survey_period``): ``half-year`` unless set to ``year``."""
    if has_app_context() and "pamong" in current_app.extensions:
        return current_app.extensions["pamong"].settings.survey_period
    return "half-year"


def period_of(day: date, length: str | None = None) -> str:
    """The period of a day: ``2026-H1``/``2026-H2`` by half year, ``2026`` by year."""
    length = length or period_length()
    if length == "year":
        return str(day.year)
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period (``2026-H2`` or ``2026``); 422 for anything else."""
    found = _PERIOD_RE.match(period or "")
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise InvalidInput(
            _("A survey period is a year (2026) or a half year (2026-H1, 2026-H2)."),
            slug="invalid-period",
            field="period",
        )
    year, half = int(found.group(1)), found.group(2)
    if half == "1":
        return date(year, 1, 1), date(year, 6, 30)
    if half == "2":
        return date(year, 7, 1), date(year, 12, 31)
    return date(year, 1, 1), date(year, 12, 31)


def recent_periods(session: Session, today: date, length: str | None = None) -> list[str]:
    """Periods from the first invitation or answer up to today's, newest first."""
    length = length or period_length()
    first = min(
        (
            day
            for day in (
                session.scalar(select(func.min(SurveyInvitation.completed_on))),
                session.scalar(select(func.min(SurveyResponse.answered_on))),
            )
            if day is not None
        ),
        default=today,
    )
    periods: list[str] = []
    year = today.year
    while year >= first.year:
        for half in (2, 1) if length == "half-year" else (0,):
            period = f"{year}-H{half}" if half else str(year)
            start, _end = period_bounds(period)
            if start <= today and period_bounds(period)[1] >= first:
                periods.append(period)
        year -= 1
    closed = session.scalars(select(SurveySnapshot.period).distinct()).all()
    extra = [p for p in closed if p not in periods]
    return periods + sorted(extra, reverse=True)


# -- links and answers -------------------------------------------------------------


def registered_services() -> dict[str, SurveyService]:
    """The survey services of the running app, by key (none outside an app)."""
    if has_app_context() and "pamong" in current_app.extensions:
        return current_app.extensions["pamong"].survey_services
    return {}


def _base_url(base_url: str | None) -> str:
    if base_url is not None:
        return base_url.rstrip("/")
    if has_app_context() and "pamong" in current_app.extensions:
        configured = current_app.extensions["pamong"].settings.public_url
        if configured:
            return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return ""


def invite(
    session: Session,
    *,
    service: str,
    unit: OrgUnit,
    reference: str,
    completed_on: date | None = None,
) -> SurveyInvitation:
    """The invitation of a completed file; the same one when asked again for the same file."""
    if has_app_context() and "pamong" in current_app.extensions:
        known = registered_services()
        if service not in known:
            raise ValueError(
                f"{service!r} is not a registered survey service (known: {list(known)})"
            )
    if not reference or len(reference) > 100:
        raise ValueError("a survey invitation needs a reference of 1-100 characters")
    found = survey_invitation(session, service=service, reference=reference)
    if found is not None:
        return found
    invitation = SurveyInvitation(
        token=secrets.token_urlsafe(_TOKEN_BYTES),
        service=service,
        org_unit_id=unit.id,
        reference=reference,
        completed_on=completed_on or regency_today(),
    )
    session.add(invitation)
    session.flush()
    return invitation


def survey_link(
    session: Session,
    *,
    service: str,
    unit: OrgUnit,
    reference: str,
    completed_on: date | None = None,
    base_url: str | None = None,
) -> str:
    """The public, one-time survey link of a completed file (created on the first call).

    ``reference`` names the plugin's record (``"ktp_application:12"``); a
    second call for the same file returns the same link. The link starts
    with ``base_url``, else the ``public_url`` setting, else the request's
    address; outside a request and without either, it is site-relative.
    """
    invitation = invite(
        session, service=service, unit=unit, reference=reference, completed_on=completed_on
    )
    return survey_url(invitation, base_url)


def survey_url(invitation: SurveyInvitation, base_url: str | None = None) -> str:
    """The address of an invitation's survey form (the base as for :func:`survey_link`)."""
    return _base_url(base_url) + invitation.path


def survey_invitation(session: Session, *, service: str, reference: str) -> SurveyInvitation | None:
    """The invitation given for a file, if any (``answered_at`` says whether it was used)."""
    return session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.service == service, SurveyInvitation.reference == reference
        )
    )


def invitation_by_token(session: Session, token: str) -> SurveyInvitation:
    """The invitation of a survey link; 404 for an unknown token."""
    invitation = None
    if 16 <= len(token) <= 64:
        invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.token == token))
    if invitation is None:
        raise NotFound(_("No survey for this link."), slug="survey-not-found")
    return invitation


def check_answers(answers: Sequence[Any], rule: str = DEFAULT_RULE) -> list[int]:
    """The answers as integers 1-4, one per element of ``rule``; 422 otherwise."""
    elements = RULES[rule].elements
    if len(answers) != elements or any(
        isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= 4 for a in answers
    ):
        raise InvalidInput(
            _("Answer each of the %(count)d questions with 1 to 4.", count=elements),
            slug="invalid-survey",
            field="answers",
        )
    return list(answers)


def answer_survey(
    session: Session,
    token: str,
    answers: Sequence[Any],
    comment: str = "",
    *,
    today: date | None = None,
    now: datetime | None = None,
    rule: str = DEFAULT_RULE,
) -> SurveyResponse:
    """Record the citizen's answers through a link; a link answers once (else 409)."""
    invitation = invitation_by_token(session, token)
    checked = check_answers(answers, rule)
    if invitation.answered_at is not None:
        raise _answered()
    # One atomic claim: two submissions at once cannot both count.
    claimed = session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered_at.is_(None))
        .values(answered_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise _answered()
    session.refresh(invitation)
    response = SurveyResponse(
        invitation_id=invitation.id,
        service=invitation.service,
        org_unit_id=invitation.org_unit_id,
        rule=rule,
        answers=checked,
        comment=" ".join((comment or "").split())[:COMMENT_MAX],
        answered_on=today or regency_today(),
    )
    session.add(response)
    session.flush()
    return response


def _answered() -> Conflict:
    return Conflict(_("This survey was already answered. Thank you!"), slug="survey-answered")


@dataclass(frozen=True)
class SurveyAnswer:
    """One answer set of a service, for a plugin's own breakdown (no comment, no person)."""

    reference: str
    org_unit_id: int
    answered_on: date
    answers: tuple[int, ...]
    rule: str


def survey_answers(
    session: Session, service: str, *, rule: str = DEFAULT_RULE
) -> list[SurveyAnswer]:
    """Every answer set of ``service`` under ``rule``, with the file's reference."""
    rows = session.execute(
        select(
            SurveyInvitation.reference,
            SurveyResponse.org_unit_id,
            SurveyResponse.answered_on,
            SurveyResponse.answers,
        )
        .outerjoin(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(SurveyResponse.service == service, SurveyResponse.rule == rule)
        .order_by(SurveyResponse.id)
    ).all()
    return [
        SurveyAnswer(reference or "", unit_id, day, tuple(answers), rule)
        for reference, unit_id, day, answers in rows
    ]


# -- figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyFigure:
    """The index of one service at one unit for one period.

    ``closed``: from the period's snapshot (published, never changes);
    otherwise computed now and provisional. ``value`` is None without answers.
    """

    service: str
    service_title: str
    unit_id: int
    unit_code: str
    unit_name: str
    period: str
    rule: str
    respondents: int
    population: int
    sample_target: int
    element_means: tuple[Decimal, ...]
    value: Decimal | None
    grade: str
    closed: bool
    closed_at: datetime | None = None

    @property
    def sample_reached(self) -> bool:
        return self.respondents >= self.sample_target


def _title(service: str, known: Mapping[str, SurveyService]) -> str:
    found = known.get(service)
    return str(found.title) if found else service


def service_title(service: str) -> str:
    """The registered title of a service key (the key itself when its plugin is off)."""
    return _title(service, registered_services())


@dataclass(frozen=True)
class Results:
    """What the public results page shows: one period's figures and the periods to pick."""

    period: str
    periods: list[str]
    figures: list[SurveyFigure]


def public_results(session: Session, period: str | None, today: date) -> Results:
    """Every service's figures per unit for ``period`` (default: today's period)."""
    period = period or period_of(today)
    periods = recent_periods(session, today)
    if period not in periods:
        periods = sorted([*periods, period], reverse=True)
    return Results(period, periods, period_figures(session, period))


def period_figures(
    session: Session,
    period: str,
    *,
    rule: str = DEFAULT_RULE,
    scope: ColumnElement[bool] | None = None,
    services: Mapping[str, SurveyService] | None = None,
) -> list[SurveyFigure]:
    """Every service's figures per unit for ``period``: snapshots where closed, else live.

    ``scope`` narrows the units (a condition on :class:`OrgUnit`, e.g. an
    actor's ``scope_filter``); public pages pass none.
    """
    known = registered_services() if services is None else services
    where = true() if scope is None else scope
    start, end = period_bounds(period)
    units: dict[int, OrgUnit] = {}
    figures: dict[tuple[str, int], SurveyFigure] = {}
    for snap in session.scalars(
        select(SurveySnapshot)
        .join(OrgUnit, OrgUnit.id == SurveySnapshot.org_unit_id)
        .where(SurveySnapshot.period == period, SurveySnapshot.rule == rule, where)
    ):
        figures[(snap.service, snap.org_unit_id)] = SurveyFigure(
            snap.service,
            _title(snap.service, known),
            snap.org_unit_id,
            snap.org_unit.code,
            snap.org_unit.name,
            period,
            rule,
            snap.respondents,
            snap.population,
            snap.sample_target,
            tuple(Decimal(m) for m in snap.element_means),
            Decimal(snap.value) if snap.value else None,
            snap.grade,
            closed=True,
            closed_at=snap.closed_at,
        )
    population: dict[tuple[str, int], int] = defaultdict(int)
    for service, unit_id, count in session.execute(
        select(SurveyInvitation.service, SurveyInvitation.org_unit_id, func.count())
        .join(OrgUnit, OrgUnit.id == SurveyInvitation.org_unit_id)
        .where(SurveyInvitation.completed_on.between(start, end), where)
        .group_by(SurveyInvitation.service, SurveyInvitation.org_unit_id)
    ):
        population[(service, unit_id)] = count
    answers: dict[tuple[str, int], list[list[int]]] = defaultdict(list)
    for service, unit_id, given in session.execute(
        select(SurveyResponse.service, SurveyResponse.org_unit_id, SurveyResponse.answers)
        .join(OrgUnit, OrgUnit.id == SurveyResponse.org_unit_id)
        .where(SurveyResponse.answered_on.between(start, end), SurveyResponse.rule == rule, where)
    ):
        answers[(service, unit_id)].append(given)
    for key in (set(population) | set(answers)) - set(figures):
        service, unit_id = key
        unit = units.get(unit_id) or session.get(OrgUnit, unit_id)
        units[unit_id] = unit
        figures[key] = _live_figure(
            service, _title(service, known), unit, period, rule, answers[key], population[key]
        )
    weight = {key: s.weight for key, s in known.items()}
    return sorted(
        figures.values(),
        key=lambda f: (weight.get(f.service, 1000), f.service_title, f.unit_name),
    )


def _live_figure(
    service: str,
    title: str,
    unit: OrgUnit,
    period: str,
    rule: str,
    given: list[list[int]],
    population: int,
) -> SurveyFigure:
    # Answers kept before the population was counted (imported) still count as served.
    population = max(population, len(given))
    valid = [a for a in given if len(a) == RULES[rule].elements]
    value, grade, means = None, "", ()
    if valid:
        result = ikm_score(valid, rule)
        value, grade, means = result.value, result.category, element_means(valid, rule)
    return SurveyFigure(
        service,
        title,
        unit.id,
        unit.code,
        unit.name,
        period,
        rule,
        len(valid),
        population,
        krejcie_morgan(population),
        means,
        value,
        grade,
        closed=False,
    )


def close_period(
    session: Session,
    actor: Actor,
    period: str,
    *,
    today: date | None = None,
    rule: str = DEFAULT_RULE,
) -> list[SurveySnapshot]:
    """Store the figures of a finished period, at the actor's units, as published snapshots.

    Figures already closed stay as they are; a period not yet over is
    refused (409). Returns the snapshots stored now.
    """
    _require_manage(actor)
    _start, end = period_bounds(period)
    today = today or regency_today()
    if end >= today:
        raise Conflict(
            _(
                "The period %(period)s is not over yet: close it after %(end)s.",
                period=period,
                end=end,
            ),
            slug="period-open",
        )
    scope = actor.scope_filter(MANAGE, OrgUnit.path)
    stored = []
    for figure in period_figures(session, period, rule=rule, scope=scope, services={}):
        if figure.closed:
            continue
        snapshot = SurveySnapshot(
            service=figure.service,
            org_unit_id=figure.unit_id,
            period=period,
            rule=rule,
            respondents=figure.respondents,
            population=figure.population,
            sample_target=figure.sample_target,
            element_means=[str(m) for m in figure.element_means],
            value="" if figure.value is None else str(figure.value),
            grade=figure.grade,
            closed_by_id=actor.user_id,
        )
        session.add(snapshot)
        stored.append(snapshot)
    session.flush()
    record(session, actor, "survey.close", "survey_period", period, snapshots=len(stored))
    return stored


def _require_manage(actor: Actor) -> None:
    if not actor.can(MANAGE):
        raise Forbidden(
            _("You need the permission %(permission)s.", permission=repr(MANAGE)),
            permission=MANAGE,
        )


def comments(
    session: Session, actor: Actor, period: str, *, limit: int = 200
) -> list[tuple[str, str, date, str]]:
    """The suggestions written in a period at the actor's units: (service, unit, day, text)."""
    _require_manage(actor)
    start, end = period_bounds(period)
    rows = session.execute(
        select(
            SurveyResponse.service, OrgUnit.name, SurveyResponse.answered_on, SurveyResponse.comment
        )
        .join(OrgUnit, OrgUnit.id == SurveyResponse.org_unit_id)
        .where(
            SurveyResponse.answered_on.between(start, end),
            SurveyResponse.comment != "",
            actor.scope_filter(MANAGE, OrgUnit.path),
        )
        .order_by(SurveyResponse.answered_on.desc(), SurveyResponse.id.desc())
        .limit(limit)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]

"""Figures for the head of the office and the bupati, and the IKM report."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, OrgUnit, _, survey_answers
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing.ikm import RULES, ikm_score
from pamong_plugins.licensing.models import Application, Permit, ServiceType
from pamong_plugins.licensing.surveys import SURVEY_SERVICE


@dataclass
class Timing:
    """Processing time of decided files against their SOP (working days)."""

    decided: int = 0
    within_sla: int = 0
    median_days: float | None = None
    median_sop: float | None = None
    speedup_percent: Decimal | None = None

    @property
    def within_share(self) -> Decimal | None:
        if not self.decided:
            return None
        return (Decimal(self.within_sla) * 100 / self.decided).quantize(Decimal("0.1"))


def _timing(rows: list[tuple[int, int]]) -> Timing:
    """``rows``: (days used, SOP days) per decided file."""
    timing = Timing(decided=len(rows))
    if rows:
        timing.within_sla = sum(1 for used, sop in rows if used <= sop)
        timing.median_days = statistics.median(used for used, _ in rows)
        timing.median_sop = statistics.median(sop for _, sop in rows)
        sop_total = sum(sop for _, sop in rows)
        if sop_total:
            saved = sop_total - sum(used for used, _ in rows)
            timing.speedup_percent = (Decimal(saved) * 100 / sop_total).quantize(Decimal("0.1"))
    return timing


@dataclass
class Statistics:
    year_from: date
    year_to: date
    total: int = 0
    by_type: list[tuple[str, int, Timing]] = field(default_factory=list)
    by_stage: list[tuple[str, int]] = field(default_factory=list)
    by_unit: list[tuple[str, int, Timing]] = field(default_factory=list)
    kecamatan: list[tuple[str, int, Timing]] = field(default_factory=list)
    overall: Timing = field(default_factory=Timing)
    refused: int = 0
    returned: int = 0
    permits_per_year: list[tuple[int, int]] = field(default_factory=list)

    @property
    def type_counts(self) -> list[tuple[str, int]]:
        return [(name, count) for name, count, _t in self.by_type[:15]]


def statistics_for(session: Session, actor: Actor, date_from: date, date_to: date) -> Statistics:
    """Applications received in [date_from, date_to] within the actor's report scope."""
    scope = actor.scope_filter(perm.REPORT, OrgUnit.path)
    rows = session.execute(
        select(
            ServiceType.name,
            Application.stage,
            OrgUnit.name,
            OrgUnit.kind,
            Application.days_used,
            Application.sop_days,  # in force when received
            Application.decision,
            Application.paused_days,
            Application.return_reason,
        )
        .join(ServiceType, ServiceType.id == Application.service_type_id)
        .join(OrgUnit, OrgUnit.id == Application.org_unit_id)
        .where(scope, Application.received_on >= date_from, Application.received_on <= date_to)
    ).all()
    result = Statistics(date_from, date_to, total=len(rows))
    types: dict[str, list] = defaultdict(list)
    units: dict[str, list] = defaultdict(list)
    kec: dict[str, list] = defaultdict(list)
    counts_type: Counter[str] = Counter()
    counts_unit: Counter[str] = Counter()
    counts_kec: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    decided = []
    for name, stage, unit, kind, used, sop, decision, paused, returned in rows:
        counts_type[name] += 1
        counts_unit[unit] += 1
        stages[stage] += 1
        if kind == "kecamatan":
            counts_kec[unit] += 1
        result.refused += decision == "refused"
        result.returned += bool(returned) or bool(paused)
        if used is not None:
            pair = (used, sop)
            decided.append(pair)
            types[name].append(pair)
            units[unit].append(pair)
            if kind == "kecamatan":
                kec[unit].append(pair)
    result.overall = _timing(decided)
    result.by_type = [(n, c, _timing(types[n])) for n, c in counts_type.most_common()]
    result.by_unit = [(n, c, _timing(units[n])) for n, c in counts_unit.most_common()]
    result.kecamatan = sorted(
        ((n, c, _timing(kec[n])) for n, c in counts_kec.items()), key=lambda r: r[0]
    )
    order = [s.code for s in perm.LICENSE_FILE.stages]
    result.by_stage = sorted(
        stages.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99
    )
    years = session.execute(
        select(Permit.issued_on)
        .join(Application, Application.id == Permit.application_id)
        .join(OrgUnit, OrgUnit.id == Application.org_unit_id)
        .where(scope)
    ).scalars()
    per_year = Counter(day.year for day in years)
    result.permits_per_year = sorted(per_year.items())
    return result


@dataclass(frozen=True)
class IkmFigure:
    """One index figure, with the rule it was computed under."""

    scope: str
    label: str
    period: str
    respondents: int
    value: Decimal
    category: str
    rule: str


def half_year(day: date) -> str:
    """The survey period of a day: ``2026-H1`` or ``2026-H2`` (SKM every half year)."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def ikm_report(
    session: Session, actor: Actor, rule: str = "permenpanrb-14-2017"
) -> list[IkmFigure]:
    """The index per period, per period and service type, per period and unit.

    The answers are kept by the core (``survey_answers``); this breaks
    licensing's down by service type, which the core does not know.
    """
    elements = RULES[rule].elements
    answers = survey_answers(session, SURVEY_SERVICE, rule=rule)
    files = {
        application_id: (type_name, unit_name)
        for application_id, type_name, unit_name in session.execute(
            select(Application.id, ServiceType.name, OrgUnit.name)
            .join(ServiceType, ServiceType.id == Application.service_type_id)
            .join(OrgUnit, OrgUnit.id == Application.org_unit_id)
            .where(
                Application.survey_token.is_not(None),
                actor.scope_filter(perm.REPORT, OrgUnit.path),
            )
        )
    }
    groups: dict[tuple[str, str, str], list[tuple[int, ...]]] = defaultdict(list)
    for answer in answers:
        found = files.get(int(answer.reference.rsplit(":", 1)[1])) if answer.reference else None
        if found is None or len(answer.answers) != elements:
            continue
        type_name, unit_name = found
        period = half_year(answer.answered_on)
        groups[("all", "", period)].append(answer.answers)
        groups[("type", type_name, period)].append(answer.answers)
        groups[("unit", unit_name, period)].append(answer.answers)
    figures = []
    for (scope, label, period), given in groups.items():
        result = ikm_score(given, rule)
        figures.append(
            IkmFigure(scope, label, period, result.respondents, result.value, result.category, rule)
        )
    scope_order = {"all": 0, "type": 1, "unit": 2}
    figures.sort(key=lambda f: (scope_order[f.scope], f.label, f.period))
    return figures


def _count_if(condition: Any) -> Any:
    """``count(*) FILTER (WHERE condition)``, portable: a sum of 1s."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def daily_activity(session: Session, unit: OrgUnit, day: date) -> list[dict[str, object]]:
    """Facts for a unit's daily report (Kantaya): files received, decided, overdue and open."""
    inside = Application.org_unit_id.in_(
        select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path, autoescape=True))
    )

    overdue_then = and_(
        Application.escalated_on.is_not(None),
        Application.escalated_on <= day,
        (Application.decided_on.is_(None)) | (Application.decided_on > day),
    )
    # One query, not one per fact: it runs for each unit on every staff dashboard.
    row = session.execute(
        select(
            _count_if(Application.received_on == day),
            _count_if(Application.decided_on == day),
            _count_if(overdue_then),
        ).where(inside)
    ).one()
    received, decided, overdue = (int(value or 0) for value in row)
    if not (received or decided or overdue):
        return []
    return [
        {"source": "licensing", "label": _("Permit files received"), "value": received},
        {"source": "licensing", "label": _("Permit files decided"), "value": decided},
        {"source": "licensing", "label": _("Permit files overdue"), "value": overdue},
    ]

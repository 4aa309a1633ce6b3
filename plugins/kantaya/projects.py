"""Project monitoring: S-curve plan, weekly progress, deviation and the critical-contract rule.

A contract is **critical** when the actual physical progress lags the plan
by more than 10 percentage points while the plan is below 70%, or by more
than 5 points from 70% on. Turning critical records a ``warning`` step and
tells the unit and the development planning office through core messaging;
the show-cause meeting and warning letters SP1-SP3 follow as tracked steps,
in that order. Part of the public API through
:mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from itertools import pairwise

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    _,
    audit,
    regency_today,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.common import PHOTO_TYPES, best_effort_notice, input_unit, sniff
from pamong_plugins.kantaya.models import KantayaProgress, KantayaProject, KantayaProjectStep
from pamong_plugins.kantaya.settings import settings

STEP_ORDER = ("warning", "show_cause", "sp1", "sp2", "sp3")
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def s_curve(weeks: int) -> list[float]:
    """A planned cumulative S-curve (logistic) over ``weeks`` weeks, ending at 100%."""
    if weeks < 1:
        raise InvalidInput(_("A project lasts at least a week."), slug="invalid-dates")
    low, high = 1 / (1 + math.exp(6)), 1 / (1 + math.exp(-6))
    points = []
    for week in range(1, weeks + 1):
        x = 12 * week / weeks - 6
        points.append(round((1 / (1 + math.exp(-x)) - low) / (high - low) * 100, 2))
    points[-1] = 100.0
    return points


def planned_at(project: KantayaProject, day: date) -> float:
    """The planned cumulative progress on ``day`` (linear between the weekly points)."""
    days = (day - project.start_on).days
    if days <= 0 or not project.plan:
        return 0.0
    week = days / 7
    index = int(week)
    if index >= len(project.plan):
        return 100.0
    before = project.plan[index - 1] if index >= 1 else 0.0
    return round(before + (project.plan[index] - before) * (week - index), 2)


def is_critical(planned: float, actual: float) -> bool:
    """The issue's rule: behind by more than 10 points below 70% planned, 5 points from 70%."""
    lag = planned - actual
    return lag > 10 if planned < 70 else lag > 5


def _check(actor: Actor, unit: OrgUnit) -> None:
    if not actor.can(perm.PROJECTS, unit) and not actor.can(perm.MONITOR, unit):
        raise NotFound(_("No such project."))


def get_project(session: Session, actor: Actor, project_id: int) -> KantayaProject:
    row = session.get(KantayaProject, project_id)
    if row is None:
        raise NotFound(_("No such project."))
    _check(actor, row.unit)
    return row


def create_project(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    name: str,
    pagu: int,
    contract_value: int,
    contractor: str,
    start_on: date,
    end_on: date,
    desa_code: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    plan: list[float] | None = None,
) -> KantayaProject:
    """Register a project; without ``plan`` a standard S-curve over its weeks is used."""
    unit = input_unit(session, unit_code)
    if not actor.can(perm.PROJECTS, unit):
        raise Forbidden(_("You may not register projects for %(unit)s.", unit=unit.name))
    name = (name or "").strip()
    if not name or len(name) > 300:
        raise InvalidInput(_("A project needs a name (at most 300 characters)."), slug="name")
    if pagu <= 0 or contract_value <= 0 or contract_value > pagu:
        raise InvalidInput(
            _("The contract value is whole rupiah above zero and within the ceiling (pagu)."),
            slug="invalid-amount",
        )
    if end_on <= start_on:
        raise InvalidInput(_("The project ends after it starts."), slug="invalid-dates")
    weeks = max(1, math.ceil((end_on - start_on).days / 7))
    if plan is None:
        plan = s_curve(weeks)
    elif (
        not plan
        or any(not 0 <= p <= 100 for p in plan)
        or any(b < a for a, b in pairwise(plan))
        or plan[-1] != 100
    ):
        raise InvalidInput(
            _("The plan is a rising list of weekly percentages ending at 100."), slug="invalid-plan"
        )
    if (latitude is None) != (longitude is None) or (
        latitude is not None and not (-11 <= latitude <= 6 and 95 <= longitude <= 141)
    ):
        raise InvalidInput(_("Coordinates lie in Indonesia (both given)."), slug="invalid-location")
    row = KantayaProject(
        unit_id=unit.id,
        name=name,
        pagu=pagu,
        contract_value=contract_value,
        contractor=(contractor or "").strip()[:200],
        desa_code=(desa_code or "").strip()[:20],
        latitude=latitude,
        longitude=longitude,
        start_on=start_on,
        end_on=end_on,
        plan=[float(p) for p in plan],
    )
    session.add(row)
    session.flush()
    audit(session, actor, "kantaya.project.create", "kantaya_project", row.id, org_unit_id=unit.id)
    return row


def record_progress(
    session: Session,
    actor: Actor,
    project_id: int,
    *,
    week_on: date,
    physical_pct: float,
    financial: int,
    reason: str = "",
    photo: bytes | None = None,
) -> KantayaProgress:
    """A weekly entry; over 100% or going backwards without a reason is refused."""
    project = get_project(session, actor, project_id)
    if not actor.can(perm.PROJECTS, project.unit):
        raise Forbidden(_("You may not enter progress for %(unit)s.", unit=project.unit.name))
    if week_on > regency_today() or week_on < project.start_on:
        raise InvalidInput(
            _("Progress is entered for a week between the start and today."), slug="invalid-week"
        )
    if not 0 <= physical_pct <= 100:
        raise InvalidInput(_("Physical progress lies between 0 and 100%."), slug="invalid-progress")
    if not 0 <= financial <= project.contract_value:
        raise InvalidInput(
            _("Financial realisation lies between 0 and the contract value."),
            slug="invalid-amount",
        )
    reason = (reason or "").strip()[:500]
    earlier = [p for p in project.progress if p.week_on < week_on]
    if earlier and physical_pct < earlier[-1].physical_pct and not reason:
        raise InvalidInput(
            _("Progress goes back from %(pct)s%%: give the reason.", pct=earlier[-1].physical_pct),
            slug="progress-backwards",
        )
    if any(p.week_on == week_on for p in project.progress):
        raise Conflict(_("This week's progress is already entered."), slug="duplicate-week")
    if photo is not None and (len(photo) > MAX_PHOTO_BYTES or not sniff(photo, PHOTO_TYPES)):
        raise InvalidInput(_("A photo is a JPEG or PNG of at most 5 MB."), slug="invalid-photo")
    planned = planned_at(project, week_on)
    row = KantayaProgress(
        project_id=project.id,
        week_on=week_on,
        physical_pct=physical_pct,
        financial=financial,
        planned_pct=planned,
        reason=reason,
        photo=photo,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    session.refresh(project)
    latest = project.progress[-1]
    was_critical = project.critical
    project.actual_pct = latest.physical_pct
    project.planned_pct = latest.planned_pct
    project.deviation = round(latest.physical_pct - latest.planned_pct, 2)
    project.critical = is_critical(latest.planned_pct, latest.physical_pct)
    audit(session, actor, "kantaya.project.progress", "kantaya_project", project.id)
    if project.critical and not was_critical:
        _warn(session, actor, project, week_on)
    return row


def _warn(session: Session, actor: Actor, project: KantayaProject, day: date) -> None:
    project.steps.append(
        KantayaProjectStep(
            kind="warning",
            on=day,
            note=f"deviasi {project.deviation}% (rencana {project.planned_pct}%)",
            created_by_id=actor.user_id,
        )
    )
    to = [project.unit.code]
    planning = settings()["planning_unit_code"]
    if planning and planning != project.unit.code:
        to.append(planning)
    # Nobody at the units: the warning step stays on record all the same.
    best_effort_notice(
        session,
        "kantaya projects",
        sender_unit=project.unit,
        kind="notice",
        subject=_("Critical contract: %(name)s", name=project.name),
        body=_(
            "%(name)s (%(contractor)s) is %(lag)s points behind its plan of %(plan)s%%. "
            "Hold the show-cause meeting (SCM) and issue warning letters as needed.",
            name=project.name,
            contractor=project.contractor,
            lag=round(-project.deviation, 2),
            plan=project.planned_pct,
        ),
        to_units=to,
    )


def record_step(
    session: Session, actor: Actor, project_id: int, *, kind: str, on: date, note: str = ""
) -> KantayaProjectStep:
    """The next step of a critical contract: show-cause meeting, then SP1, SP2, SP3."""
    project = get_project(session, actor, project_id)
    if not actor.can(perm.PROJECTS, project.unit):
        raise Forbidden(_("You may not record steps for %(unit)s.", unit=project.unit.name))
    if kind not in STEP_ORDER[1:]:
        raise InvalidInput(_("Unknown step %(kind)s.", kind=repr(kind)), slug="invalid-step")
    done = [s.kind for s in project.steps]
    wanted = STEP_ORDER[STEP_ORDER.index(kind) - 1]
    if wanted not in done or kind in done:
        raise Conflict(
            _("Steps go in order: warning, show-cause meeting, SP1, SP2, SP3."), slug="step-order"
        )
    if on > regency_today():
        raise InvalidInput(_("A step is recorded once it happened."), slug="future-day")
    row = KantayaProjectStep(kind=kind, on=on, note=(note or "")[:500], created_by_id=actor.user_id)
    project.steps.append(row)
    session.flush()
    audit(session, actor, "kantaya.project.step", "kantaya_project", project.id, step=kind)
    return row


def projects_query(
    actor: Actor, *, critical: bool | None = None, order: str = "deviation"
) -> Select[tuple[KantayaProject]]:
    """Projects in reach, most behind first (``order``: deviation, name, value)."""
    stmt = (
        select(KantayaProject)
        .join(OrgUnit, OrgUnit.id == KantayaProject.unit_id)
        .where(
            or_(
                actor.scope_filter(perm.PROJECTS, OrgUnit.path),
                actor.scope_filter(perm.MONITOR, OrgUnit.path),
            )
        )
    )
    if critical is not None:
        stmt = stmt.where(KantayaProject.critical.is_(critical))
    orders = {
        "deviation": (KantayaProject.deviation, KantayaProject.id),
        "name": (KantayaProject.name, KantayaProject.id),
        "value": (KantayaProject.contract_value.desc(), KantayaProject.id),
    }
    if order not in orders:
        raise InvalidInput(_("Unknown order %(order)s.", order=repr(order)), slug="invalid-order")
    return stmt.order_by(*orders[order])


def weeks_of(project: KantayaProject) -> list[date]:
    return [project.start_on + timedelta(days=7 * (i + 1)) for i in range(len(project.plan))]


#: At most this many points on the map (the regency has hundreds of projects a year, not more).
MAP_LIMIT = 2000


def map_points(
    session: Session, actor: Actor, *, critical: bool | None = None
) -> list[KantayaProject]:
    """Projects in reach that have coordinates, for the map (most behind plan first)."""
    stmt = projects_query(actor, critical=critical).where(
        KantayaProject.latitude.is_not(None), KantayaProject.longitude.is_not(None)
    )
    return list(session.scalars(stmt.limit(MAP_LIMIT)))


def scatter(
    points: list[KantayaProject], *, width: int = 640, height: int = 480, margin: int = 20
) -> list[tuple[KantayaProject, float, float]]:
    """SVG positions of the points: an equirectangular scatter over their bounding box.

    No map tiles (no network is assumed): the positions only show where
    projects lie relative to each other; longitude is scaled by the cosine
    of the mean latitude so distances are not stretched.
    """
    if not points:
        return []
    lats = [p.latitude for p in points if p.latitude is not None]
    lons = [p.longitude for p in points if p.longitude is not None]
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    placed = []
    for p in points:
        assert p.latitude is not None and p.longitude is not None
        x = margin + (p.longitude - min(lons)) * squeeze * scale
        y = height - margin - (p.latitude - min(lats)) * scale
        placed.append((p, round(x, 1), round(y, 1)))
    return placed

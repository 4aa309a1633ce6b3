"""The leader dashboard: today's reports, missing units, overdue dispositions, critical projects
and today's agenda, scoped to the leader's units; a few counting queries, light for a phone.

Part of the public API through :mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from pamong.plugin import Actor, Forbidden, OrgUnit, _, time_zone
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.models import (
    KantayaDisposition,
    KantayaEvent,
    KantayaProject,
    KantayaReport,
)
from pamong_plugins.kantaya.settings import settings


@dataclass
class Dashboard:
    day: date
    units: int = 0
    submitted: int = 0
    late: int = 0
    drafts: int = 0
    missing: int = 0
    #: Submitted reports per day of the last week, oldest first: (day, count).
    week: list[tuple[date, int]] = field(default_factory=list)
    overdue_dispositions: int = 0
    critical_projects: list[Any] = field(default_factory=list)
    projects: int = 0
    agenda: list[Any] = field(default_factory=list)


def leader_dashboard(session: Session, actor: Actor, day: date) -> Dashboard:
    """The figures of ``day`` for the units where the actor monitors (kantaya.monitor)."""
    if not actor.can(perm.MONITOR):
        raise Forbidden(_("The dashboard is for leaders (kantaya.monitor)."))
    scope = actor.scope_filter(perm.MONITOR, OrgUnit.path)
    kinds = settings()["reporting_kinds"]
    units = select(OrgUnit.id).where(scope, OrgUnit.kind.in_(kinds))
    board = Dashboard(day)
    board.units = session.scalar(select(func.count()).select_from(units.subquery())) or 0
    done = ("submitted", "approved")
    rows = session.execute(
        select(KantayaReport.status, KantayaReport.late, func.count())
        .where(KantayaReport.day == day, KantayaReport.unit_id.in_(units))
        .group_by(KantayaReport.status, KantayaReport.late)
    ).all()
    for status, late, count in rows:
        if status in done:
            board.submitted += count
            board.late += count if late else 0
        else:
            board.drafts += count
    board.missing = board.units - board.submitted
    first = day - timedelta(days=6)
    per_day = dict(
        session.execute(
            select(KantayaReport.day, func.count())
            .where(
                KantayaReport.day >= first,
                KantayaReport.day <= day,
                KantayaReport.status.in_(done),
                KantayaReport.unit_id.in_(units),
            )
            .group_by(KantayaReport.day)
        ).all()
    )
    board.week = [
        (first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0)) for i in range(7)
    ]
    sender = aliased(OrgUnit)
    board.overdue_dispositions = (
        session.scalar(
            select(func.count())
            .select_from(KantayaDisposition)
            .join(sender, sender.id == KantayaDisposition.from_unit_id)
            .where(
                actor.scope_filter(perm.MONITOR, sender.path),
                KantayaDisposition.due_on < day,
                KantayaDisposition.done_at.is_(None),
                KantayaDisposition.recalled_at.is_(None),
            )
        )
        or 0
    )
    in_reach = select(OrgUnit.id).where(scope)
    board.projects = (
        session.scalar(select(func.count()).where(KantayaProject.unit_id.in_(in_reach))) or 0
    )
    board.critical_projects = list(
        session.scalars(
            select(KantayaProject)
            .where(KantayaProject.unit_id.in_(in_reach), KantayaProject.critical.is_(True))
            .order_by(KantayaProject.deviation)
            .limit(10)
        )
    )
    zone = ZoneInfo(time_zone())
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    board.agenda = list(
        session.scalars(
            select(KantayaEvent)
            .where(
                or_(KantayaEvent.unit_id.in_(in_reach), KantayaEvent.leader_id == actor.user_id),
                KantayaEvent.starts_at < start + timedelta(days=1),
                KantayaEvent.ends_at > start,
            )
            .order_by(KantayaEvent.starts_at)
            .limit(20)
        )
    )
    return board

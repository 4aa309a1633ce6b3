"""Service-time metrics: cards issued per kecamatan and day, minutes from application
to print (median and 90th percentile: Sragen's "KTP in two minutes"), backlog by step.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, OrgUnit, _
from pamong.plugin import time_zone as regency_zone
from pamong_plugins.ktp.models import FINAL_STEPS, KtpApplication
from pamong_plugins.ktp.permissions import REPORT


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile by linear interpolation (Excel's PERCENTILE.INC)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class DayRow:
    """One kecamatan on one day: cards printed, and minutes from application to print."""

    day: date
    kecamatan_code: str
    kecamatan: str
    issued: int
    median_minutes: float
    p90_minutes: float


def _utc_bounds(since: date, until: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(since, time.min, zone)
    end = datetime.combine(until + timedelta(days=1), time.min, zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def daily_rows(
    session: Session, actor: Actor, since: date, until: date, time_zone: str
) -> list[DayRow]:
    """Per kecamatan and local day, for cards printed between ``since`` and ``until``."""
    if until < since:
        since, until = until, since
    zone = ZoneInfo(time_zone)
    start, end = _utc_bounds(since, until, zone)
    rows = session.execute(
        select(OrgUnit.code, OrgUnit.name, KtpApplication.applied_at, KtpApplication.printed_at)
        .join(OrgUnit, KtpApplication.kecamatan_id == OrgUnit.id)
        .where(
            KtpApplication.printed_at >= start,
            KtpApplication.printed_at < end,
            actor.scope_filter(REPORT, OrgUnit.path),
        )
    ).all()
    groups: dict[tuple[date, str, str], list[float]] = defaultdict(list)
    for code, name, applied_at, printed_at in rows:
        day = printed_at.astimezone(zone).date()
        groups[(day, code, name)].append((printed_at - applied_at).total_seconds() / 60)
    return [
        DayRow(day, code, name, len(minutes), percentile(minutes, 0.5), percentile(minutes, 0.9))
        for (day, code, name), minutes in sorted(groups.items())
    ]


@dataclass(frozen=True)
class KecamatanSummary:
    kecamatan_code: str
    kecamatan: str
    issued: int
    median_minutes: float | None
    p90_minutes: float | None
    backlog: dict[str, int]


def summary(
    session: Session, actor: Actor, since: date, until: date, time_zone: str
) -> list[KecamatanSummary]:
    """The whole period per kecamatan, with today's backlog of open applications by step."""
    if until < since:
        since, until = until, since
    start, end = _utc_bounds(since, until, ZoneInfo(time_zone))
    scoped = actor.scope_filter(REPORT, OrgUnit.path)
    minutes: dict[str, list[float]] = defaultdict(list)
    names: dict[str, str] = {}
    for code, name, applied_at, printed_at in session.execute(
        select(OrgUnit.code, OrgUnit.name, KtpApplication.applied_at, KtpApplication.printed_at)
        .join(OrgUnit, KtpApplication.kecamatan_id == OrgUnit.id)
        .where(KtpApplication.printed_at >= start, KtpApplication.printed_at < end, scoped)
    ):
        names[code] = name
        minutes[code].append((printed_at - applied_at).total_seconds() / 60)
    backlog: dict[str, dict[str, int]] = defaultdict(dict)
    for code, name, step, count in session.execute(
        select(OrgUnit.code, OrgUnit.name, KtpApplication.step, func.count())
        .join(OrgUnit, KtpApplication.kecamatan_id == OrgUnit.id)
        .where(KtpApplication.step.not_in(FINAL_STEPS), scoped)
        .group_by(OrgUnit.code, OrgUnit.name, KtpApplication.step)
    ):
        names[code] = name
        backlog[code][step] = count
    result = []
    for code in sorted(names):
        values = minutes.get(code, [])
        result.append(
            KecamatanSummary(
                code,
                names[code],
                len(values),
                percentile(values, 0.5) if values else None,
                percentile(values, 0.9) if values else None,
                dict(backlog.get(code, {})),
            )
        )
    return result


CSV_HEADER = ("day", "kecamatan_code", "kecamatan", "issued", "median_minutes", "p90_minutes")


def to_csv(rows: Iterable[DayRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            (
                row.day.isoformat(),
                row.kecamatan_code,
                row.kecamatan,
                row.issued,
                f"{row.median_minutes:.2f}",
                f"{row.p90_minutes:.2f}",
            )
        )
    return out.getvalue()


__all__ = ["DayRow", "KecamatanSummary", "daily_rows", "percentile", "summary", "to_csv"]


def daily_activity(session: Session, unit: OrgUnit, day: date) -> list[dict[str, Any]]:
    """Facts for a unit's daily report (Kantaya): applications, cards printed, average minutes."""
    start, end = _utc_bounds(day, day, ZoneInfo(regency_zone()))
    inside = KtpApplication.kecamatan_id.in_(
        select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path, autoescape=True))
    )
    applied = session.scalar(
        select(func.count()).where(
            inside, KtpApplication.applied_at >= start, KtpApplication.applied_at < end
        )
    )
    printed = session.execute(
        select(KtpApplication.applied_at, KtpApplication.printed_at).where(
            inside, KtpApplication.printed_at >= start, KtpApplication.printed_at < end
        )
    ).all()
    if not applied and not printed:
        return []
    minutes = [(p - a).total_seconds() / 60 for a, p in printed if a and p and p >= a]
    facts: list[dict[str, Any]] = [
        {"source": "ktp", "label": _("KTP applications received"), "value": applied or 0},
        {"source": "ktp", "label": _("KTP cards printed"), "value": len(printed)},
    ]
    if minutes:
        facts.append(
            {
                "source": "ktp",
                "label": _("Average minutes from application to print"),
                "value": round(sum(minutes) / len(minutes), 1),
            }
        )
    return facts

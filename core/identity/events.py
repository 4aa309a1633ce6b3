"""Life events: births, deaths and moves, dated, and the monthly mutation report.

Every desa reports each month how its population changed (laporan mutasi
penduduk): births, deaths, people who moved in and who moved out. The
registry records these as :class:`~pamong.identity.models.LifeEvent` rows
when they happen, so the report is a query, not a form filled by hand.

Residents registered without an event (an import, a registration of someone
already living there) count as present from the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.services import record, record_personal_read
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.i18n import gettext as _
from pamong.identity.models import LifeEvent, LifeEventKind, Resident, ResidentStatus
from pamong.identity.services import (
    PERSONAL,
    REGISTER,
    VIEW,
    VILLAGE_KINDS,
    _find_by_nik,
    _village,
    register_resident,
)
from pamong.orgunits.models import OrgUnit
from pamong.runtime import regency_today

Kind = LifeEventKind


def _today() -> date:
    return regency_today()


def _living_resident(session: Session, actor: Actor, nik: str) -> Resident:
    """The resident, if the actor may register at their desa and they still live there."""
    resident = _find_by_nik(session, nik)
    if not actor.can(REGISTER, resident.domicile):
        raise NotFound(_("No resident with this NIK."), slug="resident-not-found")
    if resident.status != ResidentStatus.LIVING.value:
        raise Conflict(
            _("This resident is no longer recorded as living here."),
            slug="resident-not-living",
            status=resident.status,
        )
    return resident


def _check_day(day: date, resident: Resident | None = None) -> None:
    if day > _today():
        raise InvalidInput(_("The date lies in the future."), slug="invalid-date", field="day")
    if resident is not None and day < resident.birth_date:
        raise InvalidInput(
            _("The date lies before the resident's birth."), slug="invalid-date", field="day"
        )


def _event(
    session: Session,
    actor: Actor,
    resident: Resident,
    kind: Kind,
    day: date,
    unit: OrgUnit,
    *,
    other_unit: OrgUnit | None = None,
    other_place: str = "",
    note: str = "",
) -> LifeEvent:
    event = LifeEvent(
        resident_id=resident.id,
        kind=kind.value,
        day=day,
        org_unit_id=unit.id,
        other_unit_id=other_unit.id if other_unit else None,
        other_place=other_place.strip()[:200],
        note=note.strip()[:300],
        recorded_by_id=actor.user_id,
    )
    session.add(event)
    session.flush()
    record(
        session,
        actor,
        f"life_event.{kind.value}",
        "resident",
        resident.id,
        org_unit_id=unit.id,
        subject_nik=resident.nik,
        day=day.isoformat(),
    )
    return event


def record_birth(
    session: Session, actor: Actor, data: dict[str, Any], *, note: str = ""
) -> LifeEvent:
    """Register a newborn (``data`` as for a registration) and date the birth at its desa."""
    resident = register_resident(session, actor, data)
    return _event(
        session, actor, resident, Kind.BIRTH, resident.birth_date, resident.domicile, note=note
    )


def record_arrival(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    day: date,
    from_place: str,
    note: str = "",
) -> LifeEvent:
    """Register someone who moved in from outside the regency, on ``day``."""
    if not from_place.strip():
        raise InvalidInput(_("Say where the person came from."), field="from_place")
    _check_day(day)
    resident = register_resident(session, actor, data)
    _check_day(day, resident)
    return _event(
        session,
        actor,
        resident,
        Kind.MOVE_IN,
        day,
        resident.domicile,
        other_place=from_place,
        note=note,
    )


def record_death(
    session: Session, actor: Actor, nik: str, *, day: date, note: str = ""
) -> LifeEvent:
    """Record a death: the resident's status becomes deceased, dated at their desa."""
    resident = _living_resident(session, actor, nik)
    _check_day(day, resident)
    resident.status = ResidentStatus.DECEASED.value
    return _event(session, actor, resident, Kind.DEATH, day, resident.domicile, note=note)


def record_move(
    session: Session,
    actor: Actor,
    nik: str,
    *,
    day: date,
    to_desa_code: str | None = None,
    to_place: str = "",
    note: str = "",
) -> LifeEvent:
    """Move a resident to another desa of the regency, or out of it (``to_place``).

    Within the regency: a ``move_out`` at the old desa and a ``move_in`` at
    the new one (the officer needs the right at both); the domicile changes.
    Out of the regency: a ``move_out`` and the status ``moved_out``. Returns
    the ``move_out`` event.
    """
    if bool(to_desa_code) == bool(to_place.strip()):
        raise InvalidInput(
            _("Give either the new desa of the regency or the place outside it."),
            slug="move-destination",
            field="to_desa_code",
        )
    resident = _living_resident(session, actor, nik)
    _check_day(day, resident)
    old = resident.domicile
    if to_desa_code:
        new = _village(session, to_desa_code)
        if new.id == old.id:
            raise InvalidInput(
                _("The resident already lives in %(desa)s.", desa=new.name),
                slug="move-destination",
                field="to_desa_code",
            )
        if not actor.can(REGISTER, new):
            raise Forbidden(_("You may not move residents to this village."))
        out = _event(session, actor, resident, Kind.MOVE_OUT, day, old, other_unit=new, note=note)
        resident.domicile = new
        resident.domicile_unit_id = new.id
        _event(session, actor, resident, Kind.MOVE_IN, day, new, other_unit=old, note=note)
        return out
    resident.status = ResidentStatus.MOVED_OUT.value
    return _event(
        session, actor, resident, Kind.MOVE_OUT, day, old, other_place=to_place, note=note
    )


def life_events(session: Session, actor: Actor, nik: str) -> list[LifeEvent]:
    """A resident's events, oldest first: personal data, so the read is audited."""
    resident = _find_by_nik(session, nik)
    if not actor.can(PERSONAL, resident.domicile):
        raise NotFound(_("No resident with this NIK."), slug="resident-not-found")
    record_personal_read(
        session,
        actor,
        subject=("resident", resident.id),
        resident=resident,
        unit=resident.domicile_unit_id,
        purpose="core.resident.life_events",
    )
    return events_of(session, resident.id)


def events_of(session: Session, resident_id: int) -> list[LifeEvent]:
    """The events of a resident whose read the caller has already checked and audited."""
    return list(
        session.scalars(
            select(LifeEvent)
            .where(LifeEvent.resident_id == resident_id)
            .order_by(LifeEvent.day, LifeEvent.id)
        )
    )


# -- The monthly mutation report ---------------------------------------------


@dataclass(frozen=True)
class MutationRow:
    """One desa's month: population at the start and end, and what changed it."""

    code: str
    name: str
    start: int
    births: int
    deaths: int
    moved_in: int
    moved_out: int
    end: int


def month_bounds(month: str) -> tuple[date, date]:
    """``"2026-11"`` -> (1 November, 30 November); InvalidInput for anything else."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise InvalidInput(
            _("The month is written YYYY-MM, e.g. 2026-11."), slug="invalid-month", field="month"
        ) from None
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _counts(
    session: Session, unit_ids: Iterable[int], since: date, until: date | None
) -> dict[int, dict[str, int]]:
    stmt = (
        select(LifeEvent.org_unit_id, LifeEvent.kind, func.count())
        .where(LifeEvent.org_unit_id.in_(list(unit_ids)), LifeEvent.day >= since)
        .group_by(LifeEvent.org_unit_id, LifeEvent.kind)
    )
    if until is not None:
        stmt = stmt.where(LifeEvent.day <= until)
    counts: dict[int, dict[str, int]] = {}
    for unit_id, kind, number in session.execute(stmt):
        counts.setdefault(unit_id, {})[kind] = number
    return counts


def mutation_report(
    session: Session, actor: Actor, unit_code: str, month: str
) -> list[MutationRow]:
    """Each desa under ``unit_code`` (a kecamatan, the regency or a desa) for ``month``.

    The population at the month's end is today's living residents with the
    events since then undone; its start is the end with the month's events
    undone. Aggregates only: no personal data, so ``core.residents.view``
    at the unit suffices.
    """
    first, last = month_bounds(month)
    if first > _today():
        raise InvalidInput(_("The month has not begun yet."), slug="invalid-month", field="month")
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
    if unit is None or not actor.can(VIEW, unit):
        raise NotFound(_("No org unit %(code)s.", code=unit_code), slug="unit-not-found")
    desa = list(
        session.scalars(
            select(OrgUnit)
            .where(
                OrgUnit.kind.in_(VILLAGE_KINDS),
                OrgUnit.path.startswith(unit.path, autoescape=True),
            )
            .order_by(OrgUnit.code)
        )
    )
    ids = [d.id for d in desa]
    living = dict(
        session.execute(
            select(Resident.domicile_unit_id, func.count())
            .where(
                Resident.domicile_unit_id.in_(ids),
                Resident.status == ResidentStatus.LIVING.value,
            )
            .group_by(Resident.domicile_unit_id)
        ).all()
    )
    during = _counts(session, ids, first, last)
    after = _counts(session, ids, last + timedelta(days=1), None)
    rows = []
    for d in desa:
        later, now = after.get(d.id, {}), during.get(d.id, {})
        end = (
            living.get(d.id, 0)
            - later.get("birth", 0)
            - later.get("move_in", 0)
            + later.get("death", 0)
            + later.get("move_out", 0)
        )
        births, deaths = now.get("birth", 0), now.get("death", 0)
        moved_in, moved_out = now.get("move_in", 0), now.get("move_out", 0)
        start = end - births - moved_in + deaths + moved_out
        rows.append(MutationRow(d.code, d.name, start, births, deaths, moved_in, moved_out, end))
    return rows


def total_of(rows: Iterable[MutationRow], code: str, name: str) -> MutationRow:
    """The sum of the rows, as one row (the kecamatan's or regency's line)."""
    rows = list(rows)
    return MutationRow(
        code,
        name,
        *(sum(getattr(r, f) for r in rows) for f in MUTATION_FIGURES),
    )


#: The figures of a mutation row, in order.
MUTATION_FIGURES = ("start", "births", "deaths", "moved_in", "moved_out", "end")


__all__ = [
    "Kind",
    "MutationRow",
    "events_of",
    "life_events",
    "month_bounds",
    "mutation_report",
    "record_arrival",
    "record_birth",
    "record_death",
    "record_move",
    "total_of",
]

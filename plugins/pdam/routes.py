"""Reading routes: the connections each meter reader reads in a month, in walking order.

The supervisor (``pdam.billing``) sets a reader's route for a month as an
ordered list of customer numbers; the reader's phone page walks it stop by
stop (keeping its offline queue), and the supervisor follows the progress
of every route: stops read, held for review, still to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    InvalidInput,
    NotFound,
    OrgUnit,
    User,
    _,
    audit,
    mask_name,
    utcnow,
)
from pamong_plugins.pdam import services
from pamong_plugins.pdam.models import (
    ConnectionStatus,
    PdamConnection,
    PdamReading,
    PdamRoute,
    PdamRouteStop,
    ReadingStatus,
)
from pamong_plugins.pdam.permissions import BILLING

MAX_STOPS = 2000


def _common_unit(session: Session, units: Sequence[OrgUnit]) -> OrgUnit:
    """The smallest unit whose subtree holds every unit of ``units``."""
    parts = [u.path.strip("/").split("/") for u in units]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return session.get(OrgUnit, int(common[-1]))


def set_route(
    session: Session,
    actor: Actor,
    *,
    reader: str,
    period: str,
    numbers: Sequence[str],
    name: str = "",
    today: date | None = None,
    now: datetime | None = None,
) -> PdamRoute:
    """Set (or replace) a reader's route for a month; every stop needs ``pdam.billing`` there.

    Unknown, repeated or out-of-scope customer numbers are all reported at
    once (with their line) and nothing is saved.
    """
    services._require(actor, BILLING)
    # Next month's routes are set ahead; later months are refused.
    services.check_period(period, (today or (now or utcnow()).date()) + timedelta(days=31))
    user = session.scalar(select(User).where(User.username == (reader or "").strip()))
    if user is None or not user.is_active:
        raise InvalidInput(
            _("No active user %(name)s.", name=repr(reader)), slug="unknown-reader", field="reader"
        )
    wanted = [n.strip() for n in numbers if n and n.strip()]
    if not wanted:
        raise InvalidInput(
            _("A route needs at least one customer number."), slug="empty-route", field="numbers"
        )
    if len(wanted) > MAX_STOPS:
        raise InvalidInput(
            _("A route has at most %(n)d stops.", n=MAX_STOPS), slug="route-too-long"
        )
    found = {
        c.number: c
        for c in session.scalars(select(PdamConnection).where(PdamConnection.number.in_(wanted)))
    }
    errors, seen = [], set()
    for line, number in enumerate(wanted, 1):
        connection = found.get(number)
        if connection is None or not actor.can(BILLING, connection.desa):
            errors.append({"line": line, "number": number, "problem": "unknown"})
        elif number in seen:
            errors.append({"line": line, "number": number, "problem": "repeated"})
        seen.add(number)
    if errors:
        raise InvalidInput(
            _("%(count)d customer numbers cannot be on the route.", count=len(errors)),
            slug="invalid-stops",
            errors=errors,
        )
    unit = _common_unit(session, [found[n].desa for n in wanted])
    route = session.scalar(
        select(PdamRoute).where(PdamRoute.reader_id == user.id, PdamRoute.period == period)
    )
    if route is None:
        route = PdamRoute(reader_id=user.id, period=period, created_at=now or utcnow())
        session.add(route)
    else:
        route.stops.clear()
        session.flush()  # the old stops go before the new ones take their places
    route.name = (name or "").strip()[:80]
    route.unit = unit
    route.unit_id = unit.id
    route.stops.extend(
        PdamRouteStop(position=position, connection_id=found[number].id)
        for position, number in enumerate(wanted, 1)
    )
    session.flush()
    audit(
        session,
        actor,
        "pdam.route.set",
        "pdam_route",
        route.id,
        org_unit_id=unit.id,
        reader=user.username,
        period=period,
        stops=len(wanted),
    )
    return route


@dataclass
class CopiedRoutes:
    """What :func:`copy_routes` did: routes made, readers who had one, stops left out."""

    source: str
    copied: int = 0
    kept: list[str] = field(default_factory=list)
    dropped_stops: int = 0


def copy_routes(
    session: Session,
    actor: Actor,
    period: str,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> CopiedRoutes:
    """Give every reader the route they walked the month before, for ``period``.

    Only routes in the actor's ``pdam.billing`` units are copied; a reader
    who already has a route for ``period`` keeps it; closed connections are
    left out (a route left with no stop is not made). One audit entry per
    route made, naming the month it came from.
    """
    services._require(actor, BILLING)
    services.check_period(period, (today or (now or utcnow()).date()) + timedelta(days=31))
    result = CopiedRoutes(source=services.previous_period(period))
    already = set(session.scalars(select(PdamRoute.reader_id).where(PdamRoute.period == period)))
    sources = session.scalars(
        select(PdamRoute)
        .join(OrgUnit, OrgUnit.id == PdamRoute.unit_id)
        .join(User, User.id == PdamRoute.reader_id)
        .where(
            PdamRoute.period == result.source,
            User.is_active.is_(True),
            actor.scope_filter(BILLING, OrgUnit.path),
        )
        .order_by(PdamRoute.id)
    ).all()
    for source in sources:
        if source.reader_id in already:
            result.kept.append(session.get(User, source.reader_id).username)
            continue
        stops = [s for s in source.stops if s.connection.status != ConnectionStatus.CLOSED.value]
        result.dropped_stops += len(source.stops) - len(stops)
        if not stops:
            continue
        route = PdamRoute(
            reader_id=source.reader_id,
            period=period,
            name=source.name,
            unit_id=source.unit_id,
            created_at=now or utcnow(),
        )
        route.stops = [
            PdamRouteStop(position=position, connection_id=stop.connection_id)
            for position, stop in enumerate(stops, 1)
        ]
        session.add(route)
        session.flush()
        audit(
            session,
            actor,
            "pdam.route.set",
            "pdam_route",
            route.id,
            org_unit_id=route.unit_id,
            period=period,
            copied_from=result.source,
            stops=len(stops),
        )
        result.copied += 1
    return result


def _read_status(session: Session, connection_ids: Sequence[int], period: str) -> dict[int, str]:
    if not connection_ids:
        return {}
    return dict(
        session.execute(
            select(PdamReading.connection_id, PdamReading.status).where(
                PdamReading.period == period, PdamReading.connection_id.in_(connection_ids)
            )
        ).all()
    )


def my_route(session: Session, actor: Actor, period: str) -> list[dict[str, Any]]:
    """The actor's stops for ``period`` in walking order, with what is read already.

    The address is what the reader needs to find the meter; the holder's name
    is masked. The read is audited once per route.
    """
    services.check_period(period, date.max)  # a real month, any
    route = session.scalar(
        select(PdamRoute).where(PdamRoute.reader_id == actor.user_id, PdamRoute.period == period)
    )
    if route is None:
        return []
    status = _read_status(session, [s.connection_id for s in route.stops], period)
    audit(
        session,
        actor,
        "pdam.route.view",
        "pdam_route",
        route.id,
        org_unit_id=route.unit_id,
        fields=["address"],
    )
    return [
        {
            "position": stop.position,
            "customer_number": stop.connection.number,
            "holder": mask_name(stop.connection.holder_name),
            "address": stop.connection.address,
            "desa": stop.connection.desa.name,
            "meter_serial": stop.connection.meter_serial,
            "status": status.get(stop.connection_id, ""),
        }
        for stop in route.stops
    ]


@dataclass
class RouteProgress:
    id: int
    reader: str
    name: str
    unit: str
    stops: int
    read: int
    held: int

    @property
    def remaining(self) -> int:
        return self.stops - self.read

    @property
    def percent(self) -> int:
        return round(100 * self.read / self.stops) if self.stops else 0


def progress(session: Session, actor: Actor, period: str) -> list[RouteProgress]:
    """Every route of ``period`` in the actor's units: stops, read, held for review."""
    services._require(actor, BILLING)
    services.check_period(period, date.max)  # a real month, any
    reading = (
        select(
            PdamRouteStop.route_id,
            func.count(PdamRouteStop.id).label("stops"),
            func.count(PdamReading.id).label("read"),
            func.count(PdamReading.id)
            .filter(PdamReading.status == ReadingStatus.HELD.value)
            .label("held"),
        )
        .join(PdamRoute, PdamRoute.id == PdamRouteStop.route_id)
        .outerjoin(
            PdamReading,
            (PdamReading.connection_id == PdamRouteStop.connection_id)
            & (PdamReading.period == PdamRoute.period),
        )
        .where(PdamRoute.period == period)
        .group_by(PdamRouteStop.route_id)
        .subquery()
    )
    rows = session.execute(
        select(PdamRoute, User.username, reading.c.stops, reading.c.read, reading.c.held)
        .join(User, User.id == PdamRoute.reader_id)
        .join(OrgUnit, OrgUnit.id == PdamRoute.unit_id)
        .join(reading, reading.c.route_id == PdamRoute.id)
        .where(PdamRoute.period == period, actor.scope_filter(BILLING, OrgUnit.path))
        .order_by(User.username)
    ).all()
    return [
        RouteProgress(route.id, username, route.name, route.unit.name, stops, read, held)
        for route, username, stops, read, held in rows
    ]


def get_route(session: Session, actor: Actor, route_id: int) -> PdamRoute:
    """One route (404 outside the actor's ``pdam.billing`` units)."""
    route = session.get(PdamRoute, route_id)
    if route is None or not actor.can(BILLING, route.unit):
        raise NotFound(_("No such reading route."), slug="route-not-found")
    return route

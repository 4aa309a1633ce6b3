"""The staff dashboard's figures: what happened today at the units where one works.

Every plugin reports its facts per unit and day through the
``pamong_daily_activity`` hook (cards printed, files received, receipts…);
the dashboard asks it for each unit where the user holds a role, today and
yesterday, and keeps the facts of the plugins whose permissions that role
includes. A cashier sees receipts, a KTP officer the card counter, a camat
holding both sees both. The core adds what is waiting for the user: unread
messages, duplicates to review, deliveries that failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pamong.accounts.permissions import WILDCARD, Actor, Grant
from pamong.hookrelay import hooks_of
from pamong.i18n import lazy_gettext as _l
from pamong.orgunits.models import OrgUnit

#: At most this many units on one dashboard (a regency admin holds one grant at the top).
MAX_UNITS = 3


@dataclass(frozen=True)
class Figure:
    """One fact of a plugin at a unit: today's value beside yesterday's."""

    source: str
    label: str
    today: Any
    yesterday: Any = None

    @property
    def comparable(self) -> bool:
        """Both values are numbers, so a bar chart can compare them."""
        numbers = (int, float)
        return isinstance(self.today, numbers) and (
            self.yesterday is None or isinstance(self.yesterday, numbers)
        )


@dataclass(frozen=True)
class UnitFigures:
    unit: OrgUnit
    figures: list[Figure] = field(default_factory=list)


@dataclass(frozen=True)
class Waiting:
    """Something waiting for the user, with the page that deals with it."""

    label: Any
    count: int
    endpoint: str


def _sources(grant: Grant) -> set[str] | None:
    """Plugin ids whose permissions the grant includes (None: every plugin)."""
    if WILDCARD in grant.permissions:
        return None
    return {permission.split(".", 1)[0] for permission in grant.permissions}


def _answers(session: Session, unit: OrgUnit, day: date, sources: set[str] | None) -> list[Any]:
    """The ``pamong_daily_activity`` answers of the plugins in ``sources`` (None: all).

    Plugins whose facts the user's roles would not show are not asked.
    """
    hook = hooks_of(session).pamong_daily_activity
    if sources is None or not hasattr(hook, "get_hookimpls"):
        return hook(unit=unit, day=day, session=session)
    arguments = {"unit": unit, "day": day, "session": session}
    return [
        impl.function(*(arguments[name] for name in impl.argnames))
        for impl in reversed(hook.get_hookimpls())  # pluggy's call order
        if impl.plugin_name in sources
    ]


def _facts(
    session: Session, unit: OrgUnit, day: date, sources: set[str] | None
) -> dict[tuple[str, str], Any]:
    facts: dict[tuple[str, str], Any] = {}
    for answer in _answers(session, unit, day, sources):
        for fact in answer or ():
            label, value = fact.get("label"), fact.get("value")
            if label is not None and value is not None:
                facts[(str(fact.get("source", "")), str(label))] = value
    return facts


def _units_of(grants: tuple[Grant, ...]) -> list[tuple[int, set[str] | None]]:
    """The units of ``grants``, top first, each with the plugins its grants there include.

    Several roles at one unit (a kecamatan operator is registrar, KTP officer
    and licensing verifier there) make one section, asked once.
    """
    units: dict[int, set[str] | None] = {}
    order = sorted(grants, key=lambda g: (g.unit_path.count("/"), g.unit_path))
    for grant in order:
        sources = _sources(grant)
        if grant.unit_id not in units:
            units[grant.unit_id] = sources
        else:
            known = units[grant.unit_id]
            units[grant.unit_id] = None if known is None or sources is None else known | sources
    return list(units.items())


def unit_activity(session: Session, actor: Actor, today: date) -> list[UnitFigures]:
    """Today's and yesterday's facts at the units where ``actor`` holds a role."""
    shown: list[UnitFigures] = []
    for unit_id, sources in _units_of(actor.grants)[:MAX_UNITS]:
        unit = session.get(OrgUnit, unit_id)
        if unit is None:
            continue
        now = _facts(session, unit, today, sources)
        before = _facts(session, unit, today - timedelta(days=1), sources)
        figures = [
            Figure(source, label, value, before.get((source, label)))
            for (source, label), value in now.items()
            if sources is None or source in sources
        ]
        figures += [
            Figure(source, label, 0, value)
            for (source, label), value in before.items()
            if (source, label) not in now and (sources is None or source in sources)
        ]
        shown.append(UnitFigures(unit, figures))
    return shown


def waiting_for(session: Session, actor: Actor) -> list[Waiting]:
    """The core's queues that concern the user: unread letters, duplicates, failed deliveries."""
    from pamong.identity.services import REVIEW, count_open_duplicates
    from pamong.messaging.models import Delivery, DeliveryStatus
    from pamong.messaging.services import MANAGE_DELIVERIES, unread_count

    waiting = []
    if actor.user_id is not None:
        unread = unread_count(session, actor.user_id)
        waiting.append(Waiting(_l("Unread messages"), unread, "messaging.inbox"))
    if actor.can(REVIEW):
        waiting.append(
            Waiting(
                _l("Possible duplicates to review"),
                count_open_duplicates(session, actor),
                "web.duplicates",
            )
        )
    if actor.can(MANAGE_DELIVERIES):
        failed = session.scalar(
            select(func.count()).where(Delivery.status == DeliveryStatus.DEAD.value)
        )
        waiting.append(Waiting(_l("Deliveries that failed"), failed or 0, "messaging.outbox"))
    return waiting

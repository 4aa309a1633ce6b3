"""Letters from SRIKANDI: register what an adapter plugin fetched (``pamong_srikandi_fetch``).

Part of the public API through :mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, Forbidden, InvalidInput, _, audit, hook_relay
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.common import input_unit
from pamong_plugins.kantaya.letters_in import register_incoming
from pamong_plugins.kantaya.models import KantayaIncoming

_FIELDS = ("ref", "sender", "number", "letter_date", "subject")


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def import_incoming(session: Session, actor: Actor, unit_code: str) -> dict[str, int]:
    """Register the unit's letters the adapters fetched; counts imported, known, invalid."""
    unit = input_unit(session, unit_code)
    if not actor.can(perm.LETTERS, unit):
        raise Forbidden(_("You may not register letters for %(unit)s.", unit=unit.name))
    counts = {"imported": 0, "known": 0, "invalid": 0}
    for answer in hook_relay(session).pamong_srikandi_fetch(unit_code=unit.code, session=session):
        for item in answer or ():
            if not isinstance(item, dict) or any(not item.get(k) for k in _FIELDS):
                counts["invalid"] += 1
                continue
            ref = str(item["ref"])[:100]
            known = select(KantayaIncoming.id).where(KantayaIncoming.external_ref == ref)
            if session.scalar(known) is not None:
                counts["known"] += 1
                continue
            try:
                with session.begin_nested():
                    row = register_incoming(
                        session,
                        actor,
                        unit_code=unit.code,
                        sender=str(item["sender"])[:200],
                        number=str(item["number"])[:100],
                        letter_date=_day(item["letter_date"]),
                        subject=str(item["subject"])[:300],
                        scan=item.get("scan") or None,
                    )
                    row.external_ref = ref
                    session.flush()
            except (InvalidInput, ValueError, TypeError):
                counts["invalid"] += 1
                continue
            counts["imported"] += 1
    audit(session, actor, "kantaya.srikandi.import", "org_unit", unit.id, **counts)
    return counts

"""The hook Kantaya declares: what a plugin contributes to a unit's daily report.

Implement it with ``@hookimpl(optionalhook=True)`` so that your plugin
also loads where Kantaya is not enabled. It returns plain dictionaries, so
the implementing plugin needs no import from Kantaya.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from pamong.plugin import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pamong.plugin import OrgUnit


@hookspec(since="0.1", when="on demand")
def pamong_daily_activity(unit: OrgUnit, day: date, session: Session) -> Iterable[dict[str, Any]]:
    """Facts your plugin recorded at ``unit`` (and the units below it) on ``day``.

    Called when a unit's daily report is drafted; the facts fill its
    "activities" section, grouped by plugin. Return an empty list when
    there is nothing to say (a unit without your counters).

    Args:
        unit: The reporting unit (a Satker, kecamatan, BUMD…).
        day: The local day (regency time zone) being reported.
        session: A read session; do not write.

    Returns:
        Dictionaries ``{"label": str, "value": int | str}``; ``label`` is
        already translated (``_()``), ``value`` a count or a short text.
    """

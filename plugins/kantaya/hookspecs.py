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


@hookspec(since="0.2", when="on demand", firstresult=True)
def pamong_srikandi_send(letter: dict[str, Any], session: Session) -> str | None:
    """Send a signed outgoing letter to SRIKANDI; return its reference there, or None.

    Called once when the secretariat sends a signed letter, after it went
    to its recipient units through core messaging. Kantaya ships no
    implementation: without an adapter plugin nothing leaves the regency.
    The first adapter that answers wins. Raise to refuse the sending (the
    whole sending is rolled back and the secretariat can try again).

    Args:
        letter: Plain values: ``number``, ``classification``, ``grade``,
            ``subject``, ``addressee``, ``body``, ``unit_code``,
            ``unit_name``, ``signed_by`` (username), ``signed_at``
            (aware datetime), ``to_units`` (unit codes) and
            ``verification_code`` (of the core document behind the QR).
        session: The sending transaction; do not commit.

    Returns:
        The letter's id in SRIKANDI (at most 100 characters), kept with the
        draft; None when the letter is not yours to send.
    """


@hookspec(since="0.2", when="on demand")
def pamong_srikandi_fetch(unit_code: str, session: Session) -> Iterable[dict[str, Any]]:
    """Incoming letters SRIKANDI holds for the unit, to register in Kantaya.

    Called when the secretariat imports (``POST /api/v1/kantaya/srikandi/import``
    or ``pamong kantaya srikandi-import``). Return each letter once or
    again: a letter whose ``ref`` was imported before is skipped.

    Args:
        unit_code: The receiving unit's code.
        session: A read session; do not write.

    Returns:
        Dictionaries ``{"ref", "sender", "number", "letter_date", "subject"}``
        and optionally ``"scan"`` (PDF, JPEG or PNG bytes); ``letter_date`` is
        a :class:`~datetime.date` or ``YYYY-MM-DD``. An incomplete item is
        skipped and counted as invalid.
    """

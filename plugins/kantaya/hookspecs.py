"""The hooks Kantaya declares: adapters to SRIKANDI, the national e-office.

A deployment's adapter plugin implements them with
``@hookimpl(optionalhook=True)``; they take and return plain dictionaries,
so the adapter needs no import from Kantaya. (What a plugin contributes to
a unit's daily report is the core's ``pamong_daily_activity``.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pamong.plugin import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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

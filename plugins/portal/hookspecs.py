"""The hooks the portal declares: the adapter to the national complaint system (SP4N-LAPOR!).

Nothing is sent anywhere by default: with no adapter plugged in, a report
marked "not the regency's authority" is only recorded as forwarded.
Implement these with ``@hookimpl(optionalhook=True)`` in a deployment
plugin that holds the LAPOR! credentials.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pamong.plugin import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pamong_plugins.portal.models import Complaint


@hookspec(since="0.1", when="transaction", firstresult=True)
def pamong_portal_lapor_forward(complaint: Complaint, session: Session) -> str | None:
    """Forward a report to SP4N-LAPOR! (or another agency's system).

    Args:
        complaint: The report being forwarded; ``forwarded_to`` names the agency.
        session: The forwarding transaction's session.

    Returns:
        The report's id in the other system, or None when the adapter did not send it.
    """


@hookspec(since="0.1", when="on demand")
def pamong_portal_lapor_import(since: Any) -> Iterable[dict[str, Any]]:
    """Return reports from SP4N-LAPOR! addressed to the regency since ``since``.

    Each dict holds ``lapor_id``, ``kind``, ``category``, ``title``, ``body``;
    ``pamong portal lapor-import`` files them with channel ``lapor``.

    Args:
        since: The time of the last import (aware datetime), or None for all.

    Returns:
        Reports to file.
    """

"""The hook SIPAW declares: prices were published (for national-system adapters).

A plugin that submits the regency's prices to PIHPS or SP2KP implements
``pamong_sipaw_prices_published`` with ``@hookimpl(optionalhook=True)``
and sends ``prices`` in the national format. Nothing is sent by default.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pamong.plugin import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@hookspec(since="0.1", when="transaction")
def pamong_sipaw_prices_published(
    day: date, prices: list[dict[str, Any]], session: Session
) -> None:
    """The coordinator published (or corrected) prices of ``day``.

    Args:
        day: The day whose prices were published.
        prices: The day's open-data rows (:data:`pamong_plugins.sipaw.opendata.COLUMNS`),
            one per market and commodity, missing prices included with ``price`` None.
        session: The publishing transaction's session.
    """

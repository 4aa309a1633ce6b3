"""Periodic work for ``pamong worker``: re-check pending channel payments, reissue expired bills.

Idempotent: several workers may run it at once (each bill and invoice row
is locked while it is settled), and running it again finds nothing new.
"""

from __future__ import annotations

from typing import Any

from pamong.plugin import regency_today, transaction
from pamong_plugins.billing import services


def recheck(app: Any = None) -> dict[str, int]:
    """One pass: channel bills open too long are asked about; expired invoices reissued."""
    with transaction(app) as session:
        counts = services.recheck_pending(session)
    with transaction(app) as session:
        counts["reissued"] = len(services.expire_and_reissue(session, regency_today(app)))
    return counts


def recheck_job(app: Any) -> str:
    counts = recheck(app)
    return (
        f"billing: {counts['checked']} channel bills checked, {counts['paid']} paid, "
        f"{counts['closed']} closed, {counts['reissued']} invoices reissued"
    )

"""``pamong worker``: remind units without today's daily report (idempotent per unit and day)."""

from __future__ import annotations

from typing import Any

from pamong.plugin import regency_today, transaction
from pamong_plugins.kantaya import services


def remind_job(app: Any) -> str:
    with transaction(app) as session:
        counts = services.send_reminders(session, regency_today(app))
    return (
        f"kantaya: {counts['missing']} units missing today's report, {counts['sent']} reminded, "
        f"{counts['already']} already reminded, {counts['nobody']} without staff"
    )


def escalate_job(app: Any) -> str:
    with transaction(app) as session:
        sent = services.escalate_overdue(session, regency_today(app))
    return f"kantaya: {sent} overdue dispositions escalated"

"""Periodic work: SLA escalation to the head of office, permit expiry reminders.

Both run from ``pamong worker`` (registered as worker jobs) and by hand as
``pamong licensing escalate`` / ``pamong licensing remind``. Both are
idempotent: a file is escalated at most once a day, a permit reminded once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    InvalidInput,
    OrgUnit,
    holders_of_role,
    notify_resident,
    plugin_settings,
    regency_today,
    send_message,
    transaction,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing import services
from pamong_plugins.licensing.models import Application, Permit
from pamong_plugins.licensing.sla import sla_status

HEAD_ROLE = "licensing_head"


def _heads_for(session: Session, unit: OrgUnit) -> list[str]:
    """Usernames holding the head role at ``unit`` or above it (camat, head of office)."""
    return [user.username for user in holders_of_role(session, HEAD_ROLE, unit)]


def escalate(
    session: Session, today: date, *, near_due_days: int = 1, office_code: str = ""
) -> int:
    """Tell the heads about overdue and near-due files, one letter per unit; return files sent."""
    system = Actor.system("licensing escalation")
    open_files = session.scalars(
        select(Application).where(
            Application.decided_on.is_(None),
            Application.paused_since.is_(None),
            Application.stage.not_in((perm.RETURNED, perm.REFUSED, perm.DONE)),
        )
    ).all()
    by_unit: dict[int, list[tuple[Application, Any]]] = defaultdict(list)
    for application in open_files:
        if application.escalated_on == today:
            continue
        status = sla_status(
            received_on=application.received_on,
            sop_days=application.sop_days,
            today=today,
            paused_days=application.paused_days,
            near_due_days=near_due_days,
        )
        if status.overdue or status.near_due:
            by_unit[application.org_unit_id].append((application, status))
    office = services.office_unit(session, office_code)
    sent = 0
    for unit_id, files in by_unit.items():
        unit = session.get(OrgUnit, unit_id)
        assert unit is not None
        lines = [
            f"- {a.number} {a.service_type.name}: "
            + (f"terlambat {-s.days_left} hari kerja" if s.overdue else f"jatuh tempo {s.due_on}")
            for a, s in files
        ]
        heads = _heads_for(session, unit) or _heads_for(session, office)
        try:
            send_message(
                session,
                system,
                sender_unit=office,
                kind="notice",
                subject=f"Berkas perizinan mendekati/lewat batas waktu: {unit.name}",
                body="Berkas berikut perlu segera diselesaikan:\n" + "\n".join(lines),
                to_users=heads,
                to_units=[] if heads else [office.code],
            )
        except InvalidInput:
            continue  # nobody to tell at this unit: try again tomorrow
        for application, _status in files:
            application.escalated_on = today
        sent += len(files)
    return sent


def remind_expiring(session: Session, today: date, *, days_before: int = 30) -> int:
    """Remind holders whose permit ends within ``days_before`` days; return reminders queued.

    On the holder's phone where a gateway serves it, else by e-mail; a holder
    nothing can reach is not marked reminded.
    """
    system = Actor.system("licensing reminders")
    permits = session.scalars(
        select(Permit).where(
            Permit.valid_until.is_not(None),
            Permit.valid_until >= today,
            Permit.valid_until <= today + timedelta(days=days_before),
            Permit.reminded_on.is_(None),
        )
    ).all()
    count = 0
    for permit in permits:
        application = permit.application
        renew = " Izin ini dapat diperpanjang." if application.service_type.renewable else ""
        delivery = notify_resident(
            session,
            system,
            phone=application.applicant.phone,
            email=application.applicant.email or "",
            subject=f"Izin {permit.number} berakhir {permit.valid_until}",
            body=f"{application.service_type.name} nomor {permit.number} berlaku sampai "
            f"{permit.valid_until}.{renew}",
        )
        if delivery is None:
            continue  # nothing reaches the holder: not reminded (a contact added later still is)
        permit.reminded_on = today
        count += 1
    return count


def _settings(app: Any) -> dict[str, Any]:
    return plugin_settings("licensing", app)


def escalate_job(app: Any) -> str:
    settings = _settings(app)
    with transaction(app) as session:
        count = escalate(
            session,
            regency_today(app),
            near_due_days=settings.get("near_due_days", 1),
            office_code=settings.get("office_unit", ""),
        )
    return f"{count} files escalated"


def remind_job(app: Any) -> str:
    days = _settings(app).get("expiry_reminder_days", 30)
    with transaction(app) as session:
        count = remind_expiring(session, regency_today(app), days_before=days)
    return f"{count} expiry reminders queued"

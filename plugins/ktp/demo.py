"""Demo data: KTP applications at every step in every kecamatan of the demo regency.

Counter officers (the core's ``op.<kecamatan>`` accounts) also get the KTP
officer role; Dukcapil gets the supervisor role. Most applications went
from application to print in two to six minutes, as in Sragen; a few are
replacements of lost cards, one is cancelled, and one waits for a
duplicate-identity review.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    DuplicateCandidate,
    DuplicateStatus,
    OrgUnit,
    Resident,
    ResidentStatus,
    actor_of,
    grant_staff_role,
    staff_username,
)
from pamong_plugins.ktp import services
from pamong_plugins.ktp.models import FINAL_STEPS
from pamong_plugins.ktp.photo import expected_background

PER_KECAMATAN = 8
#: Where each of a kecamatan's demo applications stops (cycled per kecamatan).
PLAN = (
    "collected",
    "collected",
    "collected",
    "replacement",
    "printed",
    "captured",
    "checked",
    "applied",
)


@cache
def sample_photo(colour: str) -> bytes:
    """A 3x4 placeholder portrait on a red or blue background."""
    from PIL import Image, ImageDraw  # imported when the demo seeds, not at app creation

    image = Image.new("RGB", (300, 400), (200, 30, 35) if colour == "red" else (30, 70, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 70, 205, 200), fill=(224, 186, 150))
    draw.rounded_rectangle((50, 210, 250, 420), radius=60, fill=(245, 245, 245))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@cache
def sample_signature() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.line(
        [(20, 110), (80, 40), (120, 120), (170, 50), (230, 115), (300, 60), (380, 90)],
        fill=(20, 20, 90, 255),
        width=5,
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _residents(
    session: Session, kecamatan: OrgUnit, born_before: Any, limit: int
) -> list[Resident]:
    desa_ids = select(OrgUnit.id).where(OrgUnit.parent_id == kecamatan.id)
    taken = select(services.KtpApplication.resident_id)
    return list(
        session.scalars(
            select(Resident)
            .where(
                Resident.domicile_unit_id.in_(desa_ids),
                Resident.birth_date <= born_before,
                Resident.status == ResidentStatus.LIVING.value,
                Resident.id.not_in(taken),
            )
            .order_by(Resident.birth_date.desc(), Resident.id)  # young adults first
            .limit(limit)
        )
    )


def _serve(
    session: Session,
    officer: Actor,
    resident: Resident,
    kecamatan: OrgUnit,
    start: datetime,
    stop: str,
    rng: Any,
    reason: str = "new",
    cause: str | None = None,
) -> services.KtpApplication:
    t = start
    application = services.apply(
        session,
        officer,
        nik=resident.nik,
        kecamatan_code=kecamatan.code,
        reason=reason,
        replacement_cause=cause,
        note="KK diperiksa" if reason == "new" else "",
        now=t,
    )
    order = ("checked", "captured", "printed", "collected")
    for step in order[: order.index(stop) + 1] if stop in order else ():
        if step == "checked":
            t += timedelta(seconds=rng.randint(20, 60))
            services.check_biodata(session, officer, application.id, now=t)
            if application.step == "held":  # a planted duplicate: it waits for review
                break
        elif step == "captured":
            t += timedelta(seconds=rng.randint(40, 120))
            colour = expected_background(resident.birth_date.year)
            services.capture(
                session,
                officer,
                application.id,
                photo=sample_photo(colour),
                signature=sample_signature(),
                now=t,
            )
        elif step == "printed":
            t += timedelta(seconds=rng.randint(30, 150))
            services.print_card(session, officer, application.id, now=t)
        else:
            t += timedelta(minutes=rng.randint(2, 90))
            services.hand_over(session, officer, application.id, collected_by=resident.name, now=t)
    return application


def seed(session: Session, context: Any) -> None:
    """Add the KTP demo: roles, the Sragen fee, applications in every step."""
    rng = context.rng
    system = Actor.system("pamong demo")
    services.add_fee_rate(
        session,
        system,
        amount=5000,
        valid_from=datetime(2006, 7, 1).date(),
        legal_basis="Perda Kabupaten Sragen Nomor 7 Tahun 2006",
    )
    grant_staff_role(session, context, "dukcapil", "ktp_supervisor", context.root)
    grant_staff_role(session, context, "bupati", "ktp_supervisor", context.root)
    born_before = context.today.replace(year=context.today.year - 18)
    samples: list[str] = []
    for index, kecamatan in enumerate(context.kecamatan):
        username = f"op.{staff_username(kecamatan.name)}"
        grant_staff_role(session, context, username, "ktp_officer", kecamatan)
        officer = actor_of(session, username)
        people = _residents(session, kecamatan, born_before, PER_KECAMATAN)
        for n, resident in enumerate(people):
            stop = PLAN[(n + index) % len(PLAN)]
            days_ago = 0 if stop in ("applied", "checked", "captured") else rng.randint(1, 20)
            day = context.today - timedelta(days=days_ago)
            start = datetime.combine(day, time(1, 0), UTC) + timedelta(minutes=rng.randint(0, 300))
            if stop == "replacement":
                first = _serve(session, officer, resident, kecamatan, start, "collected", rng)
                if first.step != "collected":
                    continue
                again = start + timedelta(hours=rng.randint(2, 6))
                if again.date() > context.today:
                    again = start + timedelta(minutes=30)
                _serve(
                    session,
                    officer,
                    resident,
                    kecamatan,
                    again,
                    "collected",
                    rng,
                    reason="replacement",
                    cause="lost",
                )
                samples.append(first.tracking_number)
                continue
            application = _serve(session, officer, resident, kecamatan, start, stop, rng)
            if index == 0 and stop == "checked":
                services.cancel(
                    session, officer, application.id, reason="Pemohon belum membawa KK asli"
                )
    _hold_one(session, context)
    if samples:
        context.samples["ktp_tracking_number"] = samples[0]


def _hold_one(session: Session, context: Any) -> None:
    """Apply for someone with an open duplicate candidate: the check puts it on hold."""
    candidate = session.scalar(
        select(DuplicateCandidate)
        .where(DuplicateCandidate.status == DuplicateStatus.OPEN.value)
        .order_by(DuplicateCandidate.id)
    )
    if candidate is None:
        return
    resident = candidate.resident
    kecamatan = services.kecamatan_of(resident)
    if not services.is_eligible(resident, context.today):
        return
    open_apps = select(services.KtpApplication.id).where(
        services.KtpApplication.resident_id == resident.id,
        services.KtpApplication.step.not_in(FINAL_STEPS),
    )
    if session.scalar(open_apps) is not None:
        return
    officer = actor_of(session, f"op.{staff_username(kecamatan.name)}")
    application = services.apply(
        session, officer, nik=resident.nik, kecamatan_code=kecamatan.code, reason="new"
    )
    services.check_biodata(session, officer, application.id)

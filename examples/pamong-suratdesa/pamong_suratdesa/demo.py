"""Demo data for ``pamong demo``: a clerk and a few letters in one desa of five kecamatan."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    DemoContext,
    OrgUnit,
    Resident,
    actor_of,
    add_staff,
    staff_username,
    utcnow,
)

from pamong_suratdesa import services
from pamong_suratdesa.models import LetterKind

PURPOSES = ("Melamar pekerjaan", "Pengajuan KUR", "Beasiswa sekolah", "Pendaftaran BPJS")


def seed(session: Session, context: DemoContext) -> None:
    """Clerk ``carik.<desa>`` (the demo password) and four requests, three of them issued."""
    kinds = list(LetterKind)
    for kecamatan in context.kecamatan[:5]:
        desa = session.scalar(
            select(OrgUnit)
            .join(Resident, Resident.domicile_unit_id == OrgUnit.id)
            .where(OrgUnit.parent_id == kecamatan.id)
            .group_by(OrgUnit.id)
            .having(func.count(Resident.id) >= 4)
            .order_by(OrgUnit.code)
            .limit(1)
        )
        if desa is None:
            continue
        username = f"carik.{staff_username(desa.name)}"
        add_staff(session, context, username, f"Carik {desa.name}", "suratdesa_clerk", desa)
        clerk = actor_of(session, username)
        residents = session.scalars(
            select(Resident).where(Resident.domicile_unit_id == desa.id).limit(4)
        ).all()
        for n, resident in enumerate(residents):
            asked = utcnow() - timedelta(days=context.rng.randint(2, 20), hours=n)
            letter = services.request_letter(
                session,
                clerk,
                nik=resident.nik,
                kind=kinds[n % len(kinds)],
                purpose=PURPOSES[n % len(PURPOSES)],
                now=asked,
            )
            if n < 3:  # the fourth waits for the clerk
                services.issue_letter(session, clerk, letter.id, now=asked + timedelta(hours=1))
            context.samples.setdefault("suratdesa_tracking_number", letter.tracking_number)

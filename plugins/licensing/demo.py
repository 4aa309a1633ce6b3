"""Demo data for Sragen: the catalogue with PATEN delegations, staff, two years of files.

History is bulk-built (fast: no per-row services), with realistic processing
times (most files well inside their SOP, some late), returned files,
refusals, levies, permits registered as core documents, and survey answers.
A few open files and an online applicant account are made through the real
services so the worklist has work in it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    OrgUnit,
    OrgUnitKind,
    add_staff,
    add_working_days,
    answer_survey,
    current_calendar,
    grant_staff_role,
    import_file,
    issue_document,
    mask_name,
    staff_username,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing import services
from pamong_plugins.licensing.catalogue import typical_delegations, typical_rows
from pamong_plugins.licensing.models import (
    Applicant,
    Application,
    Permit,
    ServiceType,
)
from pamong_plugins.licensing.signatories import signatory_for
from pamong_plugins.licensing.surveys import invite_to_survey

HISTORY_FILES = 700
DEMO_APPLICANT = "pemohon@sragen.demo"
_FIRST = ("Sri", "Budi", "Siti", "Agus", "Dwi", "Eko", "Tri", "Wahyu", "Joko", "Rina", "Yuni")
_LAST = ("Wahyuni", "Santoso", "Rahayu", "Prasetyo", "Lestari", "Nugroho", "Susanti", "Hartono")
_BUSINESS = ("CV", "UD", "PT", "Toko")
_TRADE = ("Sukowati", "Maju Jaya", "Sido Makmur", "Sumber Rejeki", "Batik Kliwonan", "Tani Mulyo")


def _at(day: date, hour: int) -> datetime:
    """A local office hour (WIB) on ``day`` as UTC."""
    return datetime.combine(day, time(hour)).replace(tzinfo=UTC) - timedelta(hours=7)


def _staff(session: Session, ctx: Any) -> None:
    bpt = ctx.offices["BPT"]
    for username, title, role in (
        ("bpt.loket", "Petugas Loket BPT", "licensing_front"),
        ("bpt.verifikator", "Verifikator Berkas BPT", "licensing_verifier"),
        ("bpt.teknis", "Tim Teknis Perizinan", "licensing_technical"),
        ("bpt.kepala", "Kepala BPT", "licensing_head"),
        ("bpt.admin", "Admin Katalog Perizinan", "licensing_admin"),
    ):
        add_staff(session, ctx, username, title, role, bpt)
    grant_staff_role(session, ctx, "bupati", "licensing_observer", ctx.root)
    # PATEN: every kecamatan's operator takes and checks delegated files.
    for unit in ctx.kecamatan:
        grant_staff_role(
            session, ctx, f"op.{staff_username(unit.name)}", "licensing_verifier", unit
        )
    for unit in ctx.kecamatan[:3]:
        add_staff(
            session,
            ctx,
            f"camat.{staff_username(unit.name)}",
            f"Camat {unit.name}",
            "licensing_head",
            unit,
        )


_DEGREES = ("S.STP., M.Si.", "S.Sos., M.M.", "S.H., M.H.", "S.IP., M.Si.", "S.E., M.M.")


def _nip(rng: Any, index: int) -> str:
    """A synthetic NIP shaped like a real one: birth date, appointment month, sex, sequence."""
    born = date(1968 + rng.randrange(15), 1 + rng.randrange(12), 1 + rng.randrange(28))
    appointed = f"{born.year + 24 + rng.randrange(4)}{1 + rng.randrange(12):02d}"
    return f"{born:%Y%m%d}{appointed}{1 + rng.randrange(2)}{index + 1:03d}"


def _signatories(session: Session, ctx: Any) -> None:
    """The head of the one-stop office signs regency permits; each camat those of PATEN."""
    system = Actor.system("pamong demo")
    rng = ctx.rng
    services.save_signatory(
        session,
        system,
        ctx.root,
        {
            "name": "Drs. Bambang Sutrisno, M.Si.",
            "nip": _nip(rng, 0),
            "position": "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        },
    )
    for index, unit in enumerate(ctx.kecamatan, start=1):
        services.save_signatory(
            session,
            system,
            unit,
            {
                "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}, {rng.choice(_DEGREES)}",
                "nip": _nip(rng, index),
                "position": f"Camat {unit.name}",
            },
        )


def _applicants(session: Session, ctx: Any, count: int = 160) -> list[Applicant]:
    rng = ctx.rng
    people = []
    for index in range(count):
        if index % 3 == 0:
            name = f"{rng.choice(_BUSINESS)} {rng.choice(_TRADE)} {index}"
            kind = "business"
            id_number = f"{rng.randrange(10**12, 10**13)}"
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            kind = "person"
            id_number = f"3314{rng.randrange(10**11, 10**12)}"
        people.append(Applicant(kind=kind, name=name, id_number=id_number[:16]))
    session.add_all(people)
    return people


def _history(session: Session, ctx: Any, types: list[ServiceType], people: list[Applicant]) -> None:
    rng = ctx.rng
    calendar = current_calendar()
    office = ctx.offices["BPT"]
    weights = [
        8 if t.code in ("SIUP", "TDP", "IMB", "IUMK", "SKU", "REKLAME") else 3 for t in types
    ]
    start = ctx.today - timedelta(days=730)
    days = []
    for _ in range(HISTORY_FILES):
        day = start + timedelta(days=rng.randrange(0, 715))
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        days.append(day)
    days.sort()
    system = Actor.system("pamong demo")
    desa_of = _desa_by_kecamatan(session)
    signers: dict[tuple[int, int], Any] = {}
    for day in days:
        stype = rng.choices(types, weights)[0]
        place = rng.randrange(len(ctx.kecamatan))
        kecamatan = ctx.kecamatan[place]
        level = stype.level_on(day, kecamatan.id)
        delegated = level != "regency"
        if level == "desa" and desa_of.get(kecamatan.id):
            unit = rng.choice(desa_of[kecamatan.id])
        else:
            unit = kecamatan if delegated else office
        # Kecamatan differ: the first few are quick, the last ones slower.
        slowness = 0.25 + 0.5 * (place / len(ctx.kecamatan)) if delegated else 0.3
        used = max(0, round(stype.sop_days * rng.uniform(0.05, slowness + 0.1)))
        if rng.random() < 0.07:
            used = stype.sop_days + rng.randint(1, 4)
        paused = rng.randint(2, 8) if rng.random() < 0.12 else 0
        refused = rng.random() < 0.06
        events: list[tuple[str, date]] = [(perm.RECEIVED, day)]
        verification_day = add_working_days(day, min(1, used), calendar=calendar)
        events.append((perm.VERIFICATION, verification_day))
        if paused:
            events.append((perm.RETURNED, verification_day))
            back = add_working_days(verification_day, paused, calendar=calendar)
            events.append((perm.VERIFICATION, back))
        decided = add_working_days(day, used + paused, calendar=calendar)
        for stage in stype.stages:
            events.append((stage, max(events[-1][1], decided - timedelta(days=1))))
        events.append((perm.DECISION, decided))
        application = Application(
            service_type=stype,
            applicant=rng.choice(people),
            org_unit=unit,
            channel="online" if rng.random() < 0.35 else "counter",
            quantity=rng.randint(4, 60) if stype.fee_rule == "per_unit" else 1,
            received_on=day,
            sop_days=stype.sop_days,
            paused_days=paused,
            return_reason="Dokumen belum lengkap" if paused else "",
            decided_on=decided,
            days_used=used,
        )
        application.fee_amount = stype.fee_for(application.quantity)
        if decided >= ctx.today:  # still in process: leave it at its last stage
            events = [e for e in events if e[1] < ctx.today]
            application.decided_on = None
            application.days_used = None
        elif refused:
            application.decision = "refused"
            application.refusal_reason = "Tidak sesuai rencana tata ruang"
            application.finished_on = decided
            events.append((perm.REFUSED, decided))
        else:
            application.decision = "approved"
            handover_day = decided
            if application.fee_amount:
                application.paid_on = add_working_days(
                    decided, rng.randint(0, 3), calendar=calendar
                )
                application.payment_ref = f"STS-{decided.year}-{rng.randrange(10000):04d}"
                events.append((perm.PAYMENT, decided))
                handover_day = application.paid_on
            handover_day = add_working_days(handover_day, rng.randint(0, 2), calendar=calendar)
            if handover_day < ctx.today:
                events += [(perm.HANDOVER, handover_day), (perm.DONE, handover_day)]
                application.finished_on = handover_day
            else:
                events.append((perm.HANDOVER, decided))
        application.stage = events[-1][0]
        item = import_file(
            session,
            system,
            perm.LICENSE_FILE,
            unit,
            [(stage, _at(when, 8 + min(index, 8))) for index, (stage, when) in enumerate(events)],
            closed=application.finished_on is not None,
        )
        application.number = item.number
        application.tracked_item_id = item.id
        session.add(application)
        session.flush()
        item.reference = f"licensing_application:{application.id}"
        if application.decision == "approved" and application.stage in (perm.HANDOVER, perm.DONE):
            key = (unit.id, stype.id)
            if key not in signers:
                signers[key] = signatory_for(session, unit, stype)
            _permit(session, system, application, rng, signers[key])
    session.flush()


def _desa_by_kecamatan(session: Session) -> dict[int, list[OrgUnit]]:
    found: dict[int, list[OrgUnit]] = {}
    kinds = (OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)
    for unit in session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(kinds))):
        if unit.parent_id is not None:
            found.setdefault(unit.parent_id, []).append(unit)
    return found


def _permit(
    session: Session, system: Actor, application: Application, rng: Any, signer: Any
) -> None:
    stype = application.service_type
    issued = application.paid_on or application.decided_on
    assert issued is not None
    number = f"503/{application.id:05d}/{stype.code}/{issued.year}"
    valid_until = (
        services.add_months(issued, stype.validity_months) if stype.validity_months else None
    )
    document = issue_document(
        session,
        system,
        perm.PERMIT_DOCUMENT,
        number=number,
        unit=application.org_unit,
        holder_ref=f"applicant:{application.applicant.id}",
        holder_label=mask_name(application.applicant.name),
        valid_until=valid_until,
        now=_at(issued, 10),
    )
    session.add(
        Permit(
            application=application,
            number=number,
            document_id=document.id,
            holder=application.applicant.name,
            issued_on=issued,
            valid_until=valid_until,
            signer_name=signer.name if signer else "",
            signer_nip=signer.nip if signer else "",
            signer_position=signer.position if signer else "",
        )
    )
    if not application.finished_on:
        return
    # Every file handed over is one person served (the survey's population).
    token = invite_to_survey(session, application)
    if rng.random() < 0.7:
        mood = rng.choice(((2, 3, 3, 3), (3, 3, 4), (3, 4, 4, 4), (3, 3, 3, 4)))
        answers = [rng.choice(mood) for _ in range(9)]
        answers[2] = (
            4
            if application.days_used is not None and application.days_used * 2 < stype.sop_days
            else answers[2]
        )
        answer_survey(
            session,
            token,
            answers,
            today=application.finished_on,
            now=_at(application.finished_on, 14),
        )


#: Steps enough to bring a live file to the decision stage.
DECIDE = 99


def _live_files(session: Session, ctx: Any, types: dict[str, ServiceType]) -> None:
    """Open files at every stage, made through the real services."""
    system = Actor.system("pamong demo")
    online = services.register_applicant(
        session,
        {
            "kind": "business",
            "name": "CV Batik Sukowati",
            "id_number": "9120001234567",
            "email": DEMO_APPLICANT,
            "password": ctx.password,
            "address": "Jl. Raya Sukowati 12, Sragen",
        },
    )
    online.verified_at = online.created_at or datetime.now(UTC)
    ctx.staff[DEMO_APPLICANT] = "Pemohon online (/licensing/portal/login)"
    plan = [
        ("SIUP", 0, online),
        ("HO", 2, online),
        ("REKLAME", 1, None),
        ("IL", 3, None),
        ("IMB", 2, None),
        ("TDP", 2, None),
        ("IUJK", 1, None),
        ("SKU", 0, None),
        # Two regency files waiting for the head's decision today.
        ("IMB", DECIDE, None),
        ("IL", DECIDE, None),
    ]
    desa_of = _desa_by_kecamatan(session)
    for index, (code, steps, applicant) in enumerate(plan):
        stype = types[code]
        kecamatan = ctx.kecamatan[index % 3]
        area = (
            desa_of[kecamatan.id][0].code
            if stype.level_on(ctx.today, kecamatan.id) == "desa"
            else kecamatan.code
        )
        applicant = applicant or services.counter_applicant(
            session, system, {"name": f"Warga Demo {index + 1}", "kind": "person"}
        )
        application = services.submit_application(
            session,
            system,
            service_type=stype,
            applicant=applicant,
            area_code=area,
            checked=stype.requirements,
            uploads=[
                services.FileUpload(r, "dokumen.pdf", b"%PDF-1.4\n% demo\n")
                for r in stype.requirements
            ]
            if applicant is online
            else [],
            quantity=12,
            channel="online" if applicant is online else "counter",
            today=ctx.today,
        )
        for _ in range(steps):
            if services.next_stage(application) is None:
                break
            services.advance(session, system, application)
        if index == 6:
            services.return_to_applicant(
                session, system, application, "Sertifikat badan usaha belum dilampirkan", ctx.today
            )


def seed(session: Session, ctx: Any) -> None:
    """Seed the licensing demo (run by ``pamong demo`` after the core's data)."""
    system = Actor.system("pamong demo")
    services.import_catalogue(session, system, typical_rows())
    services.import_delegations(session, system, typical_delegations())
    types = {t.code: t for t in session.scalars(select(ServiceType))}
    _staff(session, ctx)
    _signatories(session, ctx)
    people = _applicants(session, ctx)
    _history(session, ctx, list(types.values()), people)
    _live_files(session, ctx, types)

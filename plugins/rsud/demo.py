"""The rsud demo: a 200-bed regency hospital with months of visits, stays and BPJS claims.

Wards of every class, the tariff master (Perda for class III, Perbup for
the rest), desk staff per role, and a history written in bulk by
:func:`generate_history` (also used by ``benchmarks/rsud.py``): outpatient
visits per poli, emergency visits and inpatient stays with a realistic
occupancy (BOR around 70-80%), upgrades, referrals and deaths. Then one
stay is walked through the services as the training example: a resident
registered by NIK, admitted in class III on BPJS, moved up to class II,
charged by several units, discharged, the claim recorded with the upgrade,
and the difference billed and paid at the cashier.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    OrgUnit,
    Resident,
    actor_of,
    add_staff,
    grant_staff_role,
)
from pamong_plugins.billing import services as billing
from pamong_plugins.rsud import services
from pamong_plugins.rsud.models import (
    RsudBed,
    RsudCharge,
    RsudClaim,
    RsudCounter,
    RsudEncounter,
    RsudPatient,
    RsudSegment,
    RsudTariff,
    RsudWard,
)

SYSTEM = Actor.system("rsud demo")
#: code, name, class, beds: 200 beds in all.
WARDS = (
    ("WK", "Paviliun Wijayakusuma", "VIP", 12),
    ("ANGGREK", "Bangsal Anggrek", "I", 20),
    ("MELATI", "Bangsal Melati", "II", 40),
    ("MAWAR", "Bangsal Mawar", "III", 48),
    ("DAHLIA", "Bangsal Dahlia", "III", 40),
    ("CEMPAKA", "Bangsal Cempaka (anak)", "III", 24),
    ("KENANGA", "Bangsal Kenanga (bedah)", "III", 16),
)
PERDA = "Perda Kab. Sragen 5/2023 (kelas III)"
PERBUP = "Perbup Sragen 61/2023 (BLUD)"
DECREE_FROM = date(2023, 7, 1)
CLASS_FACTOR = {"III": 1.0, "II": 1.4, "I": 1.9, "VIP": 3.0}
#: code, name, unit, per, bucket, (sarana, medis, paramedis) in class III; None: same everywhere.
SERVICES: tuple[tuple[str, str, str, str, str, tuple[int, int, int], bool], ...] = (
    (
        "KARCIS",
        "Karcis pendaftaran",
        "registration",
        "visit",
        "konsultasi",
        (15_000, 10_000, 0),
        False,
    ),
    (
        "KONSUL",
        "Pemeriksaan dokter spesialis",
        "clinic",
        "visit",
        "konsultasi",
        (20_000, 40_000, 5_000),
        False,
    ),
    (
        "IGD",
        "Tindakan gawat darurat",
        "emergency",
        "action",
        "prosedur_non_bedah",
        (60_000, 50_000, 25_000),
        False,
    ),
    (
        "AKOMODASI",
        "Akomodasi rawat inap per hari",
        "ward",
        "day",
        "kamar",
        (100_000, 0, 50_000),
        True,
    ),
    ("VISITE", "Visite dokter spesialis", "ward", "action", "konsultasi", (0, 50_000, 0), True),
    (
        "ASKEP",
        "Asuhan keperawatan per hari",
        "ward",
        "action",
        "keperawatan",
        (10_000, 0, 30_000),
        True,
    ),
    ("LAB-DL", "Darah lengkap", "lab", "action", "laboratorium", (40_000, 10_000, 5_000), True),
    (
        "LAB-GDS",
        "Gula darah sewaktu",
        "lab",
        "action",
        "laboratorium",
        (15_000, 5_000, 2_000),
        True,
    ),
    (
        "RAD-THORAX",
        "Foto thorax",
        "radiology",
        "action",
        "radiologi",
        (90_000, 30_000, 10_000),
        True,
    ),
    ("USG", "USG abdomen", "radiology", "action", "radiologi", (120_000, 80_000, 10_000), True),
    (
        "OK-SEDANG",
        "Operasi sedang",
        "operating_room",
        "action",
        "prosedur_bedah",
        (1_200_000, 1_000_000, 400_000),
        True,
    ),
    ("OBAT-PCT", "Parasetamol 500 mg", "pharmacy", "item", "obat", (500, 0, 0), False),
    ("OBAT-AMOX", "Amoksisilin 500 mg", "pharmacy", "item", "obat", (900, 0, 0), False),
    ("OBAT-CEFTRI", "Seftriakson 1 g injeksi", "pharmacy", "item", "obat", (18_000, 0, 0), False),
    ("BMHP-INFUS", "Infus set dan cairan RL", "pharmacy", "item", "bmhp", (35_000, 0, 0), False),
)
POLIS = (
    "Poli Penyakit Dalam",
    "Poli Anak",
    "Poli Bedah",
    "Poli Obsgyn",
    "Poli Saraf",
    "Poli Jantung",
    "Poli Mata",
    "Poli THT",
    "Poli Gigi",
    "Poli Paru",
)
DOCTORS = (
    "dr. Hartono, Sp.PD",
    "dr. Ratna Dewi, Sp.A",
    "dr. Bambang S., Sp.B",
    "dr. Wulan, Sp.OG",
    "dr. Agus P., Sp.N",
    "dr. Setyo, Sp.JP",
    "dr. Maya, Sp.M",
    "dr. Rudi, Sp.THT",
    "drg. Lestari",
    "dr. Yuni, Sp.P",
)
INACBG = (
    ("J-4-16-I", 3_100_000),
    ("K-4-17-I", 2_700_000),
    ("I-4-10-I", 4_200_000),
    ("A-4-10-I", 2_500_000),
    ("O-6-10-I", 3_600_000),
    ("P-8-17-I", 2_300_000),
    ("K-1-12-I", 7_800_000),
    ("G-4-14-I", 3_900_000),
)
CBG_CLASS = {"III": 1.0, "II": 1.2, "I": 1.4}


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of the regency's day (WIB is UTC+7) as UTC."""
    return datetime.combine(day, time(hour, minute), UTC) - timedelta(hours=7)


def setup_hospital(session: Session, hospital: OrgUnit, *, in_service_from: date) -> None:
    """Wards, beds and the tariff master of the demo hospital."""
    for code, name, klass, beds in WARDS:
        services.add_ward(
            session,
            SYSTEM,
            hospital_code=hospital.code,
            code=code,
            name=name,
            klass=klass,
            beds=beds,
            in_service_from=in_service_from,
        )
    services.add_decree(
        session,
        SYSTEM,
        hospital_code=hospital.code,
        number=PERDA,
        basis="perda",
        valid_from=DECREE_FROM,
    )
    services.add_decree(
        session,
        SYSTEM,
        hospital_code=hospital.code,
        number=PERBUP,
        basis="perbup",
        valid_from=DECREE_FROM,
    )
    for code, name, unit, per, bucket, parts, per_class in SERVICES:
        for klass in ("III", "II", "I", "VIP") if per_class else ("-",):
            factor = CLASS_FACTOR.get(klass, 1.0)
            sarana, medis, paramedis = (int(round(p * factor, -2)) for p in parts)
            services.add_tariff(
                session,
                SYSTEM,
                hospital_code=hospital.code,
                decree_number=PERDA if klass in ("III", "-") else PERBUP,
                service_code=code,
                name=name,
                unit=unit,
                klass=klass,
                per=per,
                bucket=bucket,
                jasa_sarana=sarana,
                jasa_medis=medis,
                jasa_paramedis=paramedis,
            )
    session.flush()


@dataclass
class History:
    """What :func:`generate_history` wrote."""

    encounters: int = 0
    stays: int = 0
    charges: int = 0
    patients: int = 0
    numbers: list[str] = field(default_factory=list)


def generate_history(
    session: Session,
    hospital: OrgUnit,
    *,
    first: date,
    last: date,
    rng: random.Random,
    outpatients_per_day: int = 60,
    emergencies_per_day: int = 12,
    target_bor: float = 0.75,
    patients: int = 4000,
    flush_every: int = 2000,
) -> History:
    """Write closed visits and stays from ``first`` to ``last`` in bulk (ORM rows, no audit).

    Admissions fill the beds to about ``target_bor``; lengths of stay follow
    a skewed distribution around 4-5 days; about one stay in twenty is
    upgraded to a higher class, 2-5% end in death, a few are referred.
    """
    made = History()
    history_end = _utc(last, 23, 59)
    tariffs: dict[tuple[str, str], RsudTariff] = {
        (t.service_code, t.klass): t for t in services.tariffs_on(session, first)
    }

    def tariff(code: str, klass: str) -> RsudTariff:
        return tariffs.get((code, klass)) or tariffs[(code, "-")]

    counter = session.get(RsudCounter, "RM") or RsudCounter(kind="RM", last=0)
    session.add(counter)
    pool: list[RsudPatient] = []
    for _n in range(patients):
        counter.last += 1
        bpjs = rng.random() < 0.75
        klass = rng.choice(("III", "III", "III", "II", "I")) if bpjs else ""
        pool.append(
            RsudPatient(
                mrn=f"{counter.last:08d}",
                hospital_id=hospital.id,
                nik="",
                nik_verified=False,
                name=f"Pasien {counter.last}",
                sex=rng.choice("MF"),
                birth_date=date(
                    1940 + rng.randrange(80), rng.randrange(1, 13), rng.randrange(1, 28)
                ),
                payer="bpjs" if bpjs else rng.choice(("umum", "umum", "umum", "jamkesda")),
                bpjs_number=f"{counter.last:013d}" if bpjs else None,
                bpjs_class=klass,
                bpjs_pbi=bpjs and rng.random() < 0.4,
            )
        )
    session.add_all(pool)
    session.flush()
    made.patients = len(pool)
    wards = list(session.scalars(select(RsudWard).where(RsudWard.hospital_id == hospital.id)))
    beds = {w.id: list(w.beds) for w in wards}
    free_at: dict[int, datetime] = {b.id: _utc(first, 0) for w in wards for b in beds[w.id]}
    busy_until: dict[int, datetime] = {}  # patient id -> end of the current stay
    total_beds = sum(len(v) for v in beds.values())
    mean_los = 4.6
    per_day = 1.15 * target_bor * total_beds / mean_los  # some find their bed taken
    seq: dict[str, int] = {}
    pending: list[Any] = []

    def number(kind: str, day: date) -> str:
        key = f"{services.NUMBER_PREFIX[kind]}{day.year}"
        seq[key] = seq.get(key, 0) + 1
        return f"{services.NUMBER_PREFIX[kind]}-{day.year}-{seq[key]:06d}"

    def charge(
        encounter: RsudEncounter,
        code: str,
        klass: str,
        day: date,
        qty: int = 1,
        unit: str | None = None,
        doctor: str = "",
    ) -> int:
        t = tariff(code, klass)
        pending.append(
            RsudCharge(
                encounter=encounter,
                tariff_id=t.id,
                service_code=t.service_code,
                description=t.name,
                unit=unit or t.unit,
                bucket=t.bucket,
                klass=klass,
                quantity=qty,
                jasa_sarana=t.jasa_sarana * qty,
                jasa_medis=t.jasa_medis * qty,
                jasa_paramedis=t.jasa_paramedis * qty,
                amount=t.price * qty,
                performed_by=doctor,
                service_date=day,
                posted_at=_utc(day, 12),
            )
        )
        made.charges += 1
        return t.price * qty

    def flush() -> None:
        if len(pending) >= flush_every:
            session.add_all(pending)
            session.flush()
            pending.clear()

    def close(encounter: RsudEncounter, real_cost: int, patient: RsudPatient) -> None:
        encounter.real_cost = real_cost
        if encounter.payer == "umum":
            encounter.patient_share = real_cost
        made.encounters += 1
        made.numbers.append(encounter.number)
        pending.append(encounter)

    day = first
    while day <= last:
        for kind, count in (
            ("outpatient", outpatients_per_day),
            ("emergency", emergencies_per_day),
        ):
            for _n in range(max(0, int(rng.gauss(count, count**0.5)))):
                patient = rng.choice(pool)
                poli_index = rng.randrange(len(POLIS))
                at = _utc(
                    day,
                    rng.randrange(7, 14) if kind == "outpatient" else rng.randrange(24),
                    rng.randrange(60),
                )
                e = RsudEncounter(
                    number=number(kind, day),
                    patient=patient,
                    hospital_id=hospital.id,
                    kind=kind,
                    poli=POLIS[poli_index] if kind == "outpatient" else "IGD",
                    status="closed",
                    payer=patient.payer,
                    klass="-",
                    entitled_class=patient.bpjs_class or "-",
                    admitted_at=at,
                    discharged_at=at + timedelta(hours=2),
                    room_released_at=at + timedelta(hours=2),
                    discharge_status="home",
                    doctor=DOCTORS[poli_index],
                )
                cost = charge(e, "KARCIS", "-", day)
                cost += charge(
                    e,
                    "KONSUL" if kind == "outpatient" else "IGD",
                    "-",
                    day,
                    doctor=DOCTORS[poli_index],
                )
                if rng.random() < 0.3:
                    cost += charge(e, "LAB-GDS", "III", day, unit="lab")
                cost += charge(
                    e, rng.choice(("OBAT-PCT", "OBAT-AMOX")), "-", day, qty=rng.choice((10, 15, 20))
                )
                close(e, cost, patient)
            flush()
        for _n in range(max(0, int(rng.gauss(per_day, per_day**0.5)))):
            patient = rng.choice(pool)
            at = _utc(day, rng.randrange(24), rng.randrange(60))
            if busy_until.get(patient.id, at) > at:
                continue
            wanted = patient.bpjs_class or rng.choice(("III", "III", "II", "I", "VIP"))
            choices = [w for w in wards if w.klass == wanted] or wards
            ward = rng.choices(choices, weights=[len(beds[w.id]) for w in choices])[0]
            bed = next((b for b in beds[ward.id] if free_at[b.id] <= at), None)
            if bed is None:
                continue  # full: the patient goes to another hospital
            los_hours = max(6.0, rng.lognormvariate(4.5, 0.55))
            out = at + timedelta(hours=los_hours)
            if out > history_end:  # never discharged in the future: out on the last day
                out = history_end - timedelta(minutes=rng.randrange(14 * 60))
                if out < at + timedelta(hours=6):
                    continue
            roll = rng.random()
            hours = (out - at).total_seconds() / 3600
            status = (
                ("died_after_48h" if hours >= 48 else "died_before_48h")
                if roll < 0.028
                else "referred"
                if roll < 0.07
                else "home"
            )
            doctor = rng.choice(DOCTORS)
            e = RsudEncounter(
                number=number("inpatient", day),
                patient=patient,
                hospital_id=hospital.id,
                kind="inpatient",
                status="closed",
                payer=patient.payer,
                klass=ward.klass,
                entitled_class=patient.bpjs_class or ward.klass,
                ward_id=ward.id,
                bed_id=bed.id,
                admitted_at=at,
                discharged_at=out,
                room_released_at=out,
                discharge_status=status,
                doctor=doctor,
                sep_number=f"0301R001{day:%m%y}V{made.stays:06d}"
                if patient.payer == "bpjs"
                else "",
            )
            segments = [(ward, bed, at, out)]
            upgrade = None
            if (
                patient.payer == "bpjs"
                and not patient.bpjs_pbi
                and patient.bpjs_class in ("III", "II")
                and rng.random() < 0.08
                and hours > 30
            ):
                better = "II" if patient.bpjs_class == "III" else "I"
                target = [w for w in wards if w.klass == better]
                move_at = at + timedelta(hours=rng.randrange(6, 24))
                new_bed = next(
                    (b for w in target for b in beds[w.id] if free_at[b.id] <= move_at), None
                )
                if new_bed is not None:
                    new_ward = next(w for w in target if new_bed in beds[w.id])
                    segments = [(ward, bed, at, move_at), (new_ward, new_bed, move_at, out)]
                    e.ward_id, e.bed_id, e.klass = new_ward.id, new_bed.id, better
                    upgrade = better
            cost = charge(e, "KARCIS", "-", day)
            shares = services.segment_room_days([(s[2], s[3]) for s in segments], 6)
            for (seg_ward, seg_bed, start, end), days in zip(segments, shares, strict=True):
                free_at[seg_bed.id] = end + timedelta(hours=2)  # cleaning
                pending.append(
                    RsudSegment(
                        encounter=e,
                        ward_id=seg_ward.id,
                        bed_id=seg_bed.id,
                        klass=seg_ward.klass,
                        start_at=start,
                        end_at=end,
                    )
                )
                if not days:
                    continue
                cost += charge(e, "AKOMODASI", seg_ward.klass, start.date(), qty=days)
                cost += charge(e, "ASKEP", seg_ward.klass, start.date(), qty=days)
                cost += charge(e, "VISITE", seg_ward.klass, start.date(), qty=days, doctor=doctor)
            klass = e.klass
            cost += charge(e, "LAB-DL", klass, day)
            if rng.random() < 0.4:
                cost += charge(e, "RAD-THORAX", klass, day)
            if rng.random() < 0.12:
                cost += charge(e, "OK-SEDANG", klass, day, doctor=doctor)
            cost += charge(e, "OBAT-CEFTRI", "-", day, qty=rng.randrange(2, 10))
            cost += charge(e, "BMHP-INFUS", "-", day, qty=rng.randrange(1, 5))
            busy_until[patient.id] = out
            if patient.payer == "bpjs":
                code, base = rng.choice(INACBG)
                entitled = patient.bpjs_class
                package = int(base * CBG_CLASS[entitled])
                claim = RsudClaim(
                    encounter=e,
                    sep_number=e.sep_number,
                    inacbg_code=code,
                    cbg_amount=package,
                    cbg_class1_amount=int(base * CBG_CLASS["I"]),
                    status=rng.choice(("final", "sent", "paid", "paid")),
                )
                if upgrade:
                    claim.upgrade_class = upgrade
                    claim.upgrade_days = shares[-1]
                    claim.upgrade_payer = "patient"
                    claim.cbg_upgraded_amount = int(base * CBG_CLASS[upgrade])
                    e.patient_share = services.upgrade_difference(claim, cost, entitled=entitled)
                pending.append(claim)
            made.stays += 1
            close(e, cost, patient)
        flush()
        day += timedelta(days=1)
    session.add_all(pending)
    session.flush()
    for key, value in seq.items():
        row = session.get(RsudCounter, key) or RsudCounter(kind=key, last=0)
        row.last = max(row.last, value)
        session.add(row)
    session.flush()
    return made


def walk_through(
    session: Session, hospital: OrgUnit, resident: Resident | None, today: date
) -> str:
    """The training example of the Done-when: NIK, BPJS class III, upgrade, units, cashier."""
    desk = actor_of(session, "rsud.pendaftaran")
    unit_staff = actor_of(session, "rsud.layanan")
    casemix = actor_of(session, "rsud.casemix")
    cashier = actor_of(session, "rsud.kasir")
    admitted = _utc(today - timedelta(days=4), 10, 15)
    patient = services.register_patient(
        session,
        desk,
        hospital_code=hospital.code,
        nik=resident.nik if resident else "",
        name="" if resident else "Sri Wahyuni",
        sex="" if resident else "F",
        payer="bpjs",
        bpjs_number="0001314001234",
        bpjs_class="III",
        now=admitted,
    )
    free = session.scalar(
        select(RsudBed)
        .join(RsudWard)
        .where(
            RsudWard.hospital_id == hospital.id, RsudWard.code == "MAWAR", RsudBed.status == "free"
        )
    )
    stay = services.open_encounter(
        session,
        desk,
        mrn=patient.mrn,
        kind="inpatient",
        ward_code="MAWAR",
        bed_code=free.code if free else "MAWAR-01",
        at=admitted,
        sep_number="0301R0011226V000042",
        doctor="dr. Hartono, Sp.PD",
    )
    better = session.scalar(
        select(RsudBed)
        .join(RsudWard)
        .where(
            RsudWard.hospital_id == hospital.id, RsudWard.code == "MELATI", RsudBed.status == "free"
        )
    )
    moved = admitted + timedelta(hours=20)
    services.transfer(
        session,
        desk,
        stay.number,
        ward_code="MELATI",
        bed_code=better.code if better else "MELATI-01",
        at=moved,
    )
    for offset, code, unit, qty in (
        (0, "LAB-DL", "lab", 1),
        (0, "RAD-THORAX", "radiology", 1),
        (1, "VISITE", "ward", 1),
        (1, "OBAT-CEFTRI", "pharmacy", 6),
        (2, "USG", "radiology", 1),
        (3, "OBAT-CEFTRI", "pharmacy", -2),
    ):
        day = (admitted + timedelta(days=offset)).astimezone(UTC).date()
        services.post_charge(
            session,
            unit_staff,
            stay.number,
            service_code=code,
            quantity=qty,
            unit=unit,
            performed_by="dr. Hartono, Sp.PD",
            service_date=day,
            now=_utc(today, 7),
        )
    services.set_diagnoses(session, casemix, stay.number, ["J18.9", "E11.9"])
    services.discharge(
        session,
        desk,
        stay.number,
        status="home",
        at=_utc(today, 9, 30),
        room_released_at=_utc(today, 11),
    )
    services.record_claim(
        session,
        casemix,
        stay.number,
        sep_number="0301R0011226V000042",
        inacbg_code="J-4-16-I",
        cbg_amount=3_100_000,
        cbg_class1_amount=4_340_000,
        cbg_upgraded_amount=3_720_000,
        upgrade_class="II",
        upgrade_days=3,
        upgrade_payer="patient",
        status="final",
    )
    bill = services.settle_bill(session, cashier, stay.number, now=_utc(today, 12))
    if bill.invoice_number:
        billing.open_cashier_session(
            session, cashier, unit_code=hospital.code, opening_float=0, now=_utc(today, 7)
        )
        billing.pay_cash(
            session,
            cashier,
            invoice_number=bill.invoice_number,
            amount=bill.balance,
            paid_by=patient.name,
            now=_utc(today, 12, 5),
        )
    # A stay still open, for the interim bill and the bed board.
    other = services.register_patient(
        session, desk, hospital_code=hospital.code, name="Joko Susilo", sex="M", payer="umum"
    )
    open_bed = session.scalar(
        select(RsudBed)
        .join(RsudWard)
        .where(
            RsudWard.hospital_id == hospital.id,
            RsudWard.code == "ANGGREK",
            RsudBed.status == "free",
        )
    )
    if open_bed is not None:
        services.open_encounter(
            session,
            desk,
            mrn=other.mrn,
            kind="inpatient",
            ward_code="ANGGREK",
            bed_code=open_bed.code,
            at=_utc(today - timedelta(days=1), 16),
        )
    return stay.number


def deposit_example(session: Session, hospital: OrgUnit, today: date) -> str:
    """A self-pay stay whose paid deposit exceeds the bill: the refund for the cashier to ask."""
    desk = actor_of(session, "rsud.pendaftaran")
    cashier = actor_of(session, "rsud.kasir")
    admitted = _utc(today - timedelta(days=2), 8)
    patient = services.register_patient(
        session, desk, hospital_code=hospital.code, name="Bambang Riyadi", sex="M", payer="umum"
    )
    bed = session.scalar(
        select(RsudBed)
        .join(RsudWard)
        .where(
            RsudWard.hospital_id == hospital.id, RsudWard.code == "MAWAR", RsudBed.status == "free"
        )
    )
    stay = services.open_encounter(
        session,
        desk,
        mrn=patient.mrn,
        kind="inpatient",
        ward_code="MAWAR",
        bed_code=bed.code if bed else "MAWAR-02",
        at=admitted,
    )
    deposit = services.take_deposit(session, cashier, stay.number, amount=2_000_000, now=admitted)
    with contextlib.suppress(Conflict):  # the training example's session may be open already
        billing.open_cashier_session(
            session, cashier, unit_code=hospital.code, opening_float=0, now=_utc(today, 7)
        )
    billing.pay_cash(
        session,
        cashier,
        invoice_number=deposit.invoice_number,
        amount=2_000_000,
        paid_by=patient.name,
        now=_utc(today, 7, 30),
    )
    services.discharge(session, desk, stay.number, status="home", at=_utc(today, 8))
    services.settle_bill(session, cashier, stay.number, now=_utc(today, 8, 30))
    return stay.number


def seed(session: Session, context: Any) -> None:
    """Add the hospital: staff, wards, tariffs, months of history and the training stay."""
    hospital = context.offices.get("RSUD")
    if hospital is None:
        return
    for username, title, role in (
        ("rsud.pendaftaran", "Petugas pendaftaran RSUD", "rsud_registration"),
        ("rsud.layanan", "Petugas unit layanan RSUD", "rsud_charge"),
        ("rsud.kasir", "Kasir RSUD", "rsud_cashier"),
        ("rsud.casemix", "Petugas casemix RSUD", "rsud_casemix"),
        ("rsud.direktur", "Direktur RSUD", "rsud_report"),
        ("rsud.admin", "Admin tarif RSUD", "rsud_admin"),
        ("rsud.spv", "Supervisor kasir RSUD", "billing_supervisor"),
    ):
        add_staff(session, context, username, title, role, hospital)
    if "bupati" in context.staff:
        grant_staff_role(session, context, "bupati", "rsud_report", hospital)
    session.flush()
    today = context.today
    first = (today.replace(day=1) - timedelta(days=80)).replace(day=1)
    setup_hospital(session, hospital, in_service_from=first - timedelta(days=365))
    history_end = today - timedelta(days=6)
    generate_history(
        session,
        hospital,
        first=first,
        last=history_end,
        rng=context.rng,
        outpatients_per_day=25,
        emergencies_per_day=6,
        patients=1500,
    )
    # Beds whose stays ended are free again before the training example.
    session.execute(
        RsudBed.__table__.update().where(RsudBed.status != "free").values(status="free")
    )
    resident = session.scalar(select(Resident).order_by(Resident.id).limit(1))
    number = walk_through(session, hospital, resident, today)
    context.samples["rsud stay (BPJS upgrade, paid)"] = number
    context.samples["rsud stay (deposit to refund)"] = deposit_example(session, hospital, today)

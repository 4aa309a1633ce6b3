"""Demo data: a year of daily reports from every Satker, kecamatan and BUMD, with gaps.

Most units report on working days, some late, a few miss days (a weak
kecamatan misses more). Today a kecamatan's report is drafted from the
day's KTP and licensing activity, submitted, and commented on by the
Bupati with an instruction; units still missing today are reminded. The
secretariat has numbered a few outgoing letters and reserved one number.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    NotFound,
    OrgUnit,
    actor_of,
    add_staff,
    grant_staff_role,
    is_working_day,
    staff_username,
    time_zone,
)
from pamong_plugins.kantaya import services
from pamong_plugins.kantaya.models import KantayaReport
from pamong_plugins.kantaya.settings import DEFAULT_KINDS

DAYS = 365
PROJECTS = 40
ACTIVITIES = (
    "Apel pagi dan pembagian tugas; pelayanan masyarakat di loket.",
    "Rapat koordinasi internal membahas program kerja bulan ini.",
    "Monitoring kegiatan lapangan dan pendampingan desa.",
    "Penyusunan laporan keuangan dan administrasi kepegawaian.",
    "Sosialisasi program pemerintah daerah kepada warga.",
)
RESULTS = (
    "Pelayanan berjalan lancar tanpa keluhan.",
    "Notulen rapat selesai dan dibagikan.",
    "Temuan lapangan dicatat untuk tindak lanjut.",
    "Dokumen administrasi lengkap.",
)
#: A minimal one-page PDF standing in for a scanned letter.
DEMO_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PROBLEMS = ("", "", "Jaringan internet sempat terputus.", "Printer rusak, antrean melambat.")


def _staff(
    session: Session, context: Any, username: str, title: str, role: str, unit: OrgUnit
) -> None:
    """Give ``role`` to the demo account, creating it when no other plugin did."""
    try:
        grant_staff_role(session, context, username, role, unit)
    except NotFound:
        add_staff(session, context, username, title, role, unit)


def seed(session: Session, context: Any) -> None:
    rng = context.rng
    today = context.today
    units = list(
        session.scalars(
            select(OrgUnit).where(OrgUnit.kind.in_(DEFAULT_KINDS)).order_by(OrgUnit.code)
        )
    )
    # Accounts: each kecamatan operator reports; the camat of the first kecamatan heads it;
    # the Bupati leads (monitor) everywhere; the secretariat numbers letters.
    for kecamatan in context.kecamatan:
        grant_staff_role(
            session, context, f"op.{staff_username(kecamatan.name)}", "kantaya_reporter", kecamatan
        )
    first = context.kecamatan[0]
    _staff(
        session,
        context,
        f"camat.{staff_username(first.name)}",
        f"Camat {first.name}",
        "kantaya_head",
        first,
    )
    _staff(session, context, "bupati", "Bupati Sragen", "kantaya_leader", context.root)
    _staff(session, context, "sekda", "Sekretaris Daerah", "kantaya_leader", context.root)
    _staff(session, context, "sekda", "Sekretaris Daerah", "kantaya_secretary", context.root)
    for office in context.offices.values():
        if office.kind in DEFAULT_KINDS:
            _staff(
                session,
                context,
                f"lapor.{staff_username(office.code.rsplit('-', 1)[-1])}",
                f"Pelapor {office.name}",
                "kantaya_reporter",
                office,
            )

    # A year of history, written in bulk (the service path is used for today below).
    rows: list[dict[str, Any]] = []
    weak = {u.id for u in units[:: max(1, len(units) // 3)][:3]}  # a few units report poorly
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        if not is_working_day(day):
            continue
        for unit in units:
            miss = 0.25 if unit.id in weak else 0.04
            if rng.random() < miss:
                continue
            late = rng.random() < (0.2 if unit.id in weak else 0.06)
            submitted = datetime.combine(
                day + timedelta(days=1 if late else 0),
                time(10 if late else 8, rng.randint(0, 59)),
                UTC,
            )
            approved = rng.random() < 0.8
            rows.append(
                {
                    "unit_id": unit.id,
                    "day": day,
                    "status": "approved" if approved else "submitted",
                    "activities": rng.choice(ACTIVITIES),
                    "results": rng.choice(RESULTS),
                    "problems": rng.choice(PROBLEMS),
                    "follow_up": "",
                    "facts": [],
                    "return_reason": "",
                    "created_at": submitted - timedelta(hours=2),
                    "updated_at": submitted,
                    "submitted_at": submitted,
                    "late": late,
                    "approved_at": submitted + timedelta(hours=3) if approved else None,
                }
            )
    for start in range(0, len(rows), 2000):
        session.execute(insert(KantayaReport), rows[start : start + 2000])

    # Today: the kecamatan with the most recorded activity (KTP, permits, receipts) has its
    # report drafted from it, submitted by its operator, and commented on by the Bupati.
    def sources(unit: OrgUnit) -> int:
        return len({f["source"] for f in services.collect_facts(session, unit, today)})

    busiest = max(context.kecamatan, key=sources)
    if busiest.id != first.id:
        _staff(
            session,
            context,
            f"camat.{staff_username(busiest.name)}",
            f"Camat {busiest.name}",
            "kantaya_head",
            busiest,
        )
    reporter = actor_of(session, f"op.{staff_username(busiest.name)}")
    with force_locale("id"):  # the facts' labels are stored as drafted: in Indonesian
        report, _created = services.draft_report(
            session, reporter, unit_code=busiest.code, day=today
        )
    services.update_report(
        session,
        reporter,
        report.id,
        {
            "results": "Seluruh pemohon KTP hari ini terlayani; berkas izin diteruskan ke DPMPTSP.",
            "problems": "Blangko KTP tersisa sedikit.",
            "follow_up": "Mengajukan tambahan blangko ke Dinas Dukcapil.",
        },
    )
    services.submit_report(session, reporter, report.id)
    bupati = actor_of(session, "bupati")
    services.comment_on(
        session,
        bupati,
        report.id,
        body="Koordinasikan dengan Dukcapil hari ini juga, laporkan hasilnya besok.",
        task=True,
        due_on=today + timedelta(days=1),
    )
    # A second kecamatan only has a draft; the others are missing today and get reminded.
    second = next(u for u in context.kecamatan if u.id != busiest.id)
    with force_locale("id"):
        services.draft_report(
            session,
            actor_of(session, f"op.{staff_username(second.name)}"),
            unit_code=second.code,
            day=today,
        )
    session.flush()
    services.send_reminders(session, today)

    # An incoming letter: registered by the secretariat, disposed by the Bupati to the
    # busiest kecamatan (read and forwarded by its camat) with a copy to Bappeda (unread,
    # still recallable), and answered with a numbered outgoing letter.
    sekda = actor_of(session, "sekda")
    incoming = services.register_incoming(
        session,
        sekda,
        unit_code=context.root.code,
        sender="Gubernur Jawa Tengah",
        number="005/4512/2026",
        letter_date=today - timedelta(days=2),
        subject="Rapat koordinasi percepatan penurunan stunting",
        scan=DEMO_SCAN,
    )
    step = services.dispose(
        session,
        bupati,
        incoming.id,
        to_unit_code=busiest.code,
        instruction="Hadiri dan laporkan hasilnya.",
        due_on=today + timedelta(days=3),
    )
    bappeda = context.offices.get("BAPPEDA")
    if bappeda is not None:
        services.dispose(session, bupati, incoming.id, to_unit_code=bappeda.code, copy=True)
    camat = actor_of(session, f"camat.{staff_username(busiest.name)}")
    services.get_disposition(session, camat, step.id)  # read by the camat
    desa = session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id == busiest.id).order_by(OrgUnit.code)
    )
    if desa is not None:
        services.forward(
            session,
            camat,
            step.id,
            to_unit_code=desa.code,
            instruction="Siapkan data balita stunting desa.",
            due_on=today + timedelta(days=2),
        )
    services.number_letter(
        session,
        sekda,
        unit_code=context.root.code,
        classification="400.5.8",
        subject="Jawaban: kehadiran rapat koordinasi stunting",
        addressee="Gubernur Jawa Tengah",
        reply_to_id=incoming.id,
    )

    _drafts(session, context, sekda, bupati, incoming.id, busiest)
    _projects(session, context, units)
    _agenda(session, context, sekda, incoming.id, busiest)
    _forum(session, context, busiest)

    # Outgoing letters of the secretariat.
    subjects = (
        ("000.1.2", "Undangan rapat koordinasi camat", "Para Camat se-Kabupaten Sragen"),
        ("100.3.4", "Laporan penyelenggaraan pemerintahan desa", "Gubernur Jawa Tengah"),
        ("800.1.2", "Izin cuti tahunan", "Kepala BKPSDM"),
    )
    for code, subject, addressee in subjects:
        letter = services.number_letter(
            session,
            sekda,
            unit_code=context.root.code,
            classification=code,
            subject=subject,
            addressee=addressee,
        )
    services.number_letter(
        session, sekda, unit_code=context.root.code, classification="000.1.2", reserve=True
    )
    context.samples["kantaya_letter"] = letter.number


PROJECT_KINDS = (
    ("Rehabilitasi jalan", "CV Karya Mandiri"),
    ("Pembangunan jembatan", "PT Wijaya Konstruksi"),
    ("Rehabilitasi saluran irigasi", "CV Tirta Makmur"),
    ("Pembangunan gedung PAUD", "CV Sejahtera Abadi"),
    ("Pembangunan talud", "CV Bumi Sukowati"),
    ("Rehabilitasi puskesmas pembantu", "PT Sragen Jaya"),
)


def _projects(session: Session, context: Any, units: list[OrgUnit]) -> None:
    """``PROJECTS`` projects with weekly progress; about one in seven falls critically behind."""
    rng = context.rng
    today = context.today
    _staff(
        session,
        context,
        "proyek",
        "Pengelola Proyek Bappeda",
        "kantaya_project_officer",
        context.root,
    )
    officer = actor_of(session, "proyek")
    for n in range(PROJECTS):
        unit = units[n % len(units)]
        kind, contractor = PROJECT_KINDS[n % len(PROJECT_KINDS)]
        weeks = rng.randint(12, 30)
        started = rng.randint(2, weeks)
        start = today - timedelta(weeks=started)
        pagu = rng.randint(4, 60) * 50_000_000
        contract = int(pagu * rng.uniform(0.85, 0.97)) // 1000 * 1000
        project = services.create_project(
            session,
            officer,
            unit_code=unit.code,
            name=f"{kind} {unit.name} {n + 1}",
            pagu=pagu,
            contract_value=contract,
            contractor=contractor,
            start_on=start,
            end_on=start + timedelta(weeks=weeks),
            latitude=round(-7.43 + rng.uniform(-0.15, 0.15), 5),
            longitude=round(110.95 + rng.uniform(-0.2, 0.2), 5),
        )
        lagging = n % 7 == 3
        actual = 0.0
        for week in range(1, started + 1):
            day = start + timedelta(weeks=week)
            planned = services.planned_at(project, day)
            target = planned * (rng.uniform(0.45, 0.6) if lagging else rng.uniform(0.93, 1.05))
            actual = round(min(100.0, max(actual, target)), 1)
            services.record_progress(
                session,
                officer,
                project.id,
                week_on=day,
                physical_pct=actual,
                financial=int(contract * actual / 100 * 0.8),
            )
        if lagging and project.critical and n % 2:
            services.record_step(
                session,
                officer,
                project.id,
                kind="show_cause",
                on=today,
                note="Rapat pembuktian dengan penyedia",
            )


def _agenda(session: Session, context: Any, sekda: Any, incoming_id: int, busiest: OrgUnit) -> None:
    """The Bupati's schedule entry from the invitation letter (tentative, then confirmed), the
    camat invited and attending, a double-booked visit, and the camat's calendar feed."""
    today = context.today
    zone = ZoneInfo(time_zone())
    start = datetime.combine(today + timedelta(days=3), time(9, 0), zone)
    camat = f"camat.{staff_username(busiest.name)}"
    event, _clash = services.create_event(
        session,
        sekda,
        unit_code=context.root.code,
        title="Rapat koordinasi percepatan penurunan stunting",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        location="Gedung Gradhika Bhakti Praja, Semarang",
        leader="bupati",
        tentative=True,
        invite=[camat],
        incoming_id=incoming_id,
    )
    services.confirm_event(session, sekda, event.id)
    services.create_event(
        session,
        sekda,
        unit_code=context.root.code,
        title="Kunjungan kerja ke Pasar Bunder",
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=4),
        location="Pasar Bunder Sragen",
        leader="bupati",
    )
    camat_actor = actor_of(session, camat)
    services.rsvp(session, camat_actor, event.id, answer="yes")
    token = services.new_feed_token(session, camat_actor)
    context.samples["kantaya_calendar_feed"] = f"/kantaya/calendar/{token}.ics"

    # Yesterday's meeting: the camat sent a delegate; minutes with follow-up tasks.
    held_at = datetime.combine(today - timedelta(days=1), time(13, 0), zone)
    held, _clash = services.create_event(
        session,
        sekda,
        unit_code=context.root.code,
        title="Rapat evaluasi pelayanan administrasi kependudukan",
        starts_at=held_at,
        ends_at=held_at + timedelta(hours=2),
        location="Ruang Sukowati, Setda Sragen",
        leader="bupati",
        invite=[camat],
    )
    services.rsvp(session, camat_actor, held.id, answer="delegate", delegate="Sekretaris Camat")
    services.record_attendance(
        session,
        sekda,
        held.id,
        username=camat,
        attendance="delegate",
        delegate="Sekretaris Camat",
    )
    services.write_minutes(
        session,
        sekda,
        held.id,
        body=(
            "1. Antrean perekaman KTP-el di kecamatan masih panjang pada hari Senin.\n"
            "2. Stok blangko cukup sampai akhir bulan.\n"
            "3. Pelayanan keliling ke desa dijadwalkan ulang."
        ),
        follow_ups=[
            {
                "unit_code": busiest.code,
                "body": "Susun jadwal pelayanan KTP-el keliling ke desa untuk bulan depan.",
                "due_on": today + timedelta(days=7),
            },
            {
                "unit_code": busiest.code,
                "username": camat,
                "body": "Laporkan jumlah antrean harian selama dua minggu.",
                "due_on": today + timedelta(days=14),
            },
        ],
    )
    unit_token = services.new_unit_feed(session, sekda, context.root.code)
    context.samples["kantaya_unit_calendar_feed"] = f"/kantaya/calendar/{unit_token}.ics"


def _drafts(
    session: Session, context: Any, sekda: Any, bupati: Any, incoming_id: int, busiest: OrgUnit
) -> None:
    """A letter initialled by the Sekda, signed by the Bupati and sent to a kecamatan; another
    waiting for the Bupati's signature."""
    sent = services.create_draft(
        session,
        sekda,
        unit_code=context.root.code,
        classification="400.5.8",
        subject="Penugasan pendataan balita stunting",
        addressee=f"Camat {busiest.name}",
        body=(
            "Menindaklanjuti surat Gubernur Jawa Tengah nomor 005/4512/2026, Saudara diminta "
            "menyiapkan data balita stunting per desa paling lambat tiga hari kerja."
        ),
        chain=["sekda", "bupati"],
        to_units=[busiest.code],
        reply_to_id=incoming_id,
    )
    services.endorse(session, sekda, sent.id, kind="paraf", note="Sudah sesuai")
    services.endorse(session, bupati, sent.id, kind="sign")
    services.send_draft(session, sekda, sent.id)
    waiting = services.create_draft(
        session,
        sekda,
        unit_code=context.root.code,
        classification="000.1.2",
        subject="Undangan rapat koordinasi camat",
        addressee="Para Camat se-Kabupaten Sragen",
        body="Mengundang Saudara hadir pada rapat koordinasi camat hari Senin pukul 09.00.",
        chain=["sekda", "bupati"],
        to_units=[k.code for k in context.kecamatan],
    )
    services.endorse(session, sekda, waiting.id, kind="paraf")


FORUM = (
    (
        "pelayanan",
        "Blangko KTP menipis",
        "Stok blangko tinggal sedikit, mohon info jadwal distribusi dari Dukcapil. @dukcapil",
    ),
    (
        "jaringan",
        "Koneksi internet kecamatan sering putus",
        "Sejak Senin koneksi putus-nyambung, antrean pelayanan jadi lambat.",
    ),
    (
        "perencanaan",
        "Persiapan musrenbang kecamatan",
        "Berkas usulan desa mohon dikumpulkan paling lambat Jumat.",
    ),
    ("umum", "Jadwal apel gabungan", "Apel gabungan Senin pukul 07.30 di alun-alun."),
)


def _forum(session: Session, context: Any, busiest: OrgUnit) -> None:
    """A few threads in the regency's forum and the busiest kecamatan's, with replies."""
    reporter = actor_of(session, f"op.{staff_username(busiest.name)}")
    others = [k for k in context.kecamatan if k.id != busiest.id][:3]
    for n, (topic, title, body) in enumerate(FORUM):
        unit = busiest.code if n == 0 else context.root.code
        thread = services.open_thread(
            session, reporter, unit_code=unit, topic=topic, title=title, body=body
        )
        if unit == context.root.code:
            for other in others[: n + 1]:
                services.reply(
                    session,
                    actor_of(session, f"op.{staff_username(other.name)}"),
                    thread.id,
                    f"Di {other.name} juga sama, mohon tindak lanjut.",
                )

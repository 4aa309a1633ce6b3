"""Demo content: news and announcements, the profile, 300 complaints with answers, regulations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pamong.plugin import Actor, actor_of, add_staff, grant_staff_role
from pamong_plugins.portal import complaints, content, legal

COMPLAINTS = 300

NEWS = (
    (
        "news",
        "Bupati resmikan Mal Pelayanan Publik",
        "Dua puluh layanan kini dalam satu gedung.",
        "Mal Pelayanan Publik menghimpun layanan kependudukan, perizinan, pajak daerah dan PDAM "
        "dalam satu gedung.\n\nWarga cukup mengambil satu nomor antrean.",
    ),
    (
        "news",
        "Harga cabai turun menjelang panen raya",
        "Pasokan dari Kecamatan Tangen meningkat.",
        "Dinas Perdagangan mencatat harga cabai merah keriting turun di pasar-pasar utama.\n\n"
        "Pantauan harga harian dapat dilihat di portal ini.",
    ),
    (
        "news",
        "Perekaman KTP elektronik di sekolah",
        "Siswa berusia 17 tahun direkam di sekolahnya.",
        "Petugas Disdukcapil mendatangi SMA dan SMK untuk merekam data siswa yang sudah berusia "
        "17 tahun.",
    ),
    (
        "news",
        "Jembatan desa selesai diperbaiki",
        "Akses warga dua desa kembali lancar.",
        "Perbaikan jembatan yang dilaporkan warga lewat kanal pengaduan selesai dikerjakan.",
    ),
    (
        "announcement",
        "Jadwal pelayanan selama cuti bersama",
        "",
        "Pelayanan tatap muka tutup pada hari cuti bersama; layanan daring tetap buka.",
    ),
    (
        "announcement",
        "Pendaftaran izin usaha mikro gratis",
        "",
        "Izin usaha mikro dan kecil tidak dipungut biaya.",
    ),
)

PAGES = (
    (
        "sejarah",
        "Sejarah",
        10,
        "Kabupaten ini berdiri sejak masa Kasunanan Surakarta.\n\nPusat pemerintahan berada di "
        "kota kabupaten sejak awal abad ke-20.",
    ),
    (
        "visi-misi",
        "Visi dan Misi",
        20,
        "Visi: pelayanan publik yang cepat, mudah dan terbuka.\n\nMisi: menghadirkan layanan "
        "dalam jaringan bagi setiap warga; menjawab setiap pengaduan tepat waktu.",
    ),
    ("pimpinan", "Pimpinan Daerah", 30, "Bupati dan Wakil Bupati periode 2025-2030."),
    (
        "organisasi",
        "Perangkat Daerah",
        40,
        "Sekretariat Daerah, dinas, badan, kecamatan dan kelurahan.",
    ),
)

LEGAL = (
    (
        "perda",
        "7",
        2006,
        "Retribusi Penggantian Biaya Cetak Kartu Tanda Penduduk",
        "Retribusi; Kependudukan",
        "Hukum Administrasi Negara",
        "Mengatur retribusi penggantian biaya cetak KTP dan kartu keluarga.",
        "",
        "",
    ),
    (
        "perda",
        "3",
        2011,
        "Pajak Daerah",
        "Pajak",
        "Hukum Keuangan Negara",
        "Mengatur jenis pajak daerah, tarif dan tata cara pemungutannya.",
        "",
        "",
    ),
    (
        "perda",
        "1",
        2024,
        "Pajak Daerah dan Retribusi Daerah",
        "Pajak; Retribusi",
        "Hukum Keuangan Negara",
        "Menyesuaikan pajak dan retribusi daerah dengan UU 1/2022 tentang hubungan keuangan pusat "
        "dan daerah.",
        "",
        "perda/3/2011",
    ),
    (
        "perbup",
        "12",
        2023,
        "Standar Pelayanan Perizinan Berusaha",
        "Perizinan; Pelayanan Publik",
        "Hukum Administrasi Negara",
        "Standar waktu, persyaratan dan biaya layanan perizinan di DPMPTSP.",
        "",
        "",
    ),
    (
        "perbup",
        "4",
        2025,
        "Perubahan atas Standar Pelayanan Perizinan Berusaha",
        "Perizinan; Pelayanan Publik",
        "Hukum Administrasi Negara",
        "Memperpendek waktu layanan izin usaha mikro menjadi satu hari kerja.",
        "perbup/12/2023",
        "",
    ),
    (
        "perbup",
        "9",
        2025,
        "Pengelolaan Pengaduan Masyarakat",
        "Pengaduan; Pelayanan Publik",
        "Hukum Administrasi Negara",
        "Tata cara menerima, memverifikasi, meneruskan dan menjawab pengaduan masyarakat melalui "
        "SP4N-LAPOR! dan portal kabupaten.",
        "",
        "",
    ),
    (
        "kepbup",
        "100",
        2025,
        "Tim Pengelola Pengaduan Pelayanan Publik",
        "Pengaduan",
        "Hukum Administrasi Negara",
        "Menetapkan tim pengelola pengaduan di setiap perangkat daerah.",
        "",
        "",
    ),
)

TEXTS = {
    "population": (
        "Antrean rekam KTP terlalu panjang",
        "Saya antre sejak pagi di kecamatan, alat perekam rusak. Mohon ditambah petugas.",
    ),
    "permits": (
        "Izin usaha belum terbit",
        "Berkas izin usaha saya sudah lengkap dua minggu lalu tetapi belum ada kabar.",
    ),
    "water": ("Air PDAM mati tiga hari", "Air di rumah kami tidak mengalir sejak Senin."),
    "health": ("Antrean poli RSUD lama", "Mohon pendaftaran online untuk poli penyakit dalam."),
    "markets": ("Harga minyak goreng di pasar", "Harga minyak goreng di pasar jauh di atas HET."),
    "digital": (
        "Situs layanan sulit dibuka",
        "Situs pendaftaran izin sering tidak bisa dibuka "
        "dari ponsel. Hubungi saya di 081234567890.",
    ),
    "infrastructure": (
        "Jalan desa berlubang",
        "Jalan penghubung desa berlubang besar dan membahayakan pengendara motor.",
    ),
    "other": ("Usulan taman bermain", "Mohon dibangun taman bermain anak di alun-alun."),
}
ANSWERS = (
    "Terima kasih atas laporan Anda. Petugas telah menindaklanjuti dan masalah sudah ditangani.",
    "Laporan telah kami teruskan ke bidang terkait; perbaikan dijadwalkan minggu ini.",
    "Mohon maaf atas ketidaknyamanan. Kami menambah petugas pada jam sibuk.",
)
NAMES = ("Sri Wahyuni", "Budi Santoso", "Agus Prasetyo", "Dewi Lestari", "Joko Susilo")


def seed(session: Session, context: Any) -> None:
    """News, profile pages, legal documents, and complaints in every state across the units."""
    rng = context.rng
    add_staff(session, context, "humas", "Bagian Humas dan Protokol", "portal_editor", context.root)
    add_staff(
        session,
        context,
        "pengaduan",
        "Pengelola Pengaduan Kabupaten",
        "portal_handler",
        context.root,
    )
    grant_staff_role(session, context, "humas", "portal_legal", context.root)
    editor = actor_of(session, "humas")
    handler = actor_of(session, "pengaduan")
    now = datetime.now(UTC)
    for index, (kind, title, summary, body) in enumerate(NEWS):
        content.save_post(
            session,
            editor,
            title=title,
            summary=summary,
            body=body,
            kind=kind,
            publish=True,
            publish_at=now - timedelta(days=index * 3 + 1),
            image_url="" if index else "/portal/static/favicon.svg",
            image_alt="" if index else "Lambang kabupaten",
        )
    content.save_post(session, editor, title="Rencana liputan festival (draf)", body="Draf.")
    for slug, title, weight, body in PAGES:
        content.save_page(session, editor, slug, title, body, weight)
    for doc_type, number, year, title, subject, field, abstract, amends, revokes in LEGAL:
        doc = legal.save_document(
            session,
            editor,
            doc_type=doc_type,
            number=number,
            year=year,
            title=title,
            subject=subject,
            field_of_law=field,
            abstract=abstract,
            body_text=f"{abstract} Bab I Ketentuan Umum. Pasal 1.",
            enacted_on=date(year, 3, 1),
            promulgated_on=date(year, 3, 2),
            place=context.root.name,
            amends=amends,
            revokes=revokes,
        )
        legal.attach_pdf(session, editor, doc.id, legal.render_document_pdf(doc, context.root.name))
    _complaints(session, context, handler, rng)
    context.samples["complaints"] = "/portal/complaints/new"


def _complaints(session: Session, context: Any, handler: Actor, rng: Any) -> None:
    from sqlalchemy import select

    from pamong.plugin import OrgUnit

    public = Actor.system("portal public form")
    villages = list(
        session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("desa", "kelurahan"))).limit(400))
    )
    kinds = ("complaint", "complaint", "complaint", "aspiration", "information", "whistleblowing")
    for n in range(COMPLAINTS):
        category = complaints.CATEGORIES[n % len(complaints.CATEGORIES)]
        title, body = TEXTS[category.code]
        name = NAMES[n % len(NAMES)]
        anonymous = n % 9 == 0
        day = context.today - timedelta(days=rng.randint(0, 120))
        complaint, code = complaints.submit(
            session,
            public,
            kind=kinds[n % len(kinds)],
            category=category.code,
            title=title,
            body=body,
            desa_code=rng.choice(villages).code if villages else "",
            name=name,
            phone=f"0812{rng.randint(10000000, 99999999)}",
            anonymous=anonymous,
            publish_consent=n % 3 != 0,
            today=day,
        )
        complaint.submitted_at = datetime.combine(day, time(2, 0), UTC)
        plan = n % 10
        if plan == 0:
            continue
        if plan == 1:
            complaints.postpone(session, handler, complaint.number, "Mohon lengkapi lokasi.")
            continue
        if plan == 2:
            complaints.forward(
                session,
                handler,
                complaint.number,
                "Balai Besar Wilayah Sungai",
                "Kewenangan pemerintah pusat.",
            )
            continue
        complaints.verify(session, handler, complaint.number)
        if plan == 3:
            continue
        complaints.answer(session, handler, complaint.number, ANSWERS[n % len(ANSWERS)])
        if plan >= 6:
            complaints.rate(
                session, public, complaint.number, code, rng.randint(3, 5), reopen=plan == 9
            )
    complaints.escalate_late(session, handler, context.today)

"""The card as a PDF at ID-1 size (85.60 x 53.98 mm), laid out like the KTP's front.

The card is an official document in Indonesian whatever the page language:
labels and values follow the printed KTP (``LAKI-LAKI``, ``BELUM KAWIN``,
``SEUMUR HIDUP``).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pamong.plugin import IssuedDocument, get_region, qr_svg, render_pdf, verify_url
from pamong_plugins.ktp.models import KtpCard
from pamong_plugins.ktp.photo import data_url

SEX = {"M": "LAKI-LAKI", "F": "PEREMPUAN"}
MARITAL = {
    "belum_kawin": "BELUM KAWIN",
    "kawin": "KAWIN",
    "cerai_hidup": "CERAI HIDUP",
    "cerai_mati": "CERAI MATI",
}
RELIGION = {"kepercayaan": "KEPERCAYAAN TERHADAP TUHAN YME"}


def _upper(value: str | None) -> str:
    return (value or "-").upper()


def rt_rw(rt: str | None, rw: str | None) -> str:
    """``3``, ``12`` -> ``003/012``, as the card prints them (a missing number is ``000``)."""
    return "/".join((part or "").strip().zfill(3) for part in (rt, rw))


def _date(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def place_of_issue(regency_name: str) -> str:
    """``Kabupaten Sragen`` -> ``SRAGEN``; a city keeps its name (``KOTA DUMAI`` -> ``DUMAI``)."""
    for prefix in ("Kabupaten ", "Kota "):
        if regency_name.startswith(prefix):
            return regency_name[len(prefix) :].upper()
    return regency_name.upper()


def card_context(
    session: Session, card: KtpCard, time_zone: str = "Asia/Jakarta"
) -> dict[str, object]:
    """Everything printed on the card, as strings; the issue date in the regency's zone."""
    application = card.application
    resident = application.resident
    desa = resident.domicile
    kecamatan = application.kecamatan
    regency_code = kecamatan.code.rsplit(".", 1)[0]
    regency = get_region(regency_code)
    province = get_region(regency_code.split(".")[0])
    regency_name = regency.name if regency else regency_code
    document = session.get(IssuedDocument, card.document_id)
    assert document is not None
    return {
        "province": f"PROVINSI {_upper(province.name if province else '')}",
        "regency": _upper(regency_name),
        "nik": resident.nik,
        "name": _upper(resident.name),
        "birth": f"{_upper(resident.birth_place)}, {_date(resident.birth_date)}",
        "sex": SEX.get(resident.sex, "-"),
        "blood_type": resident.blood_type or "-",  # as the registry holds it; "-" when unknown
        "address": _upper(resident.address),
        "rt_rw": rt_rw(resident.rt, resident.rw),
        "desa": _upper(desa.name),
        "kecamatan": _upper(kecamatan.name),
        "religion": RELIGION.get(resident.religion or "", _upper(resident.religion)),
        "marital": MARITAL.get(resident.marital_status or "", "-"),
        "occupation": _upper(resident.occupation),
        "citizenship": "WNI",
        "valid_until": _date(card.valid_until) if card.valid_until else "SEUMUR HIDUP",
        "place": place_of_issue(regency_name),
        "issued_on": _date(card.issued_at.astimezone(ZoneInfo(time_zone)).date()),
        "photo": data_url(application.photo, "image/jpeg") if application.photo else None,
        "signature": (
            data_url(application.signature, "image/png") if application.signature else None
        ),
        "qr": qr_svg(verify_url(document), scale=2),
        "number": application.tracking_number,
    }


def card_pdf(session: Session, card: KtpCard, time_zone: str = "Asia/Jakarta") -> bytes:
    """Render the card (needs a request context for the verification URL)."""
    return render_pdf("ktp/card.html", card=card_context(session, card, time_zone))

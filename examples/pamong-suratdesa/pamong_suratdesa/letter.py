"""The letter as a PDF, with a QR code leading to the core's public verify page."""

from __future__ import annotations

from pamong.plugin import (
    get_region,
    long_date,
    qr_svg,
    region_code,
    render_pdf,
    time_zone,
    verify_url,
)

from pamong_suratdesa.models import OFFICIAL_TITLES, SuratdesaLetter


def letter_pdf(letter: SuratdesaLetter) -> bytes:
    """Render an issued letter (needs a request: the QR code holds an absolute URL)."""
    assert letter.document is not None and letter.issued_at is not None
    regency = get_region(region_code())
    return render_pdf(
        "suratdesa/letter_pdf.html",
        letter=letter,
        title=OFFICIAL_TITLES[letter.kind].upper(),
        regency=regency.name if regency else region_code(),
        kecamatan=letter.desa.parent.name if letter.desa.parent else "",
        issued_on=long_date(letter.issued_at, "id", time_zone()),
        qr=qr_svg(verify_url(letter.document), scale=3),
    )

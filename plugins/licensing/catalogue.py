"""A starting catalogue: the typical one-stop office list (SOP days from Purbalingga).

Regencies edit it in the browser or import their own file; this is data,
not rules. IMB is PBG today (PP 16/2021) and business licences run through
OSS-RBA, so each regency keeps what it still issues itself.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pamong.plugin import (
    InvalidInput,
    TooDeep,
    _,
    contains_nul,
    csv_delimiter,
    load_json,
    nul_line,
)

_KTP_NPWP = ["Fotokopi KTP pemohon", "Surat permohonan"]

#: (code, name, is_permit, sop_days, fee_rule, fee_amount, fee_unit, validity_months,
#:  renewable, stages, extra requirements, legal basis)
TYPICAL: tuple[tuple[Any, ...], ...] = (
    (
        "IL",
        "Izin Lokasi",
        True,
        12,
        "fixed",
        500_000,
        "",
        36,
        False,
        ["inspection", "meeting"],
        ["Sketsa lokasi", "Bukti penguasaan tanah"],
        "Perda Kab. Sragen 4/2006",
    ),
    (
        "HO",
        "Izin Gangguan (HO)",
        True,
        10,
        "fixed",
        250_000,
        "",
        60,
        True,
        ["inspection"],
        ["Persetujuan tetangga", "Denah lokasi"],
        "Perda Kab. Sragen 4/2006",
    ),
    (
        "IMB",
        "Izin Mendirikan Bangunan (IMB/PBG)",
        True,
        5,
        "per_unit",
        5_000,
        "m2",
        None,
        False,
        ["inspection"],
        ["Gambar bangunan", "Bukti kepemilikan tanah"],
        "PP 16/2021",
    ),
    (
        "SIUP",
        "Surat Izin Usaha Perdagangan (SIUP)",
        True,
        3,
        "free",
        0,
        "",
        60,
        True,
        [],
        ["Akta pendirian usaha", "Izin Gangguan (HO)"],
        "Permendag 36/2007",
    ),
    (
        "IUI",
        "Izin Usaha Industri (IUI)",
        True,
        3,
        "free",
        0,
        "",
        None,
        False,
        ["inspection"],
        ["Akta pendirian usaha"],
        "PP 107/2015",
    ),
    (
        "TDI",
        "Tanda Daftar Industri (TDI)",
        True,
        3,
        "free",
        0,
        "",
        None,
        False,
        [],
        ["Akta pendirian usaha"],
        "Permenperin 41/2008",
    ),
    (
        "TDP",
        "Tanda Daftar Perusahaan (TDP)",
        True,
        3,
        "free",
        0,
        "",
        60,
        True,
        [],
        ["Akta pendirian usaha", "SIUP"],
        "UU 3/1982",
    ),
    (
        "REKLAME",
        "Izin Reklame",
        True,
        7,
        "per_unit",
        25_000,
        "m2",
        12,
        True,
        ["inspection"],
        ["Desain reklame", "Denah titik reklame"],
        "Perda Kab. Sragen 4/2006",
    ),
    (
        "IUJK",
        "Izin Usaha Jasa Konstruksi (IUJK)",
        True,
        5,
        "fixed",
        100_000,
        "",
        36,
        True,
        [],
        ["Sertifikat badan usaha", "Akta pendirian usaha"],
        "PP 4/2010",
    ),
    (
        "ANGKUT",
        "Izin Pengangkutan",
        True,
        5,
        "fixed",
        50_000,
        "",
        12,
        True,
        [],
        ["STNK kendaraan"],
        "Perda Kab. Sragen 4/2006",
    ),
    (
        "AIR",
        "Izin Penggunaan Tanah Pengairan",
        True,
        7,
        "fixed",
        150_000,
        "",
        60,
        True,
        ["inspection", "meeting"],
        ["Sketsa lokasi"],
        "Perda Kab. Sragen 4/2006",
    ),
    (
        "TDUP",
        "Tanda Daftar Usaha Pariwisata (TDUP)",
        True,
        3,
        "free",
        0,
        "",
        None,
        False,
        [],
        ["Akta pendirian usaha"],
        "Permenpar 18/2016",
    ),
    (
        "IUMK",
        "Izin Usaha Mikro Kecil (IUMK)",
        True,
        1,
        "free",
        0,
        "",
        None,
        False,
        [],
        ["Pas foto 3x4", "Surat keterangan usaha dari desa"],
        "Perpres 98/2014",
    ),
    (
        "IPR",
        "Izin Pemakaian Ruang Terbuka",
        True,
        3,
        "fixed",
        75_000,
        "",
        1,
        False,
        [],
        ["Denah lokasi"],
        "Perda Kab. Sragen 4/2006",
    ),
    (
        "SKRK",
        "Surat Keterangan Rencana Kota",
        False,
        3,
        "free",
        0,
        "",
        None,
        False,
        [],
        ["Sketsa lokasi"],
        "Perda RTRW Kab. Sragen",
    ),
    (
        "LEGAL",
        "Legalisasi Dokumen Perizinan",
        False,
        1,
        "free",
        0,
        "",
        None,
        False,
        [],
        ["Dokumen asli"],
        "Perbup Sragen",
    ),
    (
        "SKU",
        "Surat Keterangan Usaha",
        False,
        1,
        "free",
        0,
        "",
        None,
        False,
        [],
        ["Surat pengantar desa"],
        "Permendagri 4/2010",
    ),
    (
        "SKTM",
        "Rekomendasi Keringanan Retribusi",
        False,
        2,
        "free",
        0,
        "",
        None,
        False,
        [],
        ["Surat keterangan tidak mampu"],
        "Perbup Sragen",
    ),
    (
        "INFO",
        "Layanan Informasi dan Konsultasi Perizinan",
        False,
        1,
        "free",
        0,
        "",
        None,
        False,
        [],
        [],
        "UU 25/2009",
    ),
)

#: Types the bupati delegated to the camat under PATEN (Permendagri 4/2010).
DELEGATED = ("IMB", "IUMK", "REKLAME", "SKU", "IPR")


def typical_rows() -> list[dict[str, Any]]:
    """The typical catalogue as import rows (the same shape a CSV file gives)."""
    rows = []
    for (
        code,
        name,
        is_permit,
        sop,
        rule,
        amount,
        unit,
        months,
        renewable,
        stages,
        extra,
        basis,
    ) in TYPICAL:
        rows.append(
            {
                "code": code,
                "name": name,
                "is_permit": is_permit,
                "legal_basis": basis,
                "requirements": [*_KTP_NPWP, *extra],
                "sop_days": sop,
                "fee_rule": rule,
                "fee_amount": amount,
                "fee_unit": unit,
                "validity_months": months,
                "renewable": renewable,
                "level": "regency",
                "stages": stages,
            }
        )
    return rows


def parse_catalogue_file(filename: str, data: bytes) -> list[dict[str, Any]]:
    """Rows of a catalogue file: JSON (a list of objects) or CSV with a header line.

    In CSV, ``requirements`` and ``stages`` are separated by ``;``. Text that
    no database column may hold (NUL characters) and JSON nested deeper than
    a catalogue ever is are refused with a 422, like any other bad file.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            _("The file is not UTF-8 text (line %(line)d).", line=line), slug="invalid-import"
        ) from None
    line = nul_line(text)
    if line is not None:
        raise InvalidInput(
            _("Line %(line)d holds a NUL character: the file is not a text file.", line=line),
            slug="invalid-import",
        )
    if filename.lower().endswith(".json"):
        try:
            rows = load_json(text, max_depth=4)
        except TooDeep:
            raise InvalidInput(
                _("The JSON file nests too deeply for a catalogue."), slug="invalid-import"
            ) from None
        except ValueError:
            raise InvalidInput("The file is not valid JSON.", slug="invalid-import") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput("A JSON catalogue is a list of objects.", slug="invalid-import")
        if contains_nul(rows):
            raise InvalidInput(_("The file holds a NUL character."), slug="invalid-import")
        return rows
    try:
        delimiter = csv_delimiter(text.partition("\n")[0])
        return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput(
            _("The file is not valid CSV (%(problem)s).", problem=str(exc)), slug="invalid-import"
        ) from None

"""Parse and check the NIK (Nomor Induk Kependudukan), the resident's ID number.

A NIK is 16 digits, ``PP KK CC DDMMYY SSSS`` (PP 40/2019 on population
administration; layout as issued by Dukcapil):

* ``PP KK CC`` — province, regency or city (01-69 kabupaten, 71-99 kota) and
  kecamatan where the number was issued: the dotted region code ``PP.KK.CC``.
  No part may be ``00``.
* ``DDMMYY`` — birth date. Women's day is increased by 40 (41-71), so days
  00, 32-40 and 72+ are impossible, as is a date that does not exist (30 Feb).
  The century is not written; see :func:`parse_nik`.
* ``SSSS`` — serial among people of that kecamatan, birth date and sex, from
  0001.

The number never changes, even when the region is later split or renamed, so
a code missing from today's region table is only a warning. Everything is
reported as stable machine codes (see :data:`MESSAGES`); the web layer
translates them. This runs for every row of a bulk import, hence the plain
slicing and integer arithmetic instead of regexes or ``strptime``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pamong.regions import is_known_region

__all__ = [
    "MESSAGES",
    "NikResult",
    "birth_digits",
    "clean_nik",
    "kecamatan_is_known",
    "mask_nik",
    "parse_nik",
]


def N_(message: str) -> str:
    """Mark a string for translation without translating it here (see babel.cfg)."""
    return message


#: One short English sentence per error and warning code; pages translate them.
MESSAGES: dict[str, str] = {
    # errors
    "not_16_digits": N_("A NIK must be exactly 16 digits."),
    "bad_province": N_("The province part (digits 1-2) must not be 00."),
    "bad_regency": N_("The regency or city part (digits 3-4) must not be 00."),
    "bad_kecamatan": N_("The kecamatan part (digits 5-6) must not be 00."),
    "bad_birth_day": N_("The birth day (digits 7-8) must be 01-31, or 41-71 for women."),
    "bad_birth_month": N_("The birth month (digits 9-10) must be 01-12."),
    "invalid_birth_date": N_("The birth date in the NIK does not exist."),
    "zero_serial": N_("The serial number (last four digits) must not be 0000."),
    # warnings
    "unknown_region": N_("The NIK's kecamatan is not in the current region table."),
    "birth_date_mismatch": N_("The birth date in the NIK differs from the recorded birth date."),
    "birth_in_future": N_("The birth date in the NIK lies in the future."),
    # raised by pamong.identity.services.nik_warnings, shown alongside the others
    "sex_mismatch": N_("The sex encoded in the NIK differs from the recorded sex."),
}

# Whitespace goes via str.split(); these are the dots and dashes people type.
_PUNCTUATION = str.maketrans(dict.fromkeys(".-\u2010\u2011\u2012\u2013\u2014\u2212"))


@dataclass(frozen=True, slots=True)
class NikResult:
    """What :func:`parse_nik` found.

    ``value`` is the cleaned number (16 digits when the shape is right).
    ``region_code``, ``birth_date``, ``sex`` and ``serial`` are None when
    their part is invalid (or the shape is wrong), so they only ever hold
    checked data.
    """

    value: str
    valid: bool
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    region_code: str | None
    birth_date: date | None
    sex: str | None
    serial: str | None


def clean_nik(value: str) -> str:
    """Drop whitespace, dots and dashes: ``"33.1401 120890-0001"`` -> 16 digits.

    Does not validate; raises TypeError if ``value`` is not a str.
    """
    if not isinstance(value, str):
        raise TypeError(f"NIK must be a str, not {type(value).__name__}")
    return "".join(value.split()).translate(_PUNCTUATION)


def mask_nik(nik: str) -> str:
    """The NIK for display to people without access to it: ``3314********0001``.

    Keeps the first and last four digits (region and serial); a value of eight
    characters or fewer is masked entirely, since nothing would be hidden.
    """
    digits = clean_nik(nik)
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def parse_nik(
    value: str, *, reference_date: date | None = None, known_birth_date: date | None = None
) -> NikResult:
    """Check a NIK and decode its region, birth date, sex and serial.

    ``value`` is cleaned with :func:`clean_nik` first. A value that is not 16
    ASCII digits gets the single error ``not_16_digits``; otherwise every
    error is reported, in digit order. ``valid`` means no errors; warnings
    (``unknown_region``, ``birth_date_mismatch``, ``birth_in_future``) never
    make a NIK invalid.

    The year has two digits: ``yy`` up to the year of ``reference_date``
    (default: today) is in that century (``26`` -> 2026 in 2026), a later one
    in the century before (``27`` -> 1927). A ``known_birth_date`` with the
    same day, month and ``yy`` settles the century instead (a 1925 birth
    stays 1925); one that differs gives ``birth_date_mismatch``. Bulk imports
    should pass one ``reference_date`` for all rows: consistent across
    midnight, and it saves reading the clock per row.

    Raises TypeError if ``value`` is not a str: numbers lose leading zeros.
    """
    if value.__class__ is not str or len(value) != 16 or not (value.isascii() and value.isdigit()):
        value = clean_nik(value)
        if len(value) != 16 or not (value.isascii() and value.isdigit()):
            return NikResult(value, False, ("not_16_digits",), (), None, None, None, None)

    errors: list[str] = []
    warnings: list[str] = []

    province, regency, kecamatan = value[0:2], value[2:4], value[4:6]
    region_code: str | None = None
    if province == "00":
        errors.append("bad_province")
    if regency == "00":
        errors.append("bad_regency")
    if kecamatan == "00":
        errors.append("bad_kecamatan")
    if not errors:
        region_code = f"{province}.{regency}.{kecamatan}"
        if not is_known_region(region_code):
            warnings.append("unknown_region")

    day = int(value[6:8])
    month = int(value[8:10])
    yy = int(value[10:12])
    birth_date: date | None = None
    sex: str | None = None
    if 1 <= day <= 31:
        sex = "M"
    elif 41 <= day <= 71:
        sex = "F"
        day -= 40
    else:
        errors.append("bad_birth_day")
    if not 1 <= month <= 12:
        errors.append("bad_birth_month")
        sex = None
    if sex is not None:
        if reference_date is None:
            reference_date = date.today()
        known = known_birth_date
        if known is not None and (known.day, known.month, known.year % 100) == (day, month, yy):
            year = known.year
            known = None  # it settled the century; nothing left to compare
        else:
            ref_yy = reference_date.year % 100
            year = reference_date.year - ref_yy + yy - (100 if yy > ref_yy else 0)
        try:
            birth_date = date(year, month, day)
        except ValueError:
            errors.append("invalid_birth_date")
            sex = None
        else:
            if known is not None:
                warnings.append("birth_date_mismatch")
            if birth_date > reference_date:
                warnings.append("birth_in_future")

    serial: str | None = value[12:16]
    if serial == "0000":
        errors.append("zero_serial")
        serial = None

    return NikResult(
        value, not errors, tuple(errors), tuple(warnings), region_code, birth_date, sex, serial
    )


def birth_digits(birth_date: date, sex: str) -> str:
    """The ``DDMMYY`` digits (7-12) a NIK carries for a birth date and sex (``M``/``F``).

    A NIK of 16 digits whose digits 7-12 are these, whose serial is not
    ``0000`` and whose first six digits pass :func:`kecamatan_is_known` is
    what :func:`parse_nik` calls valid without a warning, given that birth
    date (not after the reference date) as ``known_birth_date``: a bulk
    import checks that much per row and parses only the NIKs that differ.
    """
    day = birth_date.day + 40 if sex == "F" else birth_date.day
    return f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"


def kecamatan_is_known(digits: str) -> bool:
    """True when a NIK's first six digits name a kecamatan of today's region table."""
    province, regency, kecamatan = digits[0:2], digits[2:4], digits[4:6]
    return "00" not in (province, regency, kecamatan) and is_known_region(
        f"{province}.{regency}.{kecamatan}"
    )

"""The NIK parser: ``PP KK CC DDMMYY SSSS``, women's day + 40, century rule.

Most NIKs here are issued in kecamatan 33.14.01 (Kalijambe, Kabupaten Sragen).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pamong.identity.nik import (
    MESSAGES,
    NikResult,
    birth_digits,
    clean_nik,
    kecamatan_is_known,
    mask_nik,
    parse_nik,
)
from pamong.regions import is_known_region

REF = date(2026, 6, 1)


def parse(value: str, **kwargs) -> NikResult:
    kwargs.setdefault("reference_date", REF)
    return parse_nik(value, **kwargs)


# --- valid numbers ----------------------------------------------------------


def test_a_mans_nik_decodes_region_birth_date_sex_and_serial():
    result = parse("3314011208900001")

    assert result == NikResult(
        value="3314011208900001",
        valid=True,
        errors=(),
        warnings=(),
        region_code="33.14.01",
        birth_date=date(1990, 8, 12),
        sex="M",
        serial="0001",
    )


def test_a_womans_birth_day_is_increased_by_40():
    result = parse("3314015208900001")

    assert result.valid
    assert result.birth_date == date(1990, 8, 12)
    assert result.sex == "F"


@pytest.mark.parametrize(
    ("day", "sex", "birth_day"),
    [("01", "M", 1), ("31", "M", 31), ("41", "F", 1), ("71", "F", 31)],
)
def test_the_day_ranges_01_31_and_41_71_are_valid(day, sex, birth_day):
    result = parse(f"331401{day}01900001")

    assert result.valid
    assert (result.sex, result.birth_date) == (sex, date(1990, 1, birth_day))


def test_a_city_code_and_the_unused_regency_70_are_structurally_fine():
    # Only 00 is forbidden; whether the code exists is the region table's job.
    assert parse("3372011208900001").errors == ()
    assert parse("3370011208900001").errors == ()


# --- birth date errors ------------------------------------------------------


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_days_00_32_to_40_and_72_up_are_invalid(day):
    result = parse(f"331401{day}08900001")

    assert result.errors == ("bad_birth_day",)
    assert not result.valid
    assert (result.birth_date, result.sex) == (None, None)


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_months_outside_01_12_are_invalid(month):
    result = parse(f"33140112{month}900001")

    assert result.errors == ("bad_birth_month",)
    assert (result.birth_date, result.sex) == (None, None)


@pytest.mark.parametrize("day", ["30", "70"], ids=["man", "woman"])
def test_30_february_does_not_exist(day):
    result = parse(f"331401{day}02900001")

    assert result.errors == ("invalid_birth_date",)
    assert (result.birth_date, result.sex) == (None, None)


def test_29_february_is_valid_in_a_leap_year():
    assert parse("3314012902200001").birth_date == date(2020, 2, 29)


def test_29_february_is_invalid_in_a_common_year():
    assert parse("3314012902210001").errors == ("invalid_birth_date",)


def test_29_february_00_is_valid_because_the_century_rule_gives_2000():
    assert parse("3314012902000001").birth_date == date(2000, 2, 29)


def test_a_bad_birth_date_still_yields_region_and_serial():
    result = parse("3314013502900042")

    assert result.region_code == "33.14.01"
    assert result.serial == "0042"


# --- region and serial errors -----------------------------------------------


@pytest.mark.parametrize(
    ("nik", "error"),
    [
        ("0014011208900001", "bad_province"),
        ("3300011208900001", "bad_regency"),
        ("3314001208900001", "bad_kecamatan"),
    ],
)
def test_a_00_region_part_is_invalid(nik, error):
    result = parse(nik)

    assert result.errors == (error,)
    assert result.region_code is None
    assert result.birth_date == date(1990, 8, 12)


def test_serial_0000_is_invalid():
    result = parse("3314011208900000")

    assert result.errors == ("zero_serial",)
    assert result.serial is None
    assert result.region_code == "33.14.01"
    assert result.birth_date == date(1990, 8, 12)


def test_all_errors_are_reported_together_in_digit_order():
    result = parse("0000003213990000")

    assert result.errors == (
        "bad_province",
        "bad_regency",
        "bad_kecamatan",
        "bad_birth_day",
        "bad_birth_month",
        "zero_serial",
    )
    assert not result.valid


# --- unknown region ---------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "region"),
    [
        # Merauke was 91.01 until Papua Selatan (93) was split off in 2022.
        ("9101011208900001", "91.01.01"),
        ("9999991208900001", "99.99.99"),
    ],
)
def test_a_region_missing_from_the_table_is_a_warning_not_an_error(nik, region):
    assert not is_known_region(region)

    result = parse(nik)

    assert result.valid
    assert result.warnings == ("unknown_region",)
    assert result.region_code == region


# --- input hygiene ----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "33.1401 120890-0001",
        " 3314 0112 0890 0001\n",
        "33-14-01-120890-0001",
        "33.14.01\t120890\u00a00001",
        "3314011208900001",
    ],
)
def test_spaces_dots_and_dashes_are_ignored(raw):
    result = parse(raw)

    assert result.valid
    assert result.value == "3314011208900001"


def test_clean_nik_only_strips_and_does_not_validate():
    assert clean_nik(" 33.14-0x ") == "33140x"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("", ""),
        ("331401120890001", "331401120890001"),
        ("33140112089000011", "33140112089000011"),
        ("33.14.01 120890 001", "331401120890001"),
    ],
    ids=["empty", "15 digits", "17 digits", "15 after cleaning"],
)
def test_a_wrong_length_is_the_only_error_and_nothing_is_parsed(raw, cleaned):
    assert parse(raw) == NikResult(
        value=cleaned,
        valid=False,
        errors=("not_16_digits",),
        warnings=(),
        region_code=None,
        birth_date=None,
        sex=None,
        serial=None,
    )


@pytest.mark.parametrize(
    "raw",
    [
        "33140112089000O1",  # letter O
        "331401120890000x",  # letter at the end
        "３３１４０１１２０８９００００１",  # full-width digits
        "٣٣١٤٠١١٢٠٨٩٠٠٠٠١",  # Arabic-Indic digits
    ],
)
def test_anything_but_ascii_digits_is_rejected(raw):
    assert parse(raw).errors == ("not_16_digits",)


@pytest.mark.parametrize("raw", [3314011208900001, None, b"3314011208900001"])
def test_a_non_string_raises_type_error(raw):
    with pytest.raises(TypeError):
        parse_nik(raw)


# --- century ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("yy", "year"),
    [("26", 2026), ("00", 2000), ("27", 1927), ("99", 1999)],
)
def test_yy_up_to_the_reference_year_is_20yy_and_later_is_19yy(yy, year):
    assert parse(f"3314010101{yy}0001").birth_date == date(year, 1, 1)


def test_the_reference_date_defaults_to_today():
    today = date.today()

    result = parse_nik(f"3314010101{today.year % 100:02d}0001")

    assert result.birth_date == date(today.year, 1, 1)


def test_a_known_birth_date_settles_the_century():
    # Born 1925: the rule alone says 2025.
    assert parse("3314011208250001").birth_date == date(2025, 8, 12)

    result = parse("3314011208250001", known_birth_date=date(1925, 8, 12))

    assert result.birth_date == date(1925, 8, 12)
    assert result.warnings == ()


def test_a_known_birth_date_settles_the_century_for_a_woman_too():
    result = parse("3314015208250001", known_birth_date=date(1925, 8, 12))

    assert (result.birth_date, result.sex) == (date(1925, 8, 12), "F")


def test_a_differing_known_birth_date_is_a_warning_and_the_nik_date_is_kept():
    result = parse("3314011208900001", known_birth_date=date(1990, 8, 13))

    assert result.valid
    assert result.warnings == ("birth_date_mismatch",)
    assert result.birth_date == date(1990, 8, 12)


def test_an_invalid_nik_date_gives_no_mismatch_warning():
    result = parse("3314013502900001", known_birth_date=date(1990, 2, 3))

    assert result.errors == ("bad_birth_day",)
    assert result.warnings == ()


def test_a_date_later_this_year_is_a_future_birth_warning():
    # yy = 26 means 2026 by the rule, but 15 December is after REF.
    result = parse("3314011512260001")

    assert result.valid
    assert result.birth_date == date(2026, 12, 15)
    assert result.warnings == ("birth_in_future",)


# --- display and messages ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("3314011208900001", "3314********0001"),
        ("33.1401 120890-0001", "3314********0001"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_mask_nik_keeps_only_the_first_and_last_four_digits(raw, masked):
    assert mask_nik(raw) == masked


@pytest.mark.parametrize(
    "code",
    [
        "not_16_digits",
        "bad_province",
        "bad_regency",
        "bad_kecamatan",
        "bad_birth_day",
        "bad_birth_month",
        "invalid_birth_date",
        "zero_serial",
        "unknown_region",
        "birth_date_mismatch",
        "birth_in_future",
    ],
)
def test_every_code_has_a_message(code):
    assert MESSAGES[code].endswith(".")


def test_the_result_is_immutable():
    result = parse("3314011208900001")

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = False  # type: ignore[misc]


# --- the bulk import's shortcut: a NIK that plainly agrees with its row -------------

_DIGIT_STRINGS = st.text(alphabet="0123456789", min_size=16, max_size=16)


@settings(max_examples=400, deadline=None)
@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 30)),
    sex=st.sampled_from("MF"),
    kecamatan=st.sampled_from(["33.14.01", "33.14.20", "31.71.01", "33.14.99", "99.99.99"]),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_a_nik_carrying_the_birth_digits_is_valid_without_warnings(born, sex, kecamatan, serial):
    """What :func:`birth_digits` and :func:`kecamatan_is_known` promise about :func:`parse_nik`."""
    region = kecamatan.replace(".", "")
    value = f"{region}{birth_digits(born, sex)}{serial:04d}"
    parsed = parse_nik(value, reference_date=date(2026, 12, 1), known_birth_date=born)
    plain = serial != 0 and kecamatan_is_known(region)
    assert (parsed.valid and not parsed.warnings and parsed.sex == sex) is plain
    if plain:
        assert parsed.birth_date == born


@settings(max_examples=400, deadline=None)
@given(
    value=_DIGIT_STRINGS,
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 30)),
    sex=st.sampled_from("MF"),
    shaped=st.sampled_from(["", "331401", "331420", "000000"]),
)
def test_the_import_finds_the_issues_parse_nik_finds(value, born, sex, shaped):
    """The import's shortcut (no parse when the NIK plainly agrees) changes no result."""
    from pamong.accounts.permissions import Actor
    from pamong.identity.importer import _Converter

    today = date(2026, 12, 1)
    if shaped:  # a NIK of the row's birth date and sex, in a known kecamatan or not
        value = shaped + birth_digits(born, sex) + value[12:]
    convert = _Converter(["nik"], {}, Actor.system("test"), today)
    issues, review = convert._nik_issues(value, born, birth_digits(born, sex), sex)
    parsed = parse_nik(value, reference_date=today, known_birth_date=born)
    expected = [*parsed.errors, *parsed.warnings]
    if parsed.sex and parsed.sex != sex:
        expected.append("sex_mismatch")
    assert (json.loads(issues), review) == (expected, int(not parsed.valid))


def test_birth_digits_add_forty_to_a_womans_day():
    assert birth_digits(date(1990, 8, 12), "M") == "120890"
    assert birth_digits(date(1990, 8, 12), "F") == "520890"
    assert not kecamatan_is_known("330014")

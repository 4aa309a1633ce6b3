"""Money, dates and amounts in words as people read them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pamong.formatting import amount_in_words, long_date, month_name, rupiah


@pytest.mark.parametrize(
    ("amount", "text"),
    [(1_500_000, "Rp1.500.000"), (5000, "Rp5.000"), (0, "Rp0"), (-2500, "-Rp2.500")],
)
def test_rupiah(amount, text):
    assert rupiah(amount) == text


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        rupiah(1.5)
    with pytest.raises(TypeError):
        amount_in_words(2.0)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "nol rupiah"),
        (11, "sebelas rupiah"),
        (100, "seratus rupiah"),
        (1000, "seribu rupiah"),
        (1100, "seribu seratus rupiah"),
        (5000, "lima ribu rupiah"),
        (1_500_000, "satu juta lima ratus ribu rupiah"),
        (1_000_000_000, "satu miliar rupiah"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_long_date_in_both_languages():
    assert long_date(date(2026, 11, 22)) == "22 November 2026"
    assert long_date(date(2026, 8, 17), "en") == "17 August 2026"
    assert long_date(date(2026, 8, 17)) == "17 Agustus 2026"


def test_a_timestamp_is_shown_in_the_regency_time_zone():
    late = datetime(2026, 11, 22, 18, 30, tzinfo=UTC)  # 01:30 on the 23rd in WIB
    assert long_date(late, tz="Asia/Jakarta") == "23 November 2026"
    assert long_date(late, tz="America/New_York") == "22 November 2026"


def test_a_month_is_named_in_the_page_language():
    assert month_name("2026-08") == "Agustus 2026"
    assert month_name("2026-08", "en") == "August 2026"
    assert month_name("*") == "*"  # not a month: shown as it is

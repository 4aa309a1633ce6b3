"""Working days: weekends, national holidays, cuti bersama, regency closures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pamong.workdays import (
    WorkCalendar,
    add_working_days,
    current_calendar,
    is_working_day,
    working_days_between,
)


def test_a_weekend_is_not_a_working_day():
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert is_working_day(date(2026, 11, 23))  # Monday


def test_idul_fitri_2026_and_its_cuti_bersama_are_skipped():
    # Nyepi 19 March, cuti bersama 20, Idul Fitri 21-22, cuti bersama 23-24.
    assert add_working_days(date(2026, 3, 18), 1) == date(2026, 3, 25)
    assert working_days_between(date(2026, 3, 13), date(2026, 3, 31)) == 7


def test_year_end_skips_christmas_and_its_cuti_bersama():
    assert add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)  # 1 Jan is a holiday


def test_the_start_day_itself_is_not_counted():
    assert add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    assert add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    assert add_working_days(date(2026, 8, 17), 1) == date(2026, 8, 18)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1)


def test_between_is_zero_when_end_is_not_after_start():
    assert working_days_between(date(2026, 5, 5), date(2026, 5, 5)) == 0
    assert working_days_between(date(2026, 5, 6), date(2026, 5, 5)) == 0


def test_a_regency_closure_is_not_a_working_day():
    closure = date(2026, 11, 24)
    calendar = WorkCalendar([closure])
    assert add_working_days(date(2026, 11, 23), 1, calendar=calendar) == date(2026, 11, 25)
    assert calendar.holiday_name(closure) == "Libur daerah"


def test_holiday_names_are_indonesian():
    assert current_calendar().holiday_name(date(2026, 8, 17)) == (
        "Hari Kemerdekaan Republik Indonesia"
    )


def test_the_app_calendar_includes_the_configured_closures(enable_plugins):
    app = enable_plugins(extra_closures="2026-11-24,2026-11-25")
    with app.app_context():
        assert add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 26)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=400),
)
def test_between_undoes_add(start, days):
    assert working_days_between(start, add_working_days(start, days)) == days


def test_a_long_span_is_quick_enough_to_compute():
    end = add_working_days(date(2000, 1, 3), 5000)
    assert end - date(2000, 1, 3) > timedelta(days=7000)

"""SLA in working days: Idul Fitri 2026, year end, the clock pause, speed-up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pamong.workdays import WorkCalendar, is_working_day
from pamong_plugins.licensing.sla import sla_status

CAL = WorkCalendar()


def test_idul_fitri_2026_and_its_cuti_bersama_are_not_working_days():
    # Nyepi 19 March, Idul Fitri 21-22 March 2026, cuti bersama around them (holidays package).
    assert not any(is_working_day(date(2026, 3, d), calendar=CAL) for d in (18, 19, 20, 23, 24))
    assert is_working_day(date(2026, 3, 25), calendar=CAL)


def test_a_five_day_permit_received_before_lebaran_is_due_after_it():
    status = sla_status(received_on=date(2026, 3, 16), sop_days=5, today=date(2026, 3, 16))
    # 17 (working), 18-24 closed (Nyepi, Idul Fitri, cuti bersama), 25, 26, 27, 30.
    assert status.due_on == date(2026, 3, 30)
    assert status.days_used == 0
    assert status.days_left == 5


def test_days_used_skip_the_lebaran_weeks():
    status = sla_status(received_on=date(2026, 3, 16), sop_days=5, today=date(2026, 3, 25))
    assert status.days_used == 2  # 17 and 25 March
    assert not status.overdue


def test_year_end_closures_push_the_due_date_into_january():
    # 24 Dec 2026 cuti bersama, 25 Dec Christmas, 1 Jan 2027 New Year (from the package):
    # from Wednesday 23 Dec the working days are 28, 29, 30, 31 Dec and 4 Jan.
    assert not CAL.is_working_day(date(2026, 12, 24))
    assert not CAL.is_working_day(date(2027, 1, 1))
    status = sla_status(received_on=date(2026, 12, 23), sop_days=5, today=date(2026, 12, 23))
    assert status.due_on == date(2027, 1, 4)
    # 5 Jan 2027 is Isra Mikraj: on 6 Jan six working days are used.
    late = sla_status(received_on=date(2026, 12, 23), sop_days=5, today=date(2027, 1, 6))
    assert late.days_used == 6 and late.overdue and not late.near_due


def test_the_clock_stops_while_the_file_is_with_the_applicant():
    running = sla_status(
        received_on=date(2026, 6, 1),  # Monday
        sop_days=5,
        today=date(2026, 6, 12),
        paused_since=date(2026, 6, 3),
    )
    assert running.paused
    assert running.days_used == 2  # 2 and 3 June only
    assert not running.overdue
    assert not running.near_due


def test_returned_days_are_not_counted_after_the_file_comes_back():
    status = sla_status(
        received_on=date(2026, 6, 1),
        sop_days=5,
        today=date(2026, 6, 16),
        paused_days=7,  # 4-12 June with the applicant
        finished_on=date(2026, 6, 16),
    )
    # (1 June, 16 June] has 10 working days (Idul Adha 27 May is earlier); minus 7 paused.
    total = sum(CAL.is_working_day(date(2026, 6, d)) for d in range(2, 17))
    assert status.days_used == total - 7
    assert status.finished


def test_overdue_and_near_due_flags():
    near = sla_status(received_on=date(2026, 7, 6), sop_days=3, today=date(2026, 7, 8))
    assert near.days_left == 1 and near.near_due and not near.overdue
    late = sla_status(received_on=date(2026, 7, 6), sop_days=3, today=date(2026, 7, 13))
    assert late.overdue and late.days_left < 0


def test_speed_up_against_the_sop_time_in_percent():
    status = sla_status(
        received_on=date(2026, 7, 6),
        sop_days=10,
        today=date(2026, 8, 1),
        finished_on=date(2026, 7, 9),
    )
    assert status.days_used == 3
    assert status.speedup_percent == Decimal("70.0")

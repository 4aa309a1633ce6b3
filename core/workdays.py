"""Working days of Indonesian government offices.

A working day is Monday to Friday, not a national holiday, not a *cuti
bersama* (the collective leave days set by joint ministerial decree) and not
a closure the regency declared itself (``extra_closures`` in
``pamong.toml``). Holidays come from the ``holidays`` package
(``country_holidays("ID", categories=("public", "government"))``).

>>> from datetime import date
>>> add_working_days(date(2026, 3, 19), 1)   # Nyepi, then Idul Fitri and cuti bersama
datetime.date(2026, 3, 25)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_app_context

__all__ = [
    "WorkCalendar",
    "add_working_days",
    "current_calendar",
    "is_working_day",
    "working_days_between",
]


class WorkCalendar:
    """Weekends, national holidays, cuti bersama and a regency's own closures."""

    def __init__(self, extra_closures: Iterable[date] = ()) -> None:
        self.extra_closures = frozenset(extra_closures)

    @functools.cached_property
    def _holidays(self) -> Any:
        # Imported and built on first use (about 0.1 s): app creation and the CLI need none.
        import holidays

        return holidays.country_holidays("ID", language="id", categories=("public", "government"))

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday or closure on ``day``, or None."""
        if day in self.extra_closures:
            return "Libur daerah"
        return self._holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays and day not in self.extra_closures


_NATIONAL = WorkCalendar()


def current_calendar() -> WorkCalendar:
    """The calendar of the running app (with its closures), else the national one."""
    if has_app_context():
        state = current_app.extensions.get("pamong")
        if state is not None:
            if state.calendar is None:
                state.calendar = WorkCalendar(state.settings.extra_closures)
            return state.calendar
    return _NATIONAL


def is_working_day(day: date, *, calendar: WorkCalendar | None = None) -> bool:
    """Whether offices open on ``day``: not a weekend, holiday, cuti bersama or closure."""
    return (calendar or current_calendar()).is_working_day(day)


def add_working_days(start: date, days: int, *, calendar: WorkCalendar | None = None) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted).

    ``days=0`` returns ``start`` unchanged. A due date of "5 working days"
    from a Friday application is the Friday after, holidays permitting.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    cal = calendar or current_calendar()
    day = start
    while days:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            days -= 1
    return day


def working_days_between(start: date, end: date, *, calendar: WorkCalendar | None = None) -> int:
    """How many working days lie in (start, end]: 0 when ``end`` is not after ``start``."""
    cal = calendar or current_calendar()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count

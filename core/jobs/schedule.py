"""When a job is due: a cron expression in the regency's zone (working days only, if
asked), or a fixed interval.

Due times are computed, never stored ahead: every worker derives the same
due times from the job's declaration and the moment it was first seen, so
the database needs only one row per run to know what has run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from pamong.hooks import WorkerJob
from pamong.i18n import gettext as _
from pamong.i18n import ngettext
from pamong.workdays import WorkCalendar

#: How far back (in cron steps) to look for a working day: an hourly job over
#: the longest Lebaran break stays well inside it.
MAX_STEPS = 2000
_TINY = timedelta(microseconds=1)


def schedule_problem(job: WorkerJob) -> str | None:
    """Why a job's schedule cannot be used, or None when it is fine."""
    if job.schedule:
        if not croniter.is_valid(job.schedule):
            return f"worker job {job.name!r}: {job.schedule!r} is not a cron expression"
    elif job.working_days:
        return f"worker job {job.name!r}: working_days needs a cron schedule"
    elif job.interval_seconds < 1:
        return f"worker job {job.name!r}: interval_seconds must be at least 1"
    if job.timeout_seconds < 1:
        return f"worker job {job.name!r}: timeout_seconds must be at least 1"
    return None


def latest_due(
    job: WorkerJob, now: datetime, *, anchor: datetime, tz: str, calendar: WorkCalendar
) -> datetime | None:
    """The latest due time at or before ``now`` and not before ``anchor`` (UTC), or None."""
    if job.schedule:
        it = croniter(job.schedule, now.astimezone(ZoneInfo(tz)) + _TINY)
        for _step in range(MAX_STEPS):
            due: datetime = it.get_prev(datetime)
            if due < anchor:
                return None
            if not job.working_days or calendar.is_working_day(due.date()):
                return due.astimezone(UTC)
        return None
    if now < anchor:
        return None
    interval = timedelta(seconds=job.interval_seconds)
    return anchor + ((now - anchor) // interval) * interval


def previous_due(
    job: WorkerJob, due: datetime, *, anchor: datetime, tz: str, calendar: WorkCalendar
) -> datetime | None:
    """The due time before ``due`` (not before ``anchor``), or None."""
    return latest_due(job, due - _TINY, anchor=anchor, tz=tz, calendar=calendar)


def next_due(
    job: WorkerJob, now: datetime, *, anchor: datetime, tz: str, calendar: WorkCalendar
) -> datetime | None:
    """The first due time after ``now`` (UTC), or None when none comes soon."""
    if job.schedule:
        it = croniter(job.schedule, now.astimezone(ZoneInfo(tz)))
        for _step in range(MAX_STEPS):
            due: datetime = it.get_next(datetime)
            if not job.working_days or calendar.is_working_day(due.date()):
                return due.astimezone(UTC)
        return None
    if now < anchor:
        return anchor
    interval = timedelta(seconds=job.interval_seconds)
    return anchor + ((now - anchor) // interval + 1) * interval


def describe(job: WorkerJob, zone_label: str) -> str:
    """The schedule in words for the admin page: "Working days at 08:00 WIB"."""
    if not job.schedule:
        seconds = job.interval_seconds
        if seconds % 3600 == 0:
            return ngettext("Every hour", "Every %(num)s hours", seconds // 3600)
        if seconds % 60 == 0:
            return ngettext("Every minute", "Every %(num)s minutes", seconds // 60)
        return ngettext("Every second", "Every %(num)s seconds", seconds)
    fields = job.schedule.split()
    if (
        len(fields) == 5
        and fields[2:] == ["*", "*", "*"]
        and fields[0].isdigit()
        and fields[1].isdigit()
    ):
        at = f"{int(fields[1]):02d}:{int(fields[0]):02d} {zone_label}"
        if job.working_days:
            return _("Working days at %(time)s", time=at)
        return _("Daily at %(time)s", time=at)
    if job.working_days:
        return _("Cron %(expr)s (%(zone)s), working days only", expr=job.schedule, zone=zone_label)
    return _("Cron %(expr)s (%(zone)s)", expr=job.schedule, zone=zone_label)

"""Service-level time in working days: due date, days used, pauses, speed-up.

The clock runs from the day a complete file is received to the decision,
in working days of :mod:`pamong.workdays` (weekends, national holidays,
cuti bersama and the regency's own closures excluded). While a file is
returned to the applicant for missing documents, the clock stops: those
working days are added to ``paused_days`` when the file comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pamong.plugin import WorkCalendar, add_working_days, working_days_between

#: A file is "near due" when this many working days or fewer are left.
NEAR_DUE_DAYS = 1


@dataclass(frozen=True)
class SlaStatus:
    """Where a file stands against its SOP time (working days)."""

    sop_days: int
    due_on: date
    days_used: int
    days_left: int
    paused: bool
    finished: bool
    overdue: bool
    near_due: bool
    #: ``(SOP - used) / SOP`` in percent, once finished (None before or with SOP 0).
    speedup_percent: Decimal | None


def sla_status(
    *,
    received_on: date,
    sop_days: int,
    today: date,
    paused_days: int = 0,
    paused_since: date | None = None,
    finished_on: date | None = None,
    near_due_days: int = NEAR_DUE_DAYS,
    calendar: WorkCalendar | None = None,
) -> SlaStatus:
    """The SLA of a file received on ``received_on`` with SOP ``sop_days``.

    ``paused_days`` are working days already spent with the applicant;
    ``paused_since`` is set while the file is with the applicant now.
    ``finished_on`` stops the clock (the decision day).
    """
    kw = {"calendar": calendar} if calendar else {}
    end = finished_on or today
    running_pause = 0
    if paused_since is not None and finished_on is None:
        running_pause = working_days_between(paused_since, end, **kw)
    used = max(0, working_days_between(received_on, end, **kw) - paused_days - running_pause)
    due_on = add_working_days(received_on, sop_days + paused_days + running_pause, **kw)
    left = sop_days - used
    finished = finished_on is not None
    paused = paused_since is not None and not finished
    speedup = None
    if finished and sop_days > 0:
        speedup = (Decimal(sop_days - used) * 100 / Decimal(sop_days)).quantize(Decimal("0.1"))
    overdue = used > sop_days or (not finished and not paused and today > due_on)
    return SlaStatus(
        sop_days=sop_days,
        due_on=due_on,
        days_used=used,
        days_left=left,
        paused=paused,
        finished=finished,
        overdue=overdue,
        near_due=not finished and not paused and not overdue and left <= near_due_days,
        speedup_percent=speedup,
    )

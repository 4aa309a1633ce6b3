"""Scheduled jobs: leases per job and due time, the run history, run now.

A run is claimed in one short transaction: the worker takes the job's
lease (only one runs a job at a time, across hosts), then records the run
for the due time; ``UNIQUE (job_name, due_at)`` keeps a due time from
running twice even if two leases ever overlapped. The job runs outside
any transaction; a second one records the outcome and gives the lease
back. A worker that dies leaves a lease that runs out and a run marked
``running``, which the next holder of the lease marks ``interrupted``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.errors import Conflict, Forbidden, NotFound
from pamong.hooks import WorkerJob
from pamong.i18n import gettext as _
from pamong.jobs import schedule
from pamong.jobs.models import JobRun, JobState, RunStatus, RunTrigger
from pamong.orgunits.services import root_unit
from pamong.workdays import WorkCalendar

MANAGE_JOBS = "core.jobs.manage"
#: A run interrupted this many times (its worker died each time) is not tried again.
MAX_ATTEMPTS = 3


class Claim(enum.Enum):
    CLAIMED = "claimed"  # the caller runs it now
    BUSY = "busy"  # another worker holds the job's lease: ask again later
    DONE = "done"  # this due time has run (or is not to run): nothing to do


@dataclass(frozen=True)
class Clock:
    """What due times are computed against: the regency's zone and working days."""

    tz: str
    calendar: WorkCalendar


@dataclass(frozen=True)
class JobOverview:
    """A job as the admin page and the API show it."""

    name: str
    component: str
    schedule: str
    working_days: bool
    interval_seconds: int | None
    schedule_text: str
    description: str
    next_due_at: datetime | None
    last_run: JobRun | None
    running_on: str | None


def _can_manage(session: Session, actor: Actor) -> None:
    # Jobs work for the whole regency: the permission must be held at its root.
    if not actor.can(MANAGE_JOBS, root_unit(session)):
        raise Forbidden(_("You may not manage scheduled jobs."))


def find_job(jobs: Iterable[tuple[str, WorkerJob]], name: str) -> WorkerJob:
    """The registered job called ``name``; 404 when there is none."""
    for _component, job in jobs:
        if job.name == name:
            return job
    raise NotFound(_("No scheduled job is called %(name)s.", name=name), slug="job-not-found")


def register(session: Session, names: Iterable[str], now: datetime) -> dict[str, datetime]:
    """Record jobs not seen before (first seen: ``now``); return each job's first sighting."""
    names = list(names)
    if not names:
        return {}
    known = dict(
        session.execute(
            select(JobState.name, JobState.first_seen_at).where(JobState.name.in_(names))
        ).all()
    )
    missing = [n for n in names if n not in known]
    if missing:
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        session.execute(
            insert(JobState)
            .values([{"name": n, "first_seen_at": now} for n in missing])
            .on_conflict_do_nothing()
        )
        known = dict(
            session.execute(
                select(JobState.name, JobState.first_seen_at).where(JobState.name.in_(names))
            ).all()
        )
    return known


def _take_lease(session: Session, job: WorkerJob, owner: str, now: datetime) -> bool:
    taken = session.execute(
        update(JobState)
        .where(
            JobState.name == job.name,
            or_(JobState.lease_until.is_(None), JobState.lease_until <= now),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=job.timeout_seconds))
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return False
    # Whoever held the lease before is gone: a run still marked running is over.
    session.execute(
        update(JobRun)
        .where(JobRun.job_name == job.name, JobRun.status == RunStatus.RUNNING.value)
        .values(
            status=RunStatus.INTERRUPTED.value,
            finished_at=now,
            summary=_("The worker stopped before the job finished."),
        )
        .execution_options(synchronize_session=False)
    )
    return True


def _release_lease(session: Session, name: str, owner: str) -> None:
    session.execute(
        update(JobState)
        .where(JobState.name == name, JobState.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def _start(run: JobRun, owner: str, now: datetime) -> None:
    run.status = RunStatus.RUNNING.value
    run.worker = owner
    run.started_at = now
    run.finished_at = None
    run.summary = ""
    run.attempts += 1


def claim_due(
    session: Session,
    job: WorkerJob,
    due: datetime,
    *,
    owner: str,
    now: datetime,
    anchor: datetime,
    clock: Clock,
) -> tuple[Claim, JobRun | None]:
    """Claim the run of ``job`` for ``due`` (a due time from the schedule)."""
    if not _take_lease(session, job, owner, now):
        return Claim.BUSY, None
    run = session.scalars(
        select(JobRun).where(JobRun.job_name == job.name, JobRun.due_at == due)
    ).one_or_none()
    if run is not None and (
        run.status != RunStatus.INTERRUPTED.value or run.attempts >= MAX_ATTEMPTS
    ):
        _release_lease(session, job.name, owner)
        return Claim.DONE, None
    if run is None:
        before = schedule.previous_due(
            job, due, anchor=anchor, tz=clock.tz, calendar=clock.calendar
        )
        missed = (
            before is not None
            and session.scalar(
                select(JobRun.id).where(JobRun.job_name == job.name, JobRun.due_at == before)
            )
            is None
        )
        run = JobRun(
            job_name=job.name,
            due_at=due,
            trigger=(RunTrigger.CATCH_UP if missed else RunTrigger.SCHEDULE).value,
            attempts=0,
            created_at=now,
        )
        session.add(run)
    _start(run, owner, now)
    session.flush()
    return Claim.CLAIMED, run


def claim_queued(
    session: Session, job: WorkerJob, run_id: int, *, owner: str, now: datetime
) -> tuple[Claim, JobRun | None]:
    """Claim a run someone asked for by hand (``queued``)."""
    if not _take_lease(session, job, owner, now):
        return Claim.BUSY, None
    run = session.get(JobRun, run_id)
    if run is None or run.status != RunStatus.QUEUED.value:
        _release_lease(session, job.name, owner)
        return Claim.DONE, None
    _start(run, owner, now)
    session.flush()
    return Claim.CLAIMED, run


def claim_manual(
    session: Session, job: WorkerJob, *, owner: str, now: datetime, requested_by: str
) -> JobRun:
    """Start a run right here (``pamong jobs run``); 409 while the job is running elsewhere."""
    register(session, [job.name], now)
    if not _take_lease(session, job, owner, now):
        holder = session.scalar(select(JobState.lease_owner).where(JobState.name == job.name))
        raise Conflict(
            _(
                "%(job)s is running on %(worker)s; try again when it has finished.",
                job=job.name,
                worker=holder or "?",
            ),
            slug="job-running",
        )
    run = JobRun(
        job_name=job.name,
        due_at=now,
        trigger=RunTrigger.MANUAL.value,
        requested_by=requested_by[:64],
        attempts=0,
        created_at=now,
    )
    session.add(run)
    _start(run, owner, now)
    session.flush()
    return run


def finish(
    session: Session,
    run_id: int,
    name: str,
    *,
    owner: str,
    status: RunStatus,
    summary: str,
    now: datetime,
) -> None:
    """Record how a run ended and give the job's lease back."""
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.worker == owner)
        .values(status=status.value, finished_at=now, summary=summary[:500])
        .execution_options(synchronize_session=False)
    )
    _release_lease(session, name, owner)


def queued_runs(session: Session) -> list[tuple[int, str]]:
    """Runs asked for by hand and not yet taken by a worker: (id, job name), oldest first."""
    return [
        (run_id, name)
        for run_id, name in session.execute(
            select(JobRun.id, JobRun.job_name)
            .where(JobRun.status == RunStatus.QUEUED.value)
            .order_by(JobRun.id)
        ).all()
    ]


def fail_unknown(session: Session, run_id: int, now: datetime) -> None:
    """A queued run of a job no worker knows (its plugin was disabled)."""
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == RunStatus.QUEUED.value)
        .values(
            status=RunStatus.FAILED.value,
            finished_at=now,
            summary=_("No such job is registered any more."),
        )
        .execution_options(synchronize_session=False)
    )


# -- what administrators see and do ------------------------------------------------


def overview(
    session: Session,
    actor: Actor,
    jobs: Iterable[tuple[str, WorkerJob]],
    *,
    now: datetime,
    clock: Clock,
    zone_label: str,
) -> list[JobOverview]:
    """Every registered job with its schedule, next due time, last run and lease holder."""
    _can_manage(session, actor)
    jobs = list(jobs)
    names = [job.name for _c, job in jobs]
    states = {s.name: s for s in session.scalars(select(JobState).where(JobState.name.in_(names)))}
    last = {
        name: session.scalars(
            select(JobRun)
            .where(JobRun.job_name == name, JobRun.status != RunStatus.QUEUED.value)
            .order_by(JobRun.created_at.desc(), JobRun.id.desc())
            .limit(1)
        ).first()
        for name in names
    }
    result = []
    for component, job in jobs:
        state = states.get(job.name)
        anchor = state.first_seen_at if state else now
        running = (
            state.lease_owner
            if state and state.lease_until is not None and state.lease_until > now
            else None
        )
        result.append(
            JobOverview(
                name=job.name,
                component=component,
                schedule=job.schedule,
                working_days=job.working_days,
                interval_seconds=None if job.schedule else job.interval_seconds,
                schedule_text=schedule.describe(job, zone_label),
                description=str(job.description),
                next_due_at=schedule.next_due(
                    job, now, anchor=anchor, tz=clock.tz, calendar=clock.calendar
                ),
                last_run=last.get(job.name),
                running_on=running,
            )
        )
    return result


def run_history(session: Session, actor: Actor, job_name: str | None = None) -> Select[Any]:
    """Runs newest first, of one job or of all."""
    _can_manage(session, actor)
    stmt = select(JobRun).order_by(JobRun.created_at.desc(), JobRun.id.desc())
    if job_name:
        stmt = stmt.where(JobRun.job_name == job_name)
    return stmt


def request_run(
    session: Session,
    actor: Actor,
    jobs: Iterable[tuple[str, WorkerJob]],
    name: str,
    now: datetime,
) -> JobRun:
    """Queue a run of ``name`` now; the next worker to look runs it (once)."""
    _can_manage(session, actor)
    job = find_job(jobs, name)
    pending = session.scalar(
        select(JobRun.id).where(
            JobRun.job_name == job.name, JobRun.status == RunStatus.QUEUED.value
        )
    )
    if pending is not None:
        raise Conflict(
            _("A run of %(job)s is already waiting for a worker.", job=job.name),
            slug="job-queued",
        )
    run = JobRun(
        job_name=job.name,
        due_at=now,
        trigger=RunTrigger.MANUAL.value,
        status=RunStatus.QUEUED.value,
        requested_by=actor.username[:64],
        attempts=0,
        created_at=now,
    )
    session.add(run)
    session.flush()
    record(session, actor, "job.run_requested", "job", job.name)
    return run


def zone_label(tz: str) -> str:
    """``WIB``, ``WITA`` or ``WIT`` for the regency's zone; the zone's name otherwise."""
    from pamong.regions import TIME_ZONES

    return next((label for label, name in TIME_ZONES.items() if name == tz), tz)


def local_time(value: datetime | None, tz: str) -> str:
    """``2026-07-06 08:00 WIB``: a stored UTC time in the regency's zone, to the minute."""
    from zoneinfo import ZoneInfo

    if value is None:
        return "-"
    return f"{value.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} {zone_label(tz)}"

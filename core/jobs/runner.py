"""The scheduler inside each ``pamong worker``: run what is due, once across all workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from pamong.db import utcnow
from pamong.hooks import WorkerJob
from pamong.jobs import schedule, services
from pamong.jobs.models import JobRun, RunStatus
from pamong.messaging.outbox import worker_name
from pamong.workdays import WorkCalendar

logger = logging.getLogger(__name__)


class Scheduler:
    """Runs the due jobs and the queued runs of one worker.

    Any number of schedulers, in any number of processes and hosts, share
    the database: each due time runs once. A scheduler remembers only
    which due times it has seen done, to spare the database.
    """

    def __init__(self, app: Any, owner: str | None = None) -> None:
        self.app = app
        self.state = app.extensions["pamong"]
        self.owner = owner or worker_name()
        self.jobs: dict[str, WorkerJob] = {job.name: job for _c, job in self.state.worker_jobs}
        settings = self.state.settings
        self.clock = services.Clock(settings.time_zone, WorkCalendar(settings.extra_closures))
        self._anchors: dict[str, datetime] = {}
        self._seen: dict[str, datetime] = {}

    def _anchors_at(self, now: datetime) -> dict[str, datetime]:
        if set(self._anchors) != set(self.jobs):
            with self.state.db.transaction() as session:
                self._anchors = services.register(session, self.jobs, now)
        return self._anchors

    def run_due(
        self, *, now: datetime | None = None, stop: Callable[[], bool] | None = None
    ) -> list[str]:
        """Run the queued runs, then every job whose latest due time has not run.

        Returns one line per run that said something. ``now`` fixes the
        clock (tests); ``stop`` is asked before each run.
        """
        clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
        stopping = stop or (lambda: False)
        lines: list[str] = []
        with self.state.db.transaction() as session:
            queued = services.queued_runs(session)
        for run_id, name in queued:
            if stopping():
                return lines
            job = self.jobs.get(name)
            if job is None:
                with self.state.db.transaction() as session:
                    services.fail_unknown(session, run_id, clock())
                continue
            self._claim_and_run(
                job,
                lambda session, job=job, run_id=run_id: services.claim_queued(
                    session, job, run_id, owner=self.owner, now=clock()
                ),
                lines,
                clock,
            )
        anchors = self._anchors_at(clock())
        for name, job in self.jobs.items():
            if stopping():
                break
            anchor = anchors[name]
            due = schedule.latest_due(
                job, clock(), anchor=anchor, tz=self.clock.tz, calendar=self.clock.calendar
            )
            if due is None or self._seen.get(name) == due:
                continue
            outcome = self._claim_and_run(
                job,
                lambda session, job=job, due=due, anchor=anchor: services.claim_due(
                    session,
                    job,
                    due,
                    owner=self.owner,
                    now=clock(),
                    anchor=anchor,
                    clock=self.clock,
                ),
                lines,
                clock,
            )
            if outcome is not services.Claim.BUSY:
                self._seen[name] = due
        return lines

    def run_now(self, name: str, *, requested_by: str, now: datetime | None = None) -> str:
        """Run a job here and now (``pamong jobs run``); 409 while it runs elsewhere."""
        clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
        job = services.find_job(self.state.worker_jobs, name)
        with self.state.db.transaction() as session:
            run = services.claim_manual(
                session, job, owner=self.owner, now=clock(), requested_by=requested_by
            )
        return self._execute(job, run, clock)

    def _claim_and_run(
        self,
        job: WorkerJob,
        claim: Callable[[Any], tuple[services.Claim, JobRun | None]],
        lines: list[str],
        clock: Callable[[], datetime],
    ) -> services.Claim:
        try:
            with self.state.db.transaction() as session:
                outcome, run = claim(session)
        except IntegrityError:  # another worker recorded this due time first
            return services.Claim.DONE
        if outcome is services.Claim.CLAIMED and run is not None:
            line = self._execute(job, run, clock)
            if line:
                lines.append(line)
        return outcome

    def _execute(self, job: WorkerJob, run: JobRun, clock: Callable[[], datetime]) -> str:
        failed = False
        with self.app.app_context():
            try:
                summary = job.run(self.app) or ""
            except Exception as exc:  # one broken job must not stop the worker
                logger.exception("job %s failed", job.name)
                failed = True
                summary = f"failed: {exc!r}"
        with self.state.db.transaction() as session:
            services.finish(
                session,
                run.id,
                job.name,
                owner=self.owner,
                status=RunStatus.FAILED if failed else RunStatus.SUCCEEDED,
                summary=summary,
                now=clock(),
            )
        return f"{job.name}: {summary}" if summary else ""

"""Scheduled jobs as the database knows them, and their run history."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pamong.db import Base, UTCDateTime, utcnow


class RunStatus(enum.StrEnum):
    QUEUED = "queued"  # asked for by hand ("run now"), waiting for a worker
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # its worker stopped before the job finished


class RunTrigger(enum.StrEnum):
    SCHEDULE = "schedule"  # on time
    CATCH_UP = "catch_up"  # the latest of due times missed while no worker ran
    MANUAL = "manual"  # run now, from the admin page, the API or the CLI


class JobState(Base):
    """One registered job: when a worker first saw it, and who holds its lease.

    Due times before ``first_seen_at`` are never run, so a new job does not
    fire for a past schedule. ``lease_owner`` runs the job until
    ``lease_until``; a worker that dies simply lets the lease run out.
    """

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRun(Base):
    """One run of a job for one due time (unique: a due time runs once)."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_name", "due_at"),
        Index("ix_job_runs_status", "status"),
        Index("ix_job_runs_job_name_started_at", "job_name", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(10), default=RunTrigger.SCHEDULE.value)
    status: Mapped[str] = mapped_column(String(12), default=RunStatus.RUNNING.value)
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    worker: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(String(500), default="")

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.INTERRUPTED)

"""The permission to see and run scheduled jobs (held at the regency, the root unit)."""

from __future__ import annotations

from pamong.hooks import Permission

JOB_PERMISSIONS = (
    Permission("core.jobs.manage", "See scheduled jobs and their runs; run a job now"),
)

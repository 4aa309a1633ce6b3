"""REST: ``/api/v1/jobs`` (the scheduled jobs, their run history, run now)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, fields, validate

from pamong.auth import api_actor, token_required
from pamong.db import get_session, paginate, utcnow
from pamong.jobs import services
from pamong.jobs.models import RunStatus, RunTrigger
from pamong.rest import API_PREFIX, BEARER, Blueprint, QueryArgs
from pamong.workdays import current_calendar

blp = Blueprint(
    "jobs_api",
    __name__,
    url_prefix=API_PREFIX,
    description="Scheduled jobs of the core and plugins, their runs, and running one now",
)


class JobRunSchema(Schema):
    """One run of a job for one due time."""

    id = fields.Integer()
    job = fields.String(attribute="job_name")
    due_at = fields.DateTime(metadata={"description": "The due time it ran for (UTC)"})
    trigger = fields.String(metadata={"enum": [t.value for t in RunTrigger]})
    status = fields.String(metadata={"enum": [s.value for s in RunStatus]})
    requested_by = fields.String()
    worker = fields.String()
    attempts = fields.Integer()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    summary = fields.String()


class JobSchema(Schema):
    name = fields.String()
    component = fields.String()
    schedule = fields.String(metadata={"description": "Cron expression in the regency's zone"})
    working_days = fields.Boolean()
    interval_seconds = fields.Integer(allow_none=True)
    schedule_text = fields.String(metadata={"description": "The schedule in words"})
    description = fields.String(metadata={"description": "What the job does"})
    next_due_at = fields.DateTime(allow_none=True)
    running_on = fields.String(allow_none=True, metadata={"description": "Worker holding it"})
    last_run = fields.Nested(JobRunSchema, allow_none=True)


class RunArgs(QueryArgs):
    job = fields.String(validate=validate.Length(min=1, max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class RunPageSchema(Schema):
    items = fields.List(fields.Nested(JobRunSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


@blp.route("/jobs")
@token_required
@blp.response(200, JobSchema(many=True))
@blp.doc(security=BEARER)
def list_jobs():
    """Every scheduled job: schedule, next due time, last run (needs ``core.jobs.manage``)."""
    state = current_app.extensions["pamong"]
    tz = state.settings.time_zone
    return services.overview(
        get_session(),
        api_actor(),
        state.worker_jobs,
        now=utcnow(),
        clock=services.Clock(tz, current_calendar()),
        zone_label=services.zone_label(tz),
    )


@blp.route("/jobs/runs")
@token_required
@blp.arguments(RunArgs, location="query")
@blp.response(200, RunPageSchema)
@blp.doc(security=BEARER)
def list_runs(args: dict[str, Any]):
    """The run history, newest first, of one job (``job``) or of all."""
    session = get_session()
    stmt = services.run_history(session, api_actor(), args.get("job"))
    page, per_page = args["page"], args["per_page"]
    items, total = paginate(session, stmt, page, per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@blp.route("/jobs/<name>/run", methods=["POST"])
@token_required
@blp.response(202, JobRunSchema)
@blp.doc(security=BEARER)
def run_job(name: str):
    """Run a job now: queued, and run once by the next worker that looks (within seconds)."""
    session = get_session()
    run = services.request_run(
        session, api_actor(), current_app.extensions["pamong"].worker_jobs, name, utcnow()
    )
    session.commit()
    return run

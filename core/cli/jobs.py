"""Scheduled jobs: ``pamong jobs list|run|history``."""

from __future__ import annotations

import click

from pamong.cli.base import Lazy, app_context, domain_errors, main

Actor = Lazy("pamong.accounts.permissions", "Actor")


@main.group()
def jobs() -> None:
    """Scheduled jobs of the core and the plugins (run by ``pamong worker``)."""


@jobs.command("list")
@click.pass_context
@domain_errors
def jobs_list(ctx: click.Context) -> None:
    """Every job with its schedule, next due time and last run."""
    from pamong.db import utcnow
    from pamong.jobs import services
    from pamong.workdays import WorkCalendar

    with app_context(ctx) as app, app.extensions["pamong"].db.session() as session:
        state = app.extensions["pamong"]
        tz = state.settings.time_zone
        rows = services.overview(
            session,
            Actor.system("cli"),
            state.worker_jobs,
            now=utcnow(),
            clock=services.Clock(tz, WorkCalendar(state.settings.extra_closures)),
            zone_label=services.zone_label(tz),
        )
        if not rows:
            click.echo("No scheduled jobs.")
        for row in rows:
            click.echo(f"{row.name}  {row.schedule_text}")
            if row.description:
                click.echo(f"  {row.description}")
            click.echo(f"  next: {services.local_time(row.next_due_at, tz)}")
            if row.running_on:
                click.echo(f"  running on {row.running_on}")
            last = row.last_run
            if last is not None:
                click.echo(
                    f"  last: {services.local_time(last.started_at, tz)} {last.status}"
                    + (f": {last.summary}" if last.summary else "")
                )


@jobs.command("run")
@click.argument("name")
@click.pass_context
@domain_errors
def jobs_run(ctx: click.Context, name: str) -> None:
    """Run job NAME here and now, recorded in its history (refused while it runs elsewhere)."""
    from pamong.jobs.runner import Scheduler

    with app_context(ctx) as app:
        line = Scheduler(app).run_now(name, requested_by="cli")
        click.echo(line or f"{name}: done")


@jobs.command("history")
@click.argument("name", required=False)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.pass_context
@domain_errors
def jobs_history(ctx: click.Context, name: str | None, limit: int) -> None:
    """The latest runs, of job NAME or of all jobs."""
    from pamong.jobs import services

    with app_context(ctx) as app, app.extensions["pamong"].db.session() as session:
        tz = app.extensions["pamong"].settings.time_zone
        runs = session.scalars(
            services.run_history(session, Actor.system("cli"), name).limit(limit)
        ).all()
        if not runs:
            click.echo("No runs yet.")
        for run in runs:
            click.echo(
                f"{services.local_time(run.started_at or run.created_at, tz)}  {run.job_name}  "
                f"{run.trigger}  {run.status}" + (f": {run.summary}" if run.summary else "")
            )

"""Background work: ``pamong worker`` (outbox delivery and plugin jobs)."""

from __future__ import annotations

from typing import Any

import click

from pamong.cli.base import (
    app_context,
    main,
)


@main.command()
@click.option("--once", is_flag=True, help="Deliver everything due, then exit.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between polls when the outbox is empty.",
)
@click.pass_context
def worker(ctx: click.Context, once: bool, interval: float) -> None:
    """Deliver the outbox (email and plugin channels) and run the plugins' periodic jobs.

    Run several on PostgreSQL.
    """
    import time

    from pamong.messaging.outbox import deliver_due, drain

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        hooks = state.host.pm.hook
        if once:
            click.echo(f"Attempted {drain(state.db, state.settings, hooks)} deliveries.")
            for line in run_worker_jobs(app, force=True):
                click.echo(line)
            return
        click.echo("Worker started; Ctrl-C stops it.")
        last_run: dict[str, float] = {}
        try:
            while True:
                for line in run_worker_jobs(app, last_run=last_run):
                    click.echo(line)
                if not deliver_due(state.db, state.settings, hooks):
                    time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("Worker stopped.")


def run_worker_jobs(
    app: Any, *, force: bool = False, last_run: dict[str, float] | None = None
) -> list[str]:
    """Run the plugins' periodic jobs that are due (all of them with ``force``).

    A failing job is reported and retried at its next interval; it never
    stops the worker or the other jobs.
    """
    import time

    last_run = last_run if last_run is not None else {}
    lines = []
    for _component, job in app.extensions["pamong"].worker_jobs:
        now = time.monotonic()
        if not force and now - last_run.get(job.name, -1e18) < job.interval_seconds:
            continue
        last_run[job.name] = now
        try:
            summary = job.run(app)
        except Exception as exc:  # one broken job must not stop delivery
            lines.append(f"{job.name}: failed: {exc!r}")
            continue
        if summary:
            lines.append(f"{job.name}: {summary}")
    return lines

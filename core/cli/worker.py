"""Background work: ``pamong worker`` (outbox delivery and scheduled jobs)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from pamong.cli.base import (
    app_context,
    main,
)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT: the worker finishes what it does, then stops."""
    stop = threading.Event()

    def handle(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@main.command()
@click.option("--once", is_flag=True, help="Deliver everything due, run the due jobs, then exit.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between polls when the outbox is empty.",
)
@click.pass_context
def worker(ctx: click.Context, once: bool, interval: float) -> None:
    """Deliver the outbox (email and plugin channels) and run the scheduled jobs.

    Run as many as you like on PostgreSQL: each delivery goes out once and
    each job runs once per due time. SIGTERM (or Ctrl-C) lets the worker
    finish the message or job in hand, give back its leases and exit 0.
    """
    from pamong.jobs.runner import Scheduler
    from pamong.messaging.outbox import deliver_due, drain, worker_name

    with app_context(ctx) as app, stop_on_signals() as stop:
        state = app.extensions["pamong"]
        hooks = state.host.pm.hook
        owner = worker_name()
        scheduler = Scheduler(app, owner)
        if once:
            attempted = drain(state.db, state.settings, hooks, stop=stop.is_set)
            click.echo(f"Attempted {attempted} deliveries.")
            for line in scheduler.run_due(stop=stop.is_set):
                click.echo(line)
            return
        click.echo(f"Worker {owner} started; SIGTERM or Ctrl-C stops it.")
        while not stop.is_set():
            for line in scheduler.run_due(stop=stop.is_set):
                click.echo(line)
            if stop.is_set():
                break
            if not deliver_due(state.db, state.settings, hooks, owner=owner, stop=stop.is_set):
                stop.wait(interval)
        click.echo("Worker stopped.")


def run_worker_jobs(app: Any, *, force: bool = False) -> list[str]:
    """Run the scheduled jobs that are due (every job at once with ``force``).

    Each due time runs once, whoever calls this; a failing job is recorded
    and reported, and never stops the others.
    """
    from pamong.errors import PamongError
    from pamong.jobs.runner import Scheduler

    scheduler = Scheduler(app)
    if not force:
        return scheduler.run_due()
    lines = []
    for _component, job in app.extensions["pamong"].worker_jobs:
        try:
            line = scheduler.run_now(job.name, requested_by="worker")
        except PamongError as exc:  # running elsewhere right now
            line = f"{job.name}: {exc.detail}"
        if line:
            lines.append(line)
    return lines

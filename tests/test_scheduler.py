"""Scheduled jobs run once per due time, on the regency's clock, whatever the number of workers."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pamong.hooks import WorkerJob, hookimpl
from pamong.jobs.models import JobRun
from pamong.jobs.runner import Scheduler
from pamong.jobs.schedule import schedule_problem
from pamong.plugins import StartupError

WIB = ZoneInfo("Asia/Jakarta")
on_postgres = pytest.mark.skipif(
    not os.environ.get("PAMONG_TEST_DATABASE_URL"), reason="needs PAMONG_TEST_DATABASE_URL"
)


def wib(*args: int) -> datetime:
    """A moment given on the wall clock of Sragen (WIB), as UTC."""
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


@pytest.fixture
def ran():
    """What the jobs of ``with_jobs`` did: one entry per execution."""
    return []


@pytest.fixture
def with_jobs(app, ran):
    """Give the app these jobs (``name``, schedule keywords); each records its executions."""

    def install(**jobs: dict) -> None:
        def job(name: str):
            def run(_app):
                ran.append(name)
                return f"{name} done"

            return run

        app.extensions["pamong"].worker_jobs = [
            ("core", WorkerJob(f"core.{name}", job(name), **options))
            for name, options in jobs.items()
        ]

    return install


def runs(app, job=None):
    with app.extensions["pamong"].db.session() as session:
        stmt = select(JobRun).order_by(JobRun.due_at)
        if job:
            stmt = stmt.where(JobRun.job_name == job)
        return session.scalars(stmt).all()


def test_a_cron_job_runs_at_its_wall_clock_time_in_the_regencys_zone(app, with_jobs, ran):
    with_jobs(reminders={"schedule": "0 7 * * *"})
    worker = Scheduler(app)
    assert worker.run_due(now=wib(2026, 7, 6, 6, 0)) == []
    assert worker.run_due(now=wib(2026, 7, 6, 6, 59, 59)) == []
    assert worker.run_due(now=wib(2026, 7, 6, 7, 0)) == ["core.reminders: reminders done"]
    (run,) = runs(app)
    assert run.due_at == datetime(2026, 7, 6, 0, 0, tzinfo=UTC)  # 07:00 WIB
    assert (run.trigger, run.status, run.summary) == ("schedule", "succeeded", "reminders done")


def test_each_due_time_runs_once_however_many_workers_ask(app, with_jobs, ran):
    with_jobs(reminders={"schedule": "0 7 * * *"})
    workers = [Scheduler(app) for _ in range(3)]
    workers[0].run_due(now=wib(2026, 7, 6, 6, 0))
    for worker in workers:
        worker.run_due(now=wib(2026, 7, 6, 7, 0, 1))
    assert ran == ["reminders"]


def test_a_restarted_worker_does_not_run_the_jobs_again(app, with_jobs, ran):
    with_jobs(reminders={"schedule": "0 7 * * *"}, count={"interval_seconds": 3600})
    Scheduler(app).run_due(now=wib(2026, 7, 6, 7, 5))
    assert sorted(ran) == ["count"]  # first seen at 07:05: the 07:00 reminders are not owed
    Scheduler(app).run_due(now=wib(2026, 7, 7, 7, 5))
    restarted = Scheduler(app)
    assert restarted.run_due(now=wib(2026, 7, 7, 7, 6)) == []
    assert sorted(ran) == ["count", "count", "reminders"]


def test_missed_due_times_are_caught_up_by_one_run_after_downtime(app, with_jobs, ran):
    with_jobs(reminders={"schedule": "0 7 * * *"})
    Scheduler(app).run_due(now=wib(2026, 7, 6, 6, 0))
    Scheduler(app).run_due(now=wib(2026, 7, 6, 7, 0))
    # No worker from Monday 07:30 to Thursday 09:00: Tuesday's and Wednesday's runs are missed.
    back = Scheduler(app)
    back.run_due(now=wib(2026, 7, 9, 9, 0))
    back.run_due(now=wib(2026, 7, 9, 9, 5))
    assert ran == ["reminders", "reminders"]
    assert [(r.due_at, r.trigger) for r in runs(app)] == [
        (wib(2026, 7, 6, 7, 0), "schedule"),
        (wib(2026, 7, 9, 7, 0), "catch_up"),
    ]


def test_working_day_jobs_skip_weekends_holidays_and_cuti_bersama(app, with_jobs, ran):
    with_jobs(escalate={"schedule": "0 8 * * *", "working_days": True})
    worker = Scheduler(app)
    worker.run_due(now=wib(2026, 3, 17, 7, 0))
    for day in range(17, 27):  # Nyepi, Idul Fitri and their cuti bersama: 18-24 March
        worker.run_due(now=wib(2026, 3, day, 8, 0))
    assert [r.due_at for r in runs(app)] == [
        wib(2026, 3, 17, 8, 0),
        wib(2026, 3, 25, 8, 0),
        wib(2026, 3, 26, 8, 0),
    ]


def test_an_interval_job_runs_when_first_seen_then_every_interval(app, with_jobs, ran):
    with_jobs(count={"interval_seconds": 3600})
    start = wib(2026, 7, 6, 10, 17)
    worker = Scheduler(app)
    for minutes in (0, 30, 59, 60, 119, 120):
        worker.run_due(now=start + timedelta(minutes=minutes))
    assert [r.due_at - start for r in runs(app)] == [timedelta(hours=h) for h in (0, 1, 2)]


def test_a_failing_job_is_recorded_as_failed_and_the_others_still_run(app, ran):
    def broken(_app):
        raise RuntimeError("smtp down")

    app.extensions["pamong"].worker_jobs = [
        ("core", WorkerJob("core.broken", broken)),
        ("core", WorkerJob("core.fine", lambda _app: ran.append("fine") or "ok")),
    ]
    lines = Scheduler(app).run_due()
    assert lines[0].startswith("core.broken: failed: RuntimeError") and ran == ["fine"]
    broken_run = runs(app, "core.broken")[0]
    assert broken_run.status == "failed" and "smtp down" in broken_run.summary
    assert broken_run.finished_at is not None


def test_a_run_whose_worker_died_is_interrupted_then_run_again_after_its_timeout(app, ran):
    def dies_once(_app):
        ran.append("attempt")
        if len(ran) == 1:
            raise SystemExit("killed")
        return "finished"

    app.extensions["pamong"].worker_jobs = [
        ("core", WorkerJob("core.report", dies_once, schedule="0 7 * * *", timeout_seconds=600))
    ]
    Scheduler(app).run_due(now=wib(2026, 7, 6, 6, 0))
    with pytest.raises(SystemExit):
        Scheduler(app).run_due(now=wib(2026, 7, 6, 7, 0))
    assert runs(app)[0].status == "running"
    assert Scheduler(app).run_due(now=wib(2026, 7, 6, 7, 9)) == []  # its lease still holds
    assert Scheduler(app).run_due(now=wib(2026, 7, 6, 7, 10)) == ["core.report: finished"]
    (run,) = runs(app)
    assert (run.status, run.attempts, run.due_at) == ("succeeded", 2, wib(2026, 7, 6, 7, 0))


def test_an_invalid_schedule_stops_startup_with_a_clear_error(enable_plugins, monkeypatch):
    enable_plugins("example")  # the host imports the plugin first: its tables are its own
    import pamong_example.hooks

    @hookimpl
    def pamong_register_worker_jobs():
        return [WorkerJob("example.daily", lambda app: None, schedule="every day at 8")]

    monkeypatch.setattr(
        pamong_example.hooks, "pamong_register_worker_jobs", pamong_register_worker_jobs
    )
    with pytest.raises(StartupError, match="'every day at 8' is not a cron expression"):
        enable_plugins("example")


def test_working_days_need_a_cron_schedule():
    job = WorkerJob("core.x", lambda app: None, working_days=True)
    assert "working_days needs a cron schedule" in schedule_problem(job)


def test_licensing_escalates_on_working_days_at_8_and_reminds_daily_at_7(enable_plugins):
    app = enable_plugins("licensing")
    jobs = {job.name: job for _c, job in app.extensions["pamong"].worker_jobs}
    assert (jobs["licensing.escalate"].schedule, jobs["licensing.escalate"].working_days) == (
        "0 8 * * *",
        True,
    )
    assert jobs["licensing.expiry_reminders"].schedule == "0 7 * * *"


# -- the admin page, the API and the CLI ---------------------------------------------


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_jobs_page_shows_schedules_in_words_and_the_run_history(
    app, client, login_as, with_jobs
):
    with_jobs(escalate={"schedule": "0 8 * * *", "working_days": True})
    Scheduler(app).run_due(now=wib(2026, 7, 6, 7, 0))
    Scheduler(app).run_due(now=wib(2026, 7, 6, 8, 0))
    login_as("admin")
    page = client.get("/staff/jobs/").get_data(as_text=True)
    assert "Hari kerja pukul 08:00 WIB" in page
    assert "Sesuai jadwal" in page and "Berhasil" in page and "escalate done" in page


def test_run_now_on_the_page_queues_a_run_that_one_worker_runs(
    app, client, login_as, with_jobs, ran
):
    with_jobs(count={"interval_seconds": 3600})
    admin = login_as("admin")
    Scheduler(app).run_due()
    token = csrf(client.get("/staff/jobs/").get_data(as_text=True))
    response = client.post("/staff/jobs/core.count/run", data={"csrf_token": token})
    assert response.status_code == 302
    queued = runs(app)[-1]
    assert (queued.status, queued.trigger, queued.requested_by) == (
        "queued",
        "manual",
        admin.username,
    )
    for worker in (Scheduler(app), Scheduler(app)):
        worker.run_due()
    assert ran == ["count", "count"]
    assert runs(app)[-1].status == "succeeded"


def test_run_now_without_the_csrf_token_is_refused(app, client, login_as, with_jobs, ran):
    with_jobs(count={"interval_seconds": 3600})
    login_as("admin")
    assert client.post("/staff/jobs/core.count/run").status_code == 400
    assert runs(app) == []


def test_only_holders_of_core_jobs_manage_at_the_regency_see_the_jobs(app, client, login_as):
    login_as("admin", "33.14.01")  # every permission, but only in one kecamatan
    assert client.get("/staff/jobs/").status_code == 403


def test_the_api_lists_jobs_with_their_schedule_next_due_time_and_last_run(
    app, client, bearer, with_jobs
):
    with_jobs(reminders={"schedule": "0 7 * * *"})
    Scheduler(app).run_due(now=wib(2026, 7, 6, 6, 0))
    Scheduler(app).run_due(now=wib(2026, 7, 6, 7, 0))
    (job,) = client.get("/api/v1/jobs", headers=bearer("admin")).json
    assert job["name"] == "core.reminders" and job["schedule"] == "0 7 * * *"
    assert job["last_run"]["status"] == "succeeded"
    assert job["last_run"]["due_at"].startswith("2026-07-06T00:00:00")
    assert job["next_due_at"] > job["last_run"]["due_at"]


def test_run_now_through_the_api_answers_202_with_the_queued_run(app, client, bearer, with_jobs):
    with_jobs(count={"interval_seconds": 3600})
    headers = bearer("admin")
    response = client.post("/api/v1/jobs/core.count/run", headers=headers)
    assert response.status_code == 202
    assert (response.json["status"], response.json["trigger"]) == ("queued", "manual")
    again = client.post("/api/v1/jobs/core.count/run", headers=headers)
    assert again.status_code == 409 and again.json["type"] == "urn:pamong:problem:job-queued"
    history = client.get("/api/v1/jobs/runs?job=core.count", headers=headers).json
    assert history["total"] == 1 and history["items"][0]["id"] == response.json["id"]


def test_run_now_of_an_unknown_job_is_a_404_problem(client, bearer):
    response = client.post("/api/v1/jobs/core.nothing/run", headers=bearer("admin"))
    assert response.status_code == 404
    assert response.json["type"] == "urn:pamong:problem:job-not-found"


def test_the_jobs_api_is_for_holders_of_core_jobs_manage(client, bearer):
    assert client.get("/api/v1/jobs", headers=bearer("registrar")).status_code == 403
    assert client.get("/api/v1/jobs/runs", headers=bearer("registrar")).status_code == 403


@pytest.mark.pamong_plugins("example")
def test_pamong_jobs_lists_runs_and_shows_the_history(app):
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    runner = CliRunner(env={"PAMONG_DATABASE_URL": url} if url else None)
    instance = app.instance_path
    listed = runner.invoke(main_cli(), ["--instance", instance, "jobs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "example.count_notes  Setiap 1 menit" in listed.output
    ran = runner.invoke(main_cli(), ["--instance", instance, "jobs", "run", "example.count_notes"])
    assert ran.exit_code == 0 and "example.count_notes: counted" in ran.output
    history = runner.invoke(main_cli(), ["--instance", instance, "jobs", "history"])
    assert "example.count_notes  manual  succeeded: counted" in history.output
    unknown = runner.invoke(main_cli(), ["--instance", instance, "jobs", "run", "example.nope"])
    assert unknown.exit_code == 1 and "example.nope" in unknown.output


def main_cli():
    from pamong.cli import main

    return main


# -- real worker processes on PostgreSQL -------------------------------------------


@on_postgres
@pytest.mark.pamong_plugins("example")
def test_three_workers_run_each_due_time_once_and_catch_up_once_after_downtime(app, tmp_path):
    from pamong_example.hooks import TICK_FILE

    ticks = tmp_path / "ticks"
    ticks.touch()
    env = {
        **os.environ,
        "PAMONG_DATABASE_URL": os.environ["PAMONG_TEST_DATABASE_URL"],
        "PYTHONPATH": str(Path(__file__).parent / "plugin_site"),
        TICK_FILE: str(ticks),
    }
    pamong = str(Path(sys.executable).parent / "pamong")

    def start_three() -> list[subprocess.Popen]:
        return [
            subprocess.Popen(
                [pamong, "--instance", app.instance_path, "worker", "--interval", "0.1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(3)
        ]

    def stop(workers: list[subprocess.Popen]) -> None:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0, 0]

    def done() -> list[JobRun]:
        return [r for r in runs(app, "example.tick") if r.status == "succeeded"]

    workers = start_three()
    try:
        wait_until(lambda: len(done()) >= 4)
        stop(workers)
        time.sleep(3.5)  # three due times pass with no worker at all
        workers = start_three()
        before = len(done())
        wait_until(lambda: len(done()) >= before + 3)
        stop(workers)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    history = done()
    assert len(ticks.read_text().splitlines()) == len(history)  # one execution per due time
    assert len({r.due_at for r in history}) == len(history)
    gaps = [(b.due_at - a.due_at, b.trigger) for a, b in itertools.pairwise(history)]
    downtime = [(gap, trigger) for gap, trigger in gaps if gap >= timedelta(seconds=3)]
    assert [trigger for _gap, trigger in downtime] == ["catch_up"]  # one run for the missed ones


def wait_until(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)

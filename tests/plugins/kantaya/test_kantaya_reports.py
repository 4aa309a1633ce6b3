"""Daily reports: drafted from the day's activity, one per unit and day, submitted, approved,
commented on with instructions; the controlling grid and the reminders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.messaging.models import InboxEntry
from pamong.orgunits.services import get_unit
from pamong.runtime import regency_today
from pamong.workdays import is_working_day
from pamong_plugins.kantaya import services
from pamong_plugins.kantaya.models import KantayaReminder, KantayaReport

pytestmark = pytest.mark.pamong_plugins("kantaya", "ktp", "licensing", "billing")

KALIJAMBE = "33.14.01"
PLUPUH = "33.14.02"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def tx(app):
    return app.extensions["pamong"].db.transaction()


def test_a_kecamatan_draft_starts_with_the_days_ktp_activity(app, actor_at, make_resident):
    from pamong_plugins.ktp.models import KtpApplication

    resident = make_resident(desa="33.14.01.2001")
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    now = datetime.now(UTC).replace(microsecond=0)
    with tx(app) as session:
        kecamatan = get_unit(session, KALIJAMBE)
        session.add(
            KtpApplication(
                resident_id=resident.id,
                kecamatan_id=kecamatan.id,
                tracking_number="KTP-T-1",
                reason="new",
                applied_at=now - timedelta(minutes=4),
                printed_at=now,
            )
        )
    with app.app_context(), tx(app) as session:
        report, created = services.draft_report(
            session, reporter, unit_code=KALIJAMBE, day=regency_today()
        )
        ktp = [f["value"] for f in report.facts if f["source"] == "ktp"]
        activities = report.activities
    assert created
    assert ktp == [1, 1, 4.0]  # received, printed, average minutes
    assert ": 4.0" in activities


def test_a_future_day_is_refused_and_a_second_draft_edits_the_first(app, actor_at):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    today = regency_today()
    with tx(app) as session:
        with pytest.raises(InvalidInput) as refused:
            services.draft_report(
                session, reporter, unit_code=KALIJAMBE, day=today + timedelta(days=1)
            )
        first, created = services.draft_report(session, reporter, unit_code=KALIJAMBE, day=today)
        again, created_again = services.draft_report(
            session, reporter, unit_code=KALIJAMBE, day=today
        )
    assert refused.value.slug == "future-day"
    assert created and not created_again and again.id == first.id


def test_two_reporters_drafting_at_once_get_one_report(app, actor_at):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    barrier = threading.Barrier(2, timeout=10)
    ids: list[int] = []

    def draft() -> None:
        barrier.wait()
        with tx(app) as session:
            report, _created = services.draft_report(
                session, reporter, unit_code=KALIJAMBE, day=regency_today()
            )
            ids.append(report.id)

    threads = [threading.Thread(target=draft) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 2 and ids[0] == ids[1]
    with tx(app) as session:
        assert session.scalar(select(func.count()).select_from(KantayaReport)) == 1


def test_submit_by_the_reporter_approve_by_the_head_scoped_to_the_unit(app, actor_at):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    head = actor_at("kantaya_head", KALIJAMBE)
    other_head = actor_at("kantaya_head", PLUPUH)
    with tx(app) as session:
        report, _ = services.draft_report(
            session, reporter, unit_code=KALIJAMBE, day=regency_today()
        )
        report_id = report.id
        with pytest.raises(InvalidInput):  # nothing written yet
            services.update_report(session, reporter, report_id, {"activities": ""})
            services.submit_report(session, reporter, report_id)
    with tx(app) as session:
        services.update_report(session, reporter, report_id, {"results": "Pelayanan lancar"})
        report = services.submit_report(session, reporter, report_id)
        assert report.status == "submitted" and report.late is False
    with tx(app) as session:
        with pytest.raises(Forbidden):
            services.approve_report(session, reporter, report_id)
        with pytest.raises(NotFound):  # another kecamatan's head does not see it
            services.approve_report(session, other_head, report_id)
        with pytest.raises(Conflict):
            services.update_report(session, reporter, report_id, {"results": "changed"})
    with tx(app) as session:
        services.return_report(session, head, report_id, "Lengkapi kendala")
    with tx(app) as session:
        services.submit_report(session, reporter, report_id)
        assert services.approve_report(session, head, report_id).status == "approved"


def test_a_report_for_an_earlier_day_submitted_now_is_late(app, actor_at):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    with tx(app) as session:
        report, _ = services.draft_report(
            session, reporter, unit_code=KALIJAMBE, day=regency_today() - timedelta(days=3)
        )
        services.update_report(session, reporter, report.id, {"activities": "Rapat"})
        assert services.submit_report(session, reporter, report.id).late is True


def test_a_leaders_instruction_is_a_task_of_the_unit(app, actor_at):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    bupati = actor_at("kantaya_leader", "33.14")
    outsider = actor_at("kantaya_reporter", PLUPUH)
    today = regency_today()
    with tx(app) as session:
        report, _ = services.draft_report(session, reporter, unit_code=KALIJAMBE, day=today)
        report_id = report.id
        with pytest.raises(Forbidden):  # a reporter does not instruct
            services.comment_on(session, reporter, report_id, body="ok")
        task = services.comment_on(
            session, bupati, report_id, body="Laporkan besok", task=True, due_on=today
        )
        task_id = task.id
    with tx(app) as session:
        mine = list(session.scalars(services.tasks_query(reporter)))
        assert [t.id for t in mine] == [task_id]
        assert list(session.scalars(services.tasks_query(outsider))) == []
        with pytest.raises(NotFound):
            services.complete_task(session, outsider, task_id, "")
        services.complete_task(session, reporter, task_id, "Sudah dikoordinasikan")
    with tx(app) as session:
        assert list(session.scalars(services.tasks_query(reporter))) == []


def test_attachments_are_checked_by_content_and_size(app, actor_at):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    with tx(app) as session:
        report, _ = services.draft_report(
            session, reporter, unit_code=KALIJAMBE, day=regency_today()
        )
        with pytest.raises(InvalidInput) as wrong:
            services.add_attachment(
                session, reporter, report.id, filename="x.jpg", data=b"MZ\x90 not an image"
            )
        with pytest.raises(InvalidInput) as big:
            services.add_attachment(
                session,
                reporter,
                report.id,
                filename="big.jpg",
                data=JPEG + b"0" * services.MAX_ATTACHMENT_BYTES,
            )
        row = services.add_attachment(session, reporter, report.id, filename="foto.jpg", data=JPEG)
    assert wrong.value.slug == "invalid-attachment"
    assert big.value.slug == "attachment-too-large"
    assert row.content_type == "image/jpeg"


def _working_day_before(day):
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def test_the_grid_shows_submitted_late_missing_and_days_off(app, actor_at, make_org_unit):
    make_org_unit("33.14-BAPPEDA", "Bappeda", "skpd")
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    leader = actor_at("kantaya_leader", "33.14")
    today = regency_today()
    past = _working_day_before(today - timedelta(days=35))
    with app.app_context(), tx(app) as session:
        for day in (today, past):
            report, _ = services.draft_report(session, reporter, unit_code=KALIJAMBE, day=day)
            services.update_report(session, reporter, report.id, {"activities": "Apel pagi"})
            services.submit_report(session, reporter, report.id)
    with app.app_context(), tx(app) as session:
        grid = services.controlling_grid(session, leader, past)
        codes = [u.code for u in grid.units]
        kalijambe = next(u for u in grid.units if u.code == KALIJAMBE)
        plupuh = next(u for u in grid.units if u.code == PLUPUH)
        index = grid.days.index(past)
        assert grid.cells[kalijambe.id][index] == "late"
        assert grid.cells[plupuh.id][index] == "missing"
        weekend = next(d for d in grid.days if d.weekday() == 6)
        assert grid.cells[plupuh.id][grid.days.index(weekend)] == "off"
        assert "33.14-BAPPEDA" in codes
        now = services.controlling_grid(session, leader, today, kind="kecamatan")
        assert {u.kind for u in now.units} == {"kecamatan"}
        kalijambe_now = next(u for u in now.units if u.code == KALIJAMBE)
        assert now.cells[kalijambe_now.id][now.days.index(today)] == "submitted"
        # A kecamatan's reporter sees only its own unit.
        own = services.controlling_grid(session, reporter, today)
        assert [u.code for u in own.units] == [KALIJAMBE]
        with pytest.raises(InvalidInput):
            services.controlling_grid(session, leader, today, kind="desa")


def test_reminders_reach_missing_units_once(app, make_user):
    reporter = make_user("kantaya_reporter", PLUPUH)
    day = _working_day_before(regency_today())
    with app.app_context(), tx(app) as session:
        first = services.send_reminders(session, day)
    with app.app_context(), tx(app) as session:
        second = services.send_reminders(session, day)
        inbox = session.scalar(
            select(func.count()).select_from(InboxEntry).where(InboxEntry.user_id == reporter.id)
        )
        reminded = session.scalar(select(func.count()).select_from(KantayaReminder))
    assert first["sent"] == 1  # only Plupuh has staff; the other kecamatan nobody
    assert first["nobody"] == first["missing"] - 1
    assert second["sent"] == 0 and second["already"] == 1
    assert inbox == 1 and reminded == 1


def test_the_reminder_job_runs_from_the_worker(app, make_user):
    from pamong_plugins.kantaya.jobs import remind_job

    make_user("kantaya_reporter", PLUPUH)
    with app.app_context():
        summary = remind_job(app)
    sent = 1 if is_working_day(regency_today()) else 0  # no reminders on a day off
    assert summary.startswith("kantaya: ") and f"{sent} reminded" in summary

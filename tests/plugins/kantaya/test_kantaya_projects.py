"""Projects: S-curve, weekly progress with its guards, the critical-contract rule and its steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pamong.errors import Conflict, InvalidInput, NotFound
from pamong.messaging.models import InboxEntry
from pamong.runtime import regency_today
from pamong_plugins.kantaya import services

pytestmark = pytest.mark.pamong_plugins("kantaya")

KALIJAMBE = "33.14.01"
PLUPUH = "33.14.02"


def tx(app):
    return app.extensions["pamong"].db.transaction()


def test_the_critical_rule_of_the_issue():
    assert services.is_critical(50, 39) and not services.is_critical(50, 40)  # > 10 below 70
    assert services.is_critical(80, 74) and not services.is_critical(80, 75)  # > 5 from 70
    curve = services.s_curve(20)
    assert curve[-1] == 100 and curve == sorted(curve) and curve[4] < 20 < curve[10]


def _project(session, actor, weeks_ago=10, weeks=20):
    start = regency_today() - timedelta(weeks=weeks_ago)
    return services.create_project(
        session,
        actor,
        unit_code=KALIJAMBE,
        name="Rehabilitasi jalan Kalijambe-Keden",
        pagu=1_500_000_000,
        contract_value=1_350_000_000,
        contractor="CV Karya Mandiri",
        start_on=start,
        end_on=start + timedelta(weeks=weeks),
        desa_code="33.14.01.2001",
        latitude=-7.43,
        longitude=110.84,
        plan=[5 * (i + 1) for i in range(weeks)],
    )


def test_progress_guards_and_the_warning(app, actor_at, make_user):
    officer = actor_at("kantaya_project_officer", KALIJAMBE)
    head = make_user("kantaya_head", KALIJAMBE)
    today = regency_today()
    with app.app_context(), tx(app) as session:
        project = _project(session, officer)
        pid = project.id
        with pytest.raises(InvalidInput) as over:
            services.record_progress(
                session,
                officer,
                pid,
                week_on=today - timedelta(weeks=8),
                physical_pct=101,
                financial=0,
            )
        services.record_progress(
            session,
            officer,
            pid,
            week_on=today - timedelta(weeks=8),
            physical_pct=10,
            financial=100_000_000,
        )
        with pytest.raises(InvalidInput) as back:
            services.record_progress(
                session,
                officer,
                pid,
                week_on=today - timedelta(weeks=7),
                physical_pct=8,
                financial=100_000_000,
            )
        with pytest.raises(InvalidInput):  # above the contract value
            services.record_progress(
                session,
                officer,
                pid,
                week_on=today - timedelta(weeks=7),
                physical_pct=12,
                financial=2_000_000_000,
            )
    assert over.value.slug == "invalid-progress" and back.value.slug == "progress-backwards"
    with app.app_context(), tx(app) as session:
        # Week 10: the plan is at 50%, the actual 12%: critical, warned once.
        services.record_progress(
            session,
            officer,
            pid,
            week_on=today,
            physical_pct=12,
            financial=150_000_000,
            reason="",
        )
        project = services.get_project(session, officer, pid)
        assert project.critical and project.planned_pct == 50 and project.deviation == -38
        assert [s.kind for s in project.steps] == ["warning"]
        inbox = session.scalar(
            select(func.count()).select_from(InboxEntry).where(InboxEntry.user_id == head.id)
        )
        assert inbox == 1
        with pytest.raises(Conflict):  # SP1 before the show-cause meeting
            services.record_step(session, officer, pid, kind="sp1", on=today)
        services.record_step(session, officer, pid, kind="show_cause", on=today)
        services.record_step(session, officer, pid, kind="sp1", on=today)
        with pytest.raises(Conflict):
            services.record_step(session, officer, pid, kind="sp1", on=today)


def test_the_table_is_scoped_and_sorted_by_deviation(app, actor_at):
    officer = actor_at("kantaya_project_officer", KALIJAMBE)
    leader = actor_at("kantaya_leader", "33.14")
    outsider = actor_at("kantaya_project_officer", PLUPUH)
    today = regency_today()
    with app.app_context(), tx(app) as session:
        behind = _project(session, officer)
        ahead = _project(session, officer)
        services.record_progress(
            session, officer, behind.id, week_on=today, physical_pct=20, financial=0
        )
        services.record_progress(
            session, officer, ahead.id, week_on=today, physical_pct=55, financial=0
        )
        ordered = [p.id for p in session.scalars(services.projects_query(leader))]
        assert ordered == [behind.id, ahead.id]
        assert list(session.scalars(services.projects_query(outsider))) == []
        with pytest.raises(NotFound):
            services.get_project(session, outsider, behind.id)


def test_projects_over_the_api(client, bearer):
    officer = bearer("kantaya_project_officer", KALIJAMBE)
    start = regency_today() - timedelta(weeks=2)
    body = {
        "unit_code": KALIJAMBE,
        "name": "Gedung PAUD",
        "pagu": 500_000_000,
        "contract_value": 480_000_000,
        "contractor": "CV Sejahtera",
        "start_on": start.isoformat(),
        "end_on": (start + timedelta(weeks=12)).isoformat(),
    }
    made = client.post("/api/v1/kantaya/projects", json=body, headers=officer)
    assert made.status_code == 201, made.get_json()
    assert len(made.get_json()["plan"]) == 12
    pid = made.get_json()["id"]
    progress = {"week_on": regency_today().isoformat(), "physical_pct": 150, "financial": 0}
    refused = client.post(
        f"/api/v1/kantaya/projects/{pid}/progress", json=progress, headers=officer
    )
    assert refused.status_code == 422
    too_much = client.post(
        "/api/v1/kantaya/projects", json={**body, "contract_value": 600_000_000}, headers=officer
    )
    assert too_much.status_code == 422
    listed = client.get("/api/v1/kantaya/projects", headers=officer).get_json()
    assert listed["total"] == 1


def test_every_contract_step_is_named_in_words(app):
    from pamong_plugins.kantaya.views import kantaya_label

    with app.test_request_context(headers={"Accept-Language": "id"}):
        names = [kantaya_label(kind) for kind in services.STEP_ORDER]
    assert names[1] == "Rapat klarifikasi (show cause)"
    assert not set(names) & set(services.STEP_ORDER)  # never the stored code

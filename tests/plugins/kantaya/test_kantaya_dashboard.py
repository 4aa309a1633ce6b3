"""The leader dashboard: scoped figures of the day, and the page for a phone."""

from __future__ import annotations

import pytest

from pamong.errors import Forbidden
from pamong.runtime import regency_today
from pamong_plugins.kantaya import services

pytestmark = pytest.mark.pamong_plugins("kantaya")

KALIJAMBE = "33.14.01"


def tx(app):
    return app.extensions["pamong"].db.transaction()


def test_the_dashboard_counts_todays_reports_in_reach(app, actor_at, client, login_as):
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    bupati = actor_at("kantaya_leader", "33.14")
    camat = actor_at("kantaya_leader", KALIJAMBE)
    today = regency_today()
    with app.app_context(), tx(app) as session:
        report, _ = services.draft_report(session, reporter, unit_code=KALIJAMBE, day=today)
        services.update_report(session, reporter, report.id, {"activities": "Apel"})
        services.submit_report(session, reporter, report.id)
    with app.app_context(), tx(app) as session:
        regency = services.leader_dashboard(session, bupati, today)
        kecamatan = services.leader_dashboard(session, camat, today)
        with pytest.raises(Forbidden):
            services.leader_dashboard(session, reporter, today)
    assert regency.units == 20 and regency.submitted == 1 and regency.missing == 19
    assert regency.week[-1] == (today, 1)
    assert kecamatan.units == 1 and kecamatan.missing == 0
    login_as("kantaya_leader", "33.14")
    page = client.get("/kantaya/dashboard").get_data(as_text=True)
    assert "Laporan terkirim hari ini" in page and "1 / 20" in page

"""The satisfaction survey in the core: index and sample size, links, answers, periods, pages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.hooks import SurveyService
from pamong.orgunits.services import get_unit
from pamong.surveys import services
from pamong.surveys.index import element_means, ikm_score, krejcie_morgan
from pamong.surveys.models import SnapshotChanged, SurveyResponse, SurveySnapshot

SYSTEM = Actor.system("test")
SERVICE = "test.counter"
KEC_A, KEC_B = "33.14.01", "33.14.02"
GOOD = [4, 3, 3, 4, 3, 3, 4, 3, 3]


# -- the pure functions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "sample"),
    [(0, 0), (1, 1), (10, 10), (15, 14), (100, 80), (1000, 278), (75_000, 382), (10**6, 384)],
)
def test_krejcie_morgan_follows_the_published_table(population, sample):
    assert krejcie_morgan(population) == sample


@pytest.mark.parametrize("bad", [-1, 2.5, True, "100"])
def test_krejcie_morgan_refuses_what_is_not_a_head_count(bad):
    with pytest.raises(ValueError):
        krejcie_morgan(bad)


def test_element_means_are_the_nrr_per_element_rounded_half_up():
    means = element_means([[3, 1, 4, 2, 2, 2, 2, 2, 2], [4, 2, 4, 2, 2, 2, 2, 2, 2], [4] * 9])
    assert means[:3] == (Decimal("3.67"), Decimal("2.33"), Decimal("4.00"))


def test_the_licensing_name_of_the_index_still_works():
    from pamong_plugins.licensing.ikm import ikm_score as licensing_score

    assert licensing_score([[3] * 9, [4] * 9]) == ikm_score([[3] * 9, [4] * 9])


@pytest.mark.parametrize(
    ("day", "length", "period"),
    [
        (date(2026, 6, 30), "half-year", "2026-H1"),
        (date(2026, 7, 1), "half-year", "2026-H2"),
        (date(2026, 7, 1), "year", "2026"),
    ],
)
def test_periods_of_a_day(day, length, period):
    assert services.period_of(day, length) == period
    start, end = services.period_bounds(period)
    assert start <= day <= end


@pytest.mark.parametrize("bad", ["", "2026-H3", "26-H1", "2026-h1", "1999", "2026-01"])
def test_a_period_that_is_not_one_is_refused(bad):
    with pytest.raises(InvalidInput):
        services.period_bounds(bad)


# -- links, answers, snapshots --------------------------------------------------------


@pytest.fixture
def surveyable(app):
    app.extensions["pamong"].survey_services[SERVICE] = SurveyService(SERVICE, "Loket uji")
    return app


def _invite(session, reference, unit=KEC_A, day=date(2025, 3, 10)):
    return services.invite(
        session,
        service=SERVICE,
        unit=get_unit(session, unit),
        reference=reference,
        completed_on=day,
    )


def _answer(session, invitation, answers=GOOD, day=date(2025, 3, 11)):
    return services.answer_survey(session, invitation.token, answers, today=day)


def test_a_link_is_unguessable_one_per_file_and_answers_once(surveyable, db_session):
    with surveyable.test_request_context():
        link = services.survey_link(
            db_session,
            service=SERVICE,
            unit=get_unit(db_session, KEC_A),
            reference="case:1",
            base_url="https://sragenkab.go.id",
        )
        again = services.survey_link(
            db_session,
            service=SERVICE,
            unit=get_unit(db_session, KEC_A),
            reference="case:1",
            base_url="https://sragenkab.go.id",
        )
    assert link == again and re.fullmatch(r"https://sragenkab\.go\.id/survey/[\w-]{32}", link)
    token = link.rsplit("/", 1)[1]
    services.answer_survey(db_session, token, GOOD, "  Loketnya   ramah ")
    with pytest.raises(Conflict) as second:
        services.answer_survey(db_session, token, [1] * 9)
    assert second.value.slug == "survey-answered"
    saved = db_session.scalars(select(SurveyResponse)).all()
    assert [(r.service, r.answers, r.comment) for r in saved] == [(SERVICE, GOOD, "Loketnya ramah")]


@pytest.mark.parametrize("answers", [[4] * 8, [4] * 10, [0] + [4] * 8, [5] * 9, ["4"] * 9])
def test_answers_must_be_nine_of_one_to_four(surveyable, db_session, answers):
    invitation = _invite(db_session, "case:2")
    with pytest.raises(InvalidInput):
        services.answer_survey(db_session, invitation.token, answers)
    assert invitation.answered_at is None


def test_unknown_links_and_services(surveyable, db_session):
    with pytest.raises(NotFound):
        services.answer_survey(db_session, "x" * 32, GOOD)
    with surveyable.app_context(), pytest.raises(ValueError):
        services.invite(
            db_session, service="nobody.knows", unit=get_unit(db_session, KEC_A), reference="r"
        )


def test_live_figures_count_population_sample_and_index(surveyable, db_session):
    first = _invite(db_session, "case:1")
    second = _invite(db_session, "case:2")
    _invite(db_session, "case:3", unit=KEC_B)
    _answer(db_session, first, [3] * 9)
    _answer(db_session, second, [4] * 9)
    with surveyable.app_context():
        figures = services.period_figures(db_session, "2025-H1")
    by_unit = {f.unit_code: f for f in figures}
    a, b = by_unit[KEC_A], by_unit[KEC_B]
    assert (a.service_title, a.population, a.respondents, a.sample_target) == (
        "Loket uji",
        2,
        2,
        2,
    )
    assert (a.value, a.grade, a.closed) == (Decimal("87.50"), "B", False)
    assert a.element_means[0] == Decimal("3.50")
    assert (b.population, b.respondents, b.value, b.grade) == (1, 0, None, "")
    assert services.period_figures(db_session, "2025-H2", services={}) == []


def test_closing_stores_snapshots_that_never_change(surveyable, db_session):
    _answer(db_session, _invite(db_session, "case:1"), [3] * 9)
    with pytest.raises(Conflict):
        services.close_period(db_session, SYSTEM, "2025-H1", today=date(2025, 6, 30))
    stored = services.close_period(db_session, SYSTEM, "2025-H1", today=date(2025, 7, 1))
    assert [(s.service, s.value, s.grade, s.respondents) for s in stored] == [
        (SERVICE, "75.00", "C", 1)
    ]
    # An answer imported into the closed period later changes nothing published.
    late = _invite(db_session, "case:9")
    _answer(db_session, late, [4] * 9, day=date(2025, 5, 1))
    assert services.close_period(db_session, SYSTEM, "2025-H1", today=date(2025, 8, 1)) == []
    [figure] = services.period_figures(db_session, "2025-H1", services={})
    assert (figure.closed, figure.value, figure.respondents) == (True, Decimal("75.00"), 1)
    snapshot = db_session.scalar(select(SurveySnapshot))
    snapshot.value = "99.00"
    with pytest.raises(SnapshotChanged):
        db_session.flush()
    db_session.rollback()


def test_closing_is_scoped_to_the_actors_units(surveyable, app, db_session, make_user):
    _answer(db_session, _invite(db_session, "case:1", unit=KEC_A))
    _answer(db_session, _invite(db_session, "case:2", unit=KEC_B))
    db_session.commit()
    from pamong.accounts.services import actor_for, load_user

    users = [make_user(role, KEC_A) for role in ("admin", "viewer")]
    admin_a, viewer = (actor_for(load_user(db_session, user.id)) for user in users)
    stored = services.close_period(db_session, admin_a, "2025-H1", today=date(2025, 7, 2))
    assert [s.org_unit.code for s in stored] == [KEC_A]
    with pytest.raises(Forbidden):
        services.close_period(db_session, viewer, "2025-H1", today=date(2025, 7, 2))
    with pytest.raises(Forbidden):
        services.comments(db_session, viewer, "2025-H1")


# -- pages and API ---------------------------------------------------------------------


@pytest.fixture
def link(surveyable, db_session):
    invitation = _invite(db_session, "case:1", day=date.today())
    db_session.commit()
    return invitation.path


def _csrf(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_answer_page_works_without_javascript_and_refuses_twice(client, link):
    page = client.get(link)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Loket uji" in text and text.count('type="radio"') == 36
    assert '<form method="post"' in text  # a plain form: no script needed
    token = _csrf(client, link)
    missing = client.post(link, data={"csrf_token": token, "q0": "4"})
    assert missing.status_code == 422 and 'value="4" required checked' in missing.get_data(
        as_text=True
    )
    answers = {f"q{i}": "4" for i in range(9)}
    assert client.post(link, data={"csrf_token": token, **answers}).status_code == 200
    again = client.post(link, data={"csrf_token": token, **answers})
    assert again.status_code == 409
    assert client.get(link).status_code == 409
    assert client.get("/survey/no-such-token-at-all-here").status_code == 404


def test_the_form_without_csrf_is_refused(client, link):
    answers = {f"q{i}": "4" for i in range(9)}
    assert client.post(link, data=answers).status_code == 400


def test_the_api_answers_once_with_problem_json(client, link):
    token = link.rsplit("/", 1)[1]
    form = client.get(f"/api/v1/surveys/links/{token}").get_json()
    assert form["service_title"] == "Loket uji" and len(form["elements"]) == 9
    bad = client.post(f"/api/v1/surveys/links/{token}", json={"answers": [5] * 9})
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    ok = client.post(f"/api/v1/surveys/links/{token}", json={"answers": GOOD, "comment": "Cepat"})
    assert ok.status_code == 201
    again = client.post(f"/api/v1/surveys/links/{token}", json={"answers": GOOD})
    assert again.status_code == 409 and again.get_json()["type"].endswith("survey-answered")
    results = client.get("/api/v1/surveys/results").get_json()
    [figure] = results["figures"]
    assert (figure["service"], figure["respondents"], figure["value"], figure["grade"]) == (
        SERVICE,
        1,
        "83.33",
        "B",
    )
    assert "comment" not in figure
    assert client.get("/api/v1/surveys/results?period=2026-H9").status_code == 422


def test_the_public_results_page_draws_bars_without_personal_data(client, link):
    token = link.rsplit("/", 1)[1]
    client.post(f"/api/v1/surveys/links/{token}", json={"answers": GOOD, "comment": "Budi 0812345"})
    page = client.get("/survey/results").get_data(as_text=True)
    assert "Loket uji" in page and "<svg" in page and "83.33" in page
    assert "0812345" not in page and token not in page


def test_the_admin_page_closes_a_period(surveyable, app, client, login_as, db_session):
    _answer(db_session, _invite(db_session, "case:1"), [3] * 9)
    db_session.commit()
    login_as("admin")
    page = client.get("/survey/admin?period=2025-H1").get_data(as_text=True)
    assert "Loket uji" in page and "75.00" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    closed = client.post("/survey/admin/close", data={"csrf_token": token, "period": "2025-H1"})
    assert closed.status_code == 302
    public = client.get("/survey/results?period=2025-H1").get_data(as_text=True)
    assert "75.00" in public
    again = client.post("/survey/admin/close", data={"csrf_token": token, "period": "2025-H1"})
    assert again.status_code == 302
    assert db_session.scalar(select(SurveySnapshot.value)) == "75.00"


def test_the_close_api_needs_the_permission(surveyable, client, bearer, db_session):
    _answer(db_session, _invite(db_session, "case:1"), [3] * 9)
    db_session.commit()
    refused = client.post("/api/v1/surveys/periods/2025-H1/close", headers=bearer("viewer"))
    assert refused.status_code == 403
    done = client.post("/api/v1/surveys/periods/2025-H1/close", headers=bearer("admin"))
    assert done.get_json() == {"period": "2025-H1", "snapshots": 1}
    future = client.post("/api/v1/surveys/periods/2099-H1/close", headers=bearer("admin"))
    assert future.status_code == 409

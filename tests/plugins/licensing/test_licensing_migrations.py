"""The licensing lineage: empty -> head -> base -> head, and no drift from the models."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import inspect

from pamong import migrate
from pamong.app import create_app
from pamong.config import write_config
from pamong.plugins import tables_of
from pamong.testing import _reset_postgres


@pytest.fixture
def fresh_app(tmp_path):
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    write_config(tmp_path, region="33.14", plugins=["licensing"])
    app = create_app(tmp_path, check_schema=False, **({"database_url": url} if url else {}))
    yield app
    app.extensions["pamong"].db.dispose()


def _drift(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pamong.db import Base

    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_object": migrate.include_object_for("licensing"), "compare_type": True},
        )
        return compare_metadata(context, Base.metadata)


def test_the_licensing_migration_matches_the_models(fresh_app):
    state = fresh_app.extensions["pamong"]
    rows = migrate.upgrade(state.db, state.host)
    assert [(r.id, r.up_to_date) for r in rows] == [("core", True), ("licensing", True)]
    assert _drift(state.db) == []


def test_licensing_goes_down_to_base_and_up_again(fresh_app):
    state = fresh_app.extensions["pamong"]
    migrate.upgrade(state.db, state.host)
    migrate.downgrade(state.db, state.host, "licensing", "base")
    with state.db.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    assert not set(tables_of("licensing")) & names
    migrate.upgrade(state.db, state.host)
    assert _drift(state.db) == []


@pytest.mark.pamong_plugins("licensing")
def test_the_survey_moves_to_the_core_and_back_with_its_answers(app, catalogue, actor_of):
    """licensing_0002 moves answers to the core (same token); its downgrade returns them."""
    from datetime import date

    from sqlalchemy import text

    from pamong_plugins.licensing import services

    state = app.extensions["pamong"]
    head = actor_of("licensing_head")
    with state.db.transaction() as session:
        applicant = services.counter_applicant(session, head, {"name": "CV Maju", "email": ""})
        stype = services.get_service_type(session, "SIUP")
        application = services.submit_application(
            session,
            head,
            service_type=stype,
            applicant=applicant,
            checked=stype.requirements,
            today=date(2026, 3, 16),
        )
        while application.stage not in ("decision", "payment", "handover"):
            services.advance(session, head, application)
        if application.stage == "decision":
            services.decide(session, head, application, approve=True, today=date(2026, 3, 20))
        if application.stage == "payment":
            services.record_payment(session, head, application, "STS-1", today=date(2026, 3, 21))
        token = services.hand_over(session, head, application, today=date(2026, 3, 23))
        services.submit_survey(session, token, [4, 3, 3, 4, 3, 3, 4, 3, 3], "Cepat")
        application_id = application.id

    def rows(sql):
        with state.db.engine.connect() as conn:
            return conn.execute(text(sql)).all()

    migrate.downgrade(state.db, state.host, "licensing", "licensing_0001")
    assert rows("SELECT application_id, comment FROM licensing_survey_responses") == [
        (application_id, "Cepat")
    ]
    assert rows("SELECT count(*) FROM survey_responses") == [(0,)]
    migrate.upgrade(state.db, state.host)
    assert rows("SELECT token, reference FROM survey_invitations") == [
        (token, f"licensing_application:{application_id}")
    ]
    assert rows("SELECT answers, comment, answered_on FROM survey_responses")[0][1] == "Cepat"
    with state.db.transaction() as session:
        again = services.survey_application(session, token)
        assert services.survey_answered(session, again)

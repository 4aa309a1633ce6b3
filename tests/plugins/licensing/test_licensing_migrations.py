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

"""Each component's migration lineage: empty -> head -> base -> head, and no drift."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import pamong_plugins
from pamong import migrate
from pamong.app import create_app
from pamong.config import write_config
from pamong.db import Base
from pamong.plugins import available_plugins, tables_of
from pamong.testing import _reset_postgres

#: The example plugin and every built-in plugin (each has its own lineage).
PLUGINS = ["example", *sorted(p for p in available_plugins() if p != "example")]


@pytest.fixture
def fresh_app(tmp_path):
    """An app with every plugin on an empty database (no tables at all)."""
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    write_config(tmp_path, region="33.14", plugins=PLUGINS)
    app = create_app(tmp_path, check_schema=False, **({"database_url": url} if url else {}))
    yield app
    app.extensions["pamong"].db.dispose()


def drift(db, component: str) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": migrate.include_object_for(component),
                "compare_type": True,
            },
        )
        return compare_metadata(context, Base.metadata)


def table_names(db) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_upgrade_creates_every_component_at_its_head(fresh_app):
    state = fresh_app.extensions["pamong"]
    rows = migrate.upgrade(state.db, state.host)
    assert [(r.id, r.up_to_date) for r in rows] == [("core", True)] + [(p, True) for p in PLUGINS]
    assert {f"alembic_version_{p}" for p in PLUGINS} <= table_names(state.db)


@pytest.mark.parametrize("component", ["core", *PLUGINS])
def test_migrations_match_the_models(fresh_app, component):
    state = fresh_app.extensions["pamong"]
    migrate.upgrade(state.db, state.host)
    assert drift(state.db, component) == []


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_plugin_goes_down_to_base_and_up_again_alone(fresh_app, plugin):
    state = fresh_app.extensions["pamong"]
    migrate.upgrade(state.db, state.host)
    migrate.downgrade(state.db, state.host, plugin, "base")
    names = table_names(state.db)
    assert not set(tables_of(plugin)) & names
    assert "residents" in names
    migrate.upgrade(state.db, state.host)
    assert set(tables_of(plugin)) <= table_names(state.db)
    assert drift(state.db, plugin) == []


def test_the_core_goes_down_to_base_and_up_again(fresh_app):
    state = fresh_app.extensions["pamong"]
    migrate.upgrade(state.db, state.host)
    for plugin in reversed(PLUGINS):
        migrate.downgrade(state.db, state.host, plugin, "base")
    migrate.downgrade(state.db, state.host, "core", "base")
    assert not set(tables_of("core")) & table_names(state.db)
    migrate.upgrade(state.db, state.host)
    assert set(tables_of("core")) <= table_names(state.db)
    assert drift(state.db, "core") == []


def test_create_schema_stamps_heads_so_upgrade_has_nothing_to_do(fresh_app):
    state = fresh_app.extensions["pamong"]
    migrate.create_schema(state.db, state.host)
    assert all(row.up_to_date for row in migrate.status(state.db, state.host))
    assert all(drift(state.db, c) == [] for c in ["core", *PLUGINS])


def test_tables_of_a_disabled_plugin_are_not_created(tmp_path, app):
    import pamong_example.models  # noqa: F401  (its table is in the metadata)

    assert "example_notes" not in table_names(app.extensions["pamong"].db)


PLUGIN_LINEAGES = sorted(
    versions
    for folder in pamong_plugins.__path__
    for versions in Path(folder).glob("*/migrations/versions")
)
LINEAGES = [migrate.ENV_DIR / "versions", *PLUGIN_LINEAGES]


@pytest.mark.parametrize("versions", LINEAGES, ids=lambda p: p.parent.parent.name)
def test_the_start_up_check_reads_each_lineage_head_as_alembic_does(versions):
    """App creation compares version tables with heads read from the files' text."""
    declared = migrate._declared_head(versions, migrate._fingerprint(versions))
    assert declared == migrate.head(migrate.Component("any", versions))

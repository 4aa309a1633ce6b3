"""A plugin host that contains faulty plugins.

Startup fails with one clear error naming every culprit (a plugin id
installed twice, a misspelled hook, a colliding URL prefix or command
group); a failing migration is one paragraph, not a traceback; the app
refuses to serve on a schema behind its migrations; the diagnostic
commands keep working when a plugin is broken; a listener that raises is
contained unless its hook is transactional. The plugins with these faults
live in ``tests/plugin_site/bad_plugins``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
from contextlib import closing
from datetime import date
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from pamong import migrate
from pamong import plugins as plugin_host
from pamong.app import create_app
from pamong.cli import main
from pamong.config import write_config
from pamong.hookrelay import hooks_of
from pamong.plugins import StartupError, is_transactional
from pamong.testing import TEST_PASSWORD, _reset_postgres

#: Plugin id -> package under tests/plugin_site/bad_plugins.
BAD = {
    "typo_hook": "typo_hook",
    "track": "clash_url",
    "db": "clash_cli",
    "broken_import": "broken_import",
    "brokenmig": "brokenmig",
    "drifty": "drifty",
    "faulty": "faulty",
    "bad_ready": "bad_ready",
    "bad_demo": "bad_demo",
}


def _entry_point(pid: str, package: str) -> EntryPoint:
    return EntryPoint(pid, f"bad_plugins.{package}", plugin_host.ENTRY_POINT_GROUP)


@pytest.fixture
def bad_plugins(monkeypatch):
    """Installed plugins = the real ones plus the faulty ones."""
    real = plugin_host.installed_entry_points

    def installed():
        return [*real(), *(_entry_point(pid, package) for pid, package in BAD.items())]

    monkeypatch.setattr(plugin_host, "installed_entry_points", installed)


def _problems(tmp_path, plugins):
    write_config(tmp_path, region="33.14")
    with pytest.raises(StartupError) as info:
        create_app(tmp_path, plugins=plugins, check_schema=False)
    return info.value.problems


# -- Startup ---------------------------------------------------------------


def test_two_distributions_with_one_plugin_id_fail_startup_naming_both(tmp_path, monkeypatch):
    real = plugin_host.installed_entry_points
    twin = _entry_point("example", "faulty")
    monkeypatch.setattr(plugin_host, "installed_entry_points", lambda: [*real(), twin])
    problems = _problems(tmp_path, ["example"])
    assert problems == [
        "plugin id 'example' is installed twice: pamong_example (pamong-example 0.1.0) "
        "and bad_plugins.faulty; uninstall one of them"
    ]


def test_a_misspelled_hook_fails_startup_with_a_suggestion(tmp_path, bad_plugins):
    problems = _problems(tmp_path, ["typo_hook"])
    assert (
        "plugin 'typo_hook': bad_plugins.typo_hook.hooks.pamong_register_permisions implements "
        "no known hook; did you mean 'pamong_register_permissions'?"
    ) in problems


def test_a_hook_function_without_the_marker_fails_startup(tmp_path, bad_plugins):
    problems = _problems(tmp_path, ["typo_hook"])
    assert (
        "plugin 'typo_hook': bad_plugins.typo_hook.hooks.pamong_on_resident_registered "
        "is not a @hookimpl; add @hookimpl or it is never called"
    ) in problems


def test_a_url_prefix_that_hides_a_core_page_fails_startup_naming_both(tmp_path, bad_plugins):
    problems = _problems(tmp_path, ["track"])
    assert problems == [
        "URL prefix '/track' of plugin 'track' (track.index) collides with the core (tracking.form)"
    ]


def test_a_command_group_that_hides_a_core_command_fails_startup_naming_both(tmp_path, bad_plugins):
    problems = _problems(tmp_path, ["db"])
    assert problems == [
        "command group 'pamong db' of plugin 'db' collides with the core's command 'pamong db'"
    ]


def test_a_faulty_demo_seeder_stops_pamong_demo_before_any_work(tmp_path, bad_plugins):
    # Servers never gather the demo seeders: only `pamong demo` does, first thing.
    write_config(tmp_path / "server", region="33.14")
    create_app(tmp_path / "server", plugins=["bad_demo"], check_schema=False)
    instance = tmp_path / "demo"
    result = CliRunner().invoke(
        main,
        ["--instance", str(instance), "demo", "--no-serve", "--plugins", "bad_demo"],
    )
    assert result.exit_code == 1, result.output  # a message, not a traceback
    problem = "'bad_demo': pamong_register_demo_data returned 'seed everything', not a"
    assert problem in result.output
    database = instance / "pamong.sqlite3"  # nothing built before the problem was found
    if database.exists():
        with closing(sqlite3.connect(database)) as conn:
            assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_a_listener_failing_when_the_app_is_ready_stops_startup_naming_it(tmp_path, bad_plugins):
    problems = _problems(tmp_path, ["bad_ready"])
    assert problems == [
        "plugin 'bad_ready' failed in pamong_on_app_ready: "
        "RuntimeError('cannot reach the national registry')"
    ]


# -- Migrations and the schema check -----------------------------------------


@pytest.fixture(scope="module")
def initialised(tmp_path_factory):
    """An instance after ``pamong init`` (SQLite), copied by ``instance``."""
    root = tmp_path_factory.mktemp("template")
    password = root / "password"
    password.write_text(TEST_PASSWORD + "\n")
    result = CliRunner().invoke(
        main,
        [
            *("--instance", str(root / "instance"), "init", "--region", "33.14"),
            *("--admin-password-file", str(password)),
        ],
    )
    assert result.exit_code == 0, result.output
    return root / "instance"


@pytest.fixture
def instance(initialised, tmp_path):
    copy = tmp_path / "instance"
    shutil.copytree(initialised, copy)
    return copy


def _enable(instance, *plugin_ids):
    path = instance / "pamong.toml"
    listed = ", ".join(f'"{pid}"' for pid in plugin_ids)
    path.write_text(re.sub(r"(?m)^plugins = .*$", f"plugins = [{listed}]", path.read_text()))


def _pamong(instance, *args):
    return CliRunner().invoke(main, ["--instance", str(instance), *args])


def _tables(instance):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{instance / 'pamong.sqlite3'}")
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_failing_plugin_migration_is_one_paragraph_naming_plugin_and_revision(
    instance, bad_plugins
):
    _enable(instance, "brokenmig")
    result = _pamong(instance, "db", "upgrade")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.startswith(
        "Error: The upgrade of plugin 'brokenmig' failed in revision 'brokenmig_0001': "
        "OperationalError: no such column: no_such_column. The whole upgrade was rolled back"
    )
    assert "\n" not in message
    assert "brokenmig_items" not in _tables(instance)


def test_a_failing_migration_rolls_back_the_whole_upgrade(tmp_path, bad_plugins):
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    write_config(tmp_path, region="33.14", plugins=["brokenmig"])
    app = create_app(tmp_path, check_schema=False, **({"database_url": url} if url else {}))
    state = app.extensions["pamong"]
    try:
        with pytest.raises(migrate.MigrationError) as info:
            migrate.upgrade(state.db, state.host)
        assert (info.value.component, info.value.revision) == ("brokenmig", "brokenmig_0001")
        assert not inspect(state.db.engine).get_table_names()  # the core's tables too
    finally:
        state.db.dispose()


def test_the_app_refuses_to_start_on_a_plugin_without_its_schema(instance):
    _enable(instance, "example")
    with pytest.raises(migrate.SchemaNotCurrent) as info:
        create_app(instance)
    assert str(info.value).startswith(
        "The database schema does not match this version of Pamong and its plugins; "
        "run `pamong db upgrade`, then start again:"
    )
    assert info.value.problems == [
        "plugin 'example' has no schema yet (its newest migration is example_0001)"
    ]


def test_db_upgrade_brings_the_schema_to_head_and_the_app_starts(instance):
    _enable(instance, "example")
    result = _pamong(instance, "db", "upgrade")
    assert result.exit_code == 0, result.output
    app = create_app(instance)
    app.extensions["pamong"].db.dispose()


def test_a_command_refuses_to_run_on_a_schema_behind(instance):
    _enable(instance, "example")
    result = _pamong(instance, "orgunits", "list", "--kind", "regency")
    assert result.exit_code == 1
    assert "run `pamong db upgrade`" in result.output


def test_db_downgrade_takes_one_component_back_and_the_app_then_refuses(instance):
    newest = sorted(p.stem for p in (Path(migrate.ENV_DIR) / "versions").glob("core_*.py"))
    head, previous = newest[-1][:9], newest[-2][:9]
    result = _pamong(instance, "db", "downgrade", "core", "-1", "--yes")
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["core", previous]
    with pytest.raises(migrate.SchemaNotCurrent) as info:
        create_app(instance)
    assert info.value.problems == [
        f"the core is at revision {previous}, its newest migration is {head}"
    ]


def test_db_downgrade_asks_before_dropping_data(instance):
    result = CliRunner().invoke(
        main, ["--instance", str(instance), "db", "downgrade", "core", "-1"], input="n\n"
    )
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert _pamong(instance, "db", "status").exit_code == 0


def test_db_downgrade_names_the_components_it_knows(instance):
    result = _pamong(instance, "db", "downgrade", "ktp", "base", "--yes")
    assert result.exit_code == 1
    assert "unknown component 'ktp' (with migrations: core)" in result.output


def test_the_test_fixtures_build_apps_at_head(app):
    state = app.extensions["pamong"]
    assert migrate.schema_problems(state.db, state.host) == []


# -- Diagnostics with a broken plugin ---------------------------------------


def test_plugins_list_names_a_plugin_that_fails_to_import(instance, bad_plugins):
    _enable(instance, "example", "broken_import")
    result = _pamong(instance, "plugins", "list")
    assert result.exit_code == 1
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert rows["broken_import"].split()[2] == "broken"
    assert "ModuleNotFoundError: No module named 'pamong_no_such_library'" in rows["broken_import"]
    assert rows["example"].split()[2] == "enabled"
    assert "plugin 'broken_import' failed to import" in result.stderr


def test_db_status_names_a_plugin_that_fails_to_import(instance, bad_plugins):
    _enable(instance, "broken_import")
    result = _pamong(instance, "db", "status")
    assert result.exit_code == 1
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    assert rows["core"][-1] == "ok"
    assert rows["broken_import"][1:] == ["-", "?", "plugin", "does", "not", "load"]
    assert "plugin 'broken_import' failed to import" in result.stderr


# -- Event listeners ----------------------------------------------------------


@pytest.fixture
def faulty_app(bad_plugins, enable_plugins):
    """The example plugin (a working listener) and ``faulty`` (failing ones)."""
    return enable_plugins("example", "faulty")


def _count(app, model, **where):
    with app.extensions["pamong"].db.session() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def register(faulty_app):
    """Register a resident in Kalijambe (33.14.01) through the identity service."""
    from pamong.accounts.permissions import Actor
    from pamong.identity.services import register_resident
    from pamong.identity.synthetic import make_nik

    def make():
        born = date(1990, 8, 12)
        data = {
            "nik": make_nik("33.14.01", born, "M", 7),
            "name": "Budi Santoso",
            "birth_place": "Sragen",
            "birth_date": born,
            "sex": "M",
            "domicile_code": "33.14.01.2001",
            "address": "Dukuh Keden",
        }
        with faulty_app.extensions["pamong"].db.transaction() as session:
            return register_resident(session, Actor.system("test"), data)

    return make


def test_a_listener_that_raises_does_not_fail_the_registration(faulty_app, register, caplog):
    from bad_plugins.faulty.models import Mark
    from pamong_example.models import Note

    from pamong.identity.models import Resident

    with caplog.at_level(logging.ERROR, "pamong.plugins"):
        register()
    assert _count(faulty_app, Resident) == 1
    assert _count(faulty_app, Note) == 1  # the other plugin's listener ran
    assert _count(faulty_app, Mark) == 0  # the faulty listener's work was rolled back
    assert "plugin 'faulty' failed in pamong_on_resident_registered" in caplog.text


def test_a_failing_listener_is_audited(faulty_app, register):
    from pamong.audit.models import AuditEntry

    register()
    with faulty_app.extensions["pamong"].db.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "plugin.listener_failed")
        ).one()
    assert (entry.actor, entry.object_type, entry.object_id) == ("plugin host", "plugin", "faulty")
    assert entry.detail == {
        "hook": "pamong_on_resident_registered",
        "error": "RuntimeError: faulty listener",
    }


def test_a_listener_whose_rows_the_database_refuses_does_not_fail_the_change(faulty_app, register):
    from pamong.accounts.permissions import Actor
    from pamong.identity.models import Resident
    from pamong.identity.services import update_resident

    resident = register()
    with faulty_app.extensions["pamong"].db.transaction() as session:
        update_resident(session, Actor.system("test"), resident.nik, {"name": "Budi Susanto"})
    assert _count(faulty_app, Resident, name="Budi Susanto") == 1


def test_a_listener_of_a_transactional_hook_fails_the_operation(faulty_app):
    from pamong.hooks import FeeDue

    fee = FeeDue("faulty", "faulty:1", 30000, "A fee", "33.14.01")
    session = faulty_app.extensions["pamong"].db.session()
    with session, pytest.raises(RuntimeError, match="billing is down"):
        hooks_of(session).pamong_on_fee_due(fee=fee, session=session)


def test_hookspecs_declare_which_event_hooks_are_transactional(app):
    hook = app.extensions["pamong"].host.pm.hook
    assert is_transactional(hook.pamong_on_fee_due)
    assert is_transactional(hook.pamong_on_app_ready)
    assert not is_transactional(hook.pamong_on_resident_registered)
    assert not is_transactional(hook.pamong_on_status_changed)


# -- The drift check for plugin authors -------------------------------------


def test_check_migrations_passes_when_migrations_match_the_models(check_migrations):
    check_migrations("example")


def test_check_migrations_fails_when_models_and_migrations_drift(check_migrations, bad_plugins):
    with pytest.raises(pytest.fail.Exception) as info:
        check_migrations("drifty")
    message = str(info.value)
    assert message.startswith("the migrations of 'drifty' do not match its models")
    assert "'add_column'" in message and "drifty_things" in message and "label" in message


def test_check_migrations_reports_a_failing_migration_in_one_paragraph(
    check_migrations, bad_plugins
):
    with pytest.raises(pytest.fail.Exception) as info:
        check_migrations("brokenmig")
    assert str(info.value).startswith("The upgrade of plugin 'brokenmig' failed")

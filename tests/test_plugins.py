"""The plugin host: discovery, order, validation, hooks, per-plugin settings and CLI."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from pamong import plugins as plugin_host
from pamong.app import create_app
from pamong.cli import main
from pamong.config import write_config
from pamong.hookspecs import __name__ as hookspecs_module
from pamong.plugins import PluginHost, StartupError

BAD = (
    "wrongid",
    "cyc_a",
    "cyc_b",
    "needs_billing",
    "oldcore",
    "badtable",
    "dupperm",
    "strict_settings",
    "chain_a",
    "chain_b",
)


@pytest.fixture
def with_bad_plugins(monkeypatch):
    """Installed plugins = the real ones plus tests/plugin_site/bad_plugins/*."""
    real = plugin_host.available_plugins

    def available():
        found = real()
        for name in BAD:
            found[name] = EntryPoint(name, f"bad_plugins.{name}", plugin_host.ENTRY_POINT_GROUP)
        return found

    monkeypatch.setattr(plugin_host, "available_plugins", available)


def _problems(tmp_path, plugins, **settings):
    write_config(tmp_path, region="33.14")
    with pytest.raises(StartupError) as info:
        create_app(tmp_path, plugins=plugins, **settings)
    return info.value.problems


def test_the_example_plugin_is_discovered_through_its_entry_point():
    assert "example" in plugin_host.available_plugins()


def test_installed_plugins_are_not_imported_unless_enabled(app):
    assert "example" not in app.extensions["pamong"].plugins


@pytest.mark.pamong_plugins("example")
def test_an_enabled_plugin_is_loaded_with_its_info(app):
    loaded = app.extensions["pamong"].plugins["example"]
    assert loaded.info.version == "0.1.0"
    assert loaded.distribution_version == "0.1.0"


def test_an_unknown_plugin_is_reported(tmp_path):
    problems = _problems(tmp_path, ["no_such_plugin"])
    assert any("unknown plugin 'no_such_plugin'" in p for p in problems)


def test_every_startup_problem_is_reported_together(tmp_path, with_bad_plugins):
    problems = _problems(
        tmp_path,
        [
            "nope",
            "wrongid",
            "cyc_a",
            "cyc_b",
            "needs_billing",
            "oldcore",
            "badtable",
            "dupperm",
            "strict_settings",
        ],
        plugin_settings={"strict_settings": {"fee": "lima ribu"}},
    )
    text = "\n".join(problems)
    assert "unknown plugin 'nope'" in text
    assert "PLUGIN.id is 'someone_else'" in text
    assert "dependency cycle: cyc_a -> cyc_b -> cyc_a" in text
    assert "requires 'billing', which is not enabled" in text  # installed, not enabled
    assert "needs Pamong >=99" in text
    assert "table 'things' must start with 'badtable_'" in text
    assert "duplicate permission 'dupperm.read'" in text
    assert "permission 'core.residents.view' must be in the 'dupperm' namespace" in text
    assert "invalid settings [plugins.strict_settings]" in text
    assert len(problems) == 9


def test_the_startup_error_message_lists_each_problem(tmp_path):
    write_config(tmp_path, region="33.14")
    with pytest.raises(StartupError, match=r"\(2 problem\(s\)\):\n  - unknown plugin .x."):
        create_app(tmp_path, plugins=["x", "y"])


def test_requires_orders_loading_whatever_the_config_order(with_bad_plugins):
    host = PluginHost(["chain_a", "chain_b"])
    host.load()
    assert host.problems == []
    assert list(host.plugins) == ["chain_b", "chain_a"]


def test_plugin_settings_are_validated_and_loaded(tmp_path, with_bad_plugins):
    write_config(tmp_path, region="33.14")
    app = create_app(
        tmp_path,
        plugins=["strict_settings"],
        plugin_settings={"strict_settings": {"fee": 5000}},
        check_schema=False,
    )
    assert app.extensions["pamong"].plugin_settings("strict_settings") == {"fee": 5000}
    app.extensions["pamong"].db.dispose()


@pytest.mark.pamong_plugins("example")
def test_settings_defaults_come_from_the_plugin_schema(app):
    assert app.extensions["pamong"].plugin_settings("example") == {"greeting": "halo", "limit": 3}


def test_settings_for_a_plugin_without_a_schema_are_refused(tmp_path, with_bad_plugins):
    problems = _problems(tmp_path, ["chain_b"], plugin_settings={"chain_b": {"x": 1}})
    assert problems == ["plugin 'chain_b' takes no settings, but [plugins.chain_b] is set"]


@pytest.mark.pamong_plugins("example")
def test_plugin_blueprints_are_mounted_in_their_namespace(app, client):
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert rules["/example/"] == "example.index"
    assert rules["/api/v1/example/notes/count"] == "example_api.note_count"
    assert client.get("/api/v1/example/notes/count").json == {"count": 0}


@pytest.mark.pamong_plugins("example")
def test_plugin_api_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/example/notes/count" in spec["paths"]


@pytest.mark.pamong_plugins("example")
def test_plugin_permissions_nav_items_and_roles_are_collected(app):
    state = app.extensions["pamong"]
    assert "example.write" in state.permissions
    assert "core.residents.view" in state.permissions
    assert ("example", "example.index") in [(c, n.endpoint) for c, n in state.nav_items]
    assert "example_clerk" in [r.name for r in state.roles]


@pytest.mark.pamong_plugins("example")
def test_nav_items_are_ordered_by_weight_not_by_load_order(app):
    weights = [item.weight for _c, item in app.extensions["pamong"].nav_items]
    assert weights == sorted(weights)


@pytest.mark.pamong_plugins("example")
def test_an_event_hook_writes_in_the_registering_transaction(app, make_resident, db_session):
    from pamong_example.models import Note

    make_resident(name="Sri Lestari", sex="F")
    assert db_session.scalar(select(func.count()).select_from(Note)) == 1


@pytest.mark.pamong_plugins("example")
def test_the_app_ready_hook_is_called(app):
    from pamong_example.hooks import EVENTS

    assert ("app_ready", "pamong") in EVENTS


def test_the_example_plugin_implements_every_hook():
    import pamong_example.hooks as impls

    import pamong.hookspecs as specs

    hooks = {name for name in dir(specs) if name.startswith("pamong_")}
    assert hooks and hooks <= set(dir(impls)), (
        f"unused by the example plugin: {hooks - set(dir(impls))}"
    )
    assert hookspecs_module == "pamong.hookspecs"


def test_trace_hooks_prints_every_hook_call(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PAMONG_TRACE_HOOKS", "1")
    write_config(tmp_path, region="33.14")
    app = create_app(tmp_path, check_schema=False)
    app.extensions["pamong"].db.dispose()
    err = capsys.readouterr().err
    assert "[pamong hook] pamong_register_permissions() -> [core]" in err
    assert "[pamong hook] pamong_on_app_ready(app)" in err


def _cli(tmp_path, *args):
    return CliRunner().invoke(main, ["--instance", str(tmp_path), *args])


def test_plugins_list_shows_version_state_and_hooks(tmp_path):
    write_config(tmp_path, region="33.14", plugins=["example"])
    result = _cli(tmp_path, "plugins", "list")
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if row.startswith("example"))
    assert "0.1.0" in line and "enabled" in line
    assert "pamong_register_blueprints" in line and "pamong_on_resident_registered" in line


def test_plugins_list_shows_disabled_plugins(tmp_path):
    write_config(tmp_path, region="33.14")
    result = _cli(tmp_path, "plugins", "list")
    line = next(row for row in result.output.splitlines() if row.startswith("example"))
    assert "disabled" in line


def test_a_plugin_adds_its_command_group(tmp_path):
    write_config(tmp_path, region="33.14", plugins=["example"])
    result = _cli(tmp_path, "example", "hello")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hello from example"


@pytest.mark.pamong_plugins("example")
def test_demo_data_seeders_run_after_the_core_demo(app):
    from pamong_example.hooks import EVENTS

    from pamong.demo import run_demo

    run_demo(app, residents=50)
    contexts = [ctx for kind, ctx in EVENTS if kind == "demo"]
    assert contexts and contexts[-1].region == "33.14"
    assert "op.kalijambe" in contexts[-1].staff


@pytest.mark.pamong_plugins("example")
def test_the_worker_runs_plugin_jobs_when_due(app):
    from pamong_example.hooks import EVENTS

    from pamong.cli import run_worker_jobs

    assert [job.name for _c, job in app.extensions["pamong"].worker_jobs] == ["example.count_notes"]
    assert run_worker_jobs(app) == ["example.count_notes: counted"]
    assert run_worker_jobs(app) == []  # not due again for 60 s, whoever asks
    assert run_worker_jobs(app, force=True) == ["example.count_notes: counted"]
    assert [e for e in EVENTS if e[0] == "job"]


@pytest.mark.pamong_plugins("example")
def test_a_failing_worker_job_is_reported_and_does_not_stop_the_others(app):
    from pamong.cli import run_worker_jobs
    from pamong.hooks import WorkerJob

    def broken(_app):
        raise RuntimeError("smtp down")

    state = app.extensions["pamong"]
    state.worker_jobs = [("example", WorkerJob("example.broken", broken)), *state.worker_jobs]
    lines = run_worker_jobs(app, force=True)
    assert lines[0].startswith("example.broken: failed: RuntimeError")
    assert lines[1] == "example.count_notes: counted"

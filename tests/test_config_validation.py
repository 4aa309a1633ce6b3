"""``pamong.toml``: an unknown key or an invalid value fails startup, each one named.

A typo must never be silently ignored (a misspelt ``smtp_host`` would mean
no mail, a misspelt rate limit no protection). All problems come in one
message, the core's and the plugins' together, so one edit fixes them all.
A missing instance says how to create one, and a ``pamong init`` that fails
leaves nothing behind.
"""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from pamong.app import create_app
from pamong.cli import main
from pamong.config import ConfigError, load_settings, write_config


@pytest.fixture
def instance(tmp_path):
    """An instance folder whose [pamong] table gets ``lines`` (replacing the same keys)."""

    def make(*lines: str, plugins=(), tail: str = ""):
        path = write_config(tmp_path, region="33.14", plugins=list(plugins))
        keys = {line.split("=")[0].strip() for line in lines}
        kept = [
            line
            for line in path.read_text("utf-8").splitlines()
            if line.split("=")[0].strip() not in keys
        ]
        path.write_text("\n".join([*kept, *lines]) + "\n" + tail, "utf-8")
        return tmp_path

    return make


def problems_of(folder, **overrides) -> list[str]:
    with pytest.raises(ConfigError) as failed:
        create_app(folder, **overrides)
    return failed.value.problems


def test_an_unknown_key_is_named_with_the_closest_known_key(instance):
    assert problems_of(instance('smtp_hots = "mail.sragenkab.go.id"')) == [
        "[pamong] smtp_hots: unknown key (did you mean 'smtp_host'?)"
    ]


def test_an_unknown_table_is_named(instance):
    folder = instance(tail="[pamongg]\nregion = '33.14'\n")
    assert problems_of(folder) == [
        "[pamongg]: unknown table (pamong.toml holds [pamong] and [plugins.<id>])"
    ]


@pytest.mark.parametrize("zone", ["Asia/Jakartaa", "WIB", "../../etc/passwd"])
def test_an_unknown_time_zone_fails_startup(tmp_path, zone):
    write_config(tmp_path, region="33.14")
    (problem,) = problems_of(tmp_path, time_zone=zone)
    assert problem.startswith(f"[pamong] time_zone: unknown time zone {zone!r}")


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_the_indonesian_time_zones_are_accepted(tmp_path, zone):
    write_config(tmp_path, region="33.14")
    assert load_settings(tmp_path, {"time_zone": zone}).time_zone == zone


@pytest.mark.parametrize("limit", ["sixty a minute", "60/fortnight", "60", ";"])
def test_an_invalid_rate_limit_fails_startup(tmp_path, limit):
    write_config(tmp_path, region="33.14")
    (problem,) = problems_of(tmp_path, public_rate_limit=limit)
    assert problem.startswith(f"[pamong] public_rate_limit: {limit!r} is not a rate limit")


@pytest.mark.parametrize("limit", ["60/minute", "60 per minute;1000 per day", "5/second"])
def test_a_valid_rate_limit_is_accepted(tmp_path, limit):
    write_config(tmp_path, region="33.14")
    assert load_settings(tmp_path, {"public_rate_limit": limit}).public_rate_limit == limit


@pytest.mark.parametrize("store", ["redis:/localhost", "localhost:6379", "ftp://x"])
def test_an_unknown_rate_limit_store_fails_startup(tmp_path, store):
    write_config(tmp_path, region="33.14")
    (problem,) = problems_of(tmp_path, rate_limit_storage=store)
    assert problem.startswith(f"[pamong] rate_limit_storage: {store!r} is not a rate-limit store")


def test_an_environment_override_is_checked_too(tmp_path):
    write_config(tmp_path, region="33.14")
    with pytest.raises(ConfigError, match="time_zone: unknown time zone 'Mars/Olympus'"):
        load_settings(tmp_path, environ={"PAMONG_TIME_ZONE": "Mars/Olympus"})


def test_an_unknown_plugin_setting_is_named(instance):
    folder = instance(plugins=["ktp"], tail="[plugins.ktp]\nvalidity_year = 5\n")
    with pytest.raises(Exception, match=r"\[plugins.ktp\] validity_year: unknown key") as failed:
        create_app(folder)
    assert "did you mean 'validity_years'?" in str(failed.value)


def test_a_section_for_a_plugin_that_is_not_installed_is_named(instance):
    folder = instance(plugins=["ktp"], tail="[plugins.lisensing]\nsla_warning_days = 2\n")
    with pytest.raises(Exception, match=r"\[plugins.lisensing\]: no installed plugin"):
        create_app(folder)


def test_a_disabled_plugins_section_waits_until_it_is_enabled(instance):
    folder = instance(plugins=[], tail="[plugins.ktp]\nvalidity_years = 5\n")
    app = create_app(folder, check_schema=False)
    app.extensions["pamong"].db.dispose()


def test_every_problem_of_core_and_plugins_is_named_in_one_message(instance):
    folder = instance(
        'time_zone = "Asia/Jakartaa"',
        'public_rate_limit = "lots"',
        "smtp_prot = 25",
        plugins=["ktp"],
        tail="[plugins.ktp]\nvalidity_years = 'forever'\ncolour = 'red'\n",
    )
    with pytest.raises(ConfigError) as failed:
        create_app(folder)
    message = str(failed.value)
    assert message.startswith("Pamong cannot start: 5 configuration problem(s) in ")
    for named in (
        "time_zone: unknown time zone",
        "public_rate_limit: 'lots' is not a rate limit",
        "smtp_prot: unknown key",
        "[plugins.ktp] validity_years: Not a valid integer.",
        "[plugins.ktp] colour: unknown key",
    ):
        assert named in message


def test_the_cli_prints_every_problem_and_exits_1(instance):
    folder = instance('time_zone = "Asia/Jakartaa"', "smtp_prot = 25")
    result = CliRunner().invoke(main, ["--instance", str(folder), "db", "status"])
    assert result.exit_code == 1
    assert "2 configuration problem(s)" in result.output
    assert "smtp_prot: unknown key" in result.output and "Asia/Jakartaa" in result.output


def test_a_missing_instance_says_how_to_create_one(tmp_path):
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(main, ["--instance", str(missing), "db", "status"])
    assert result.exit_code == 1
    assert f"No Pamong instance in {missing}" in result.output
    assert f"pamong --instance {missing} init --region CODE" in result.output
    assert not missing.exists()


# --- pamong init: all or nothing ------------------------------------------------------

PG_URL = os.environ.get("PAMONG_TEST_DATABASE_URL")


@pytest.fixture
def passwords(tmp_path):
    good, weak = tmp_path / "good.txt", tmp_path / "weak.txt"
    good.write_text("kabupaten-sragen-1\n")
    weak.write_text("123\n")
    return {"good": str(good), "weak": str(weak)}


def init(folder, password_file, *extra):
    args = ["--instance", str(folder), "init", "--region", "33.14"]
    return CliRunner().invoke(main, [*args, "--admin-password-file", password_file, *extra])


def test_a_failed_init_leaves_no_folder_behind(tmp_path, passwords):
    folder = tmp_path / "sragen"
    result = init(folder, passwords["weak"])  # fails after the schema was created
    assert result.exit_code == 1
    assert "Schema created." in result.output
    assert not folder.exists()


def test_a_failed_init_keeps_what_was_in_the_folder_before(tmp_path, passwords):
    folder = tmp_path / "sragen"
    folder.mkdir()
    (folder / "README.txt").write_text("ours")
    assert init(folder, passwords["good"], "--plugins", "nope").exit_code == 1
    assert sorted(p.name for p in folder.iterdir()) == ["README.txt"]


def test_an_aborted_password_prompt_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "sragen"
    args = ["--instance", str(folder), "init", "--region", "33.14"]
    result = CliRunner().invoke(main, args, input="")
    assert result.exit_code == 1
    assert not folder.exists()


def test_a_failed_rerun_leaves_the_instance_as_it_was(tmp_path, passwords):
    folder = tmp_path / "sragen"
    assert init(folder, passwords["good"]).exit_code == 0
    before = sorted(p.name for p in folder.iterdir())
    config = (folder / "pamong.toml").read_text()
    result = init(folder, passwords["weak"], "--admin-username", "kominfo")
    assert result.exit_code == 1
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / "pamong.toml").read_text() == config
    assert CliRunner().invoke(main, ["--instance", str(folder), "db", "status"]).exit_code == 0


@pytest.mark.skipif(not PG_URL, reason="needs PAMONG_TEST_DATABASE_URL")
def test_a_failed_init_on_postgresql_drops_the_tables_it_created(tmp_path, passwords):
    from pamong.testing import _reset_postgres

    _reset_postgres(PG_URL)
    result = init(tmp_path / "sragen", passwords["weak"], "--database-url", PG_URL)
    assert result.exit_code == 1
    engine = create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()
    assert not (tmp_path / "sragen").exists()

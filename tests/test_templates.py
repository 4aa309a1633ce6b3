"""The cookiecutter templates: regency deployments, the Lebak example, third-party plugins.

Deployments are generated with ``pamong.scaffold`` (what ``pamong new-regency``
runs), initialised with the ``pamong`` command in a subprocess, and their own
smoke tests are run, so each works the way an IT team would use it.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pamong.cli import main
from pamong.scaffold import ScaffoldError, new_regency, regency_context

ROOT = Path(__file__).resolve().parent.parent
LEBAK = ROOT / "examples" / "lebak"
PAMONG = Path(sys.executable).parent / "pamong"


@pytest.fixture(autouse=True)
def _private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cookiecutter and pytest subprocesses write temp files: keep them in the test's folder."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))


def install_offline(project: Path, target: Path) -> None:
    """Install a generated distribution without network or a build backend.

    Copies its packages into ``target`` and writes the ``.dist-info`` with
    its entry points, which is all Pamong's plugin discovery reads. (The
    test venv's setuptools cannot build pyproject-only projects offline.)
    """
    meta = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    project_meta = meta["project"]
    for package in meta["tool"]["setuptools"]["packages"]:
        if "." not in package:
            shutil.copytree(project / package, target / package)
    name, version = project_meta["name"], project_meta["version"]
    dist_info = target / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", "utf-8"
    )
    lines = []
    for group, items in project_meta.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines.extend(f"{key} = {value}" for key, value in items.items())
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", "utf-8")


def run(args: list[str | Path], cwd: Path, pythonpath: Path, **env: str) -> str:
    environ = {**os.environ, "PYTHONPATH": str(pythonpath), **env}
    environ.pop("PAMONG_TEST_DATABASE_URL", None)  # these instances are SQLite by design
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def enabled_plugins(deployment: Path) -> list[str]:
    config = tomllib.loads((deployment / "pamong.toml").read_text("utf-8"))
    return config["pamong"]["plugins"]


def init_deployment(deployment: Path, work: Path) -> dict[str, int]:
    """``pamong init`` a copy of the deployment on SQLite; org units per kind."""
    site = work / "site-packages"
    site.mkdir()
    install_offline(deployment / "site", site)
    instance = work / "instance"
    instance.mkdir()
    shutil.copy(deployment / "pamong.toml", instance / "pamong.toml")
    (work / "pw").write_text("admin-password-1\n")
    region = tomllib.loads((deployment / "pamong.toml").read_text("utf-8"))["pamong"]["region"]
    database = instance / "pamong.sqlite3"
    env = {"PAMONG_SECRET_KEY": "test-secret", "PAMONG_DATABASE_URL": f"sqlite:///{database}"}
    args = ["--instance", instance, "init", "--region", region]
    run([PAMONG, *args, "--admin-password-file", work / "pw"], work, site, **env)
    listed = run([PAMONG, "--instance", instance, "plugins", "list"], work, site, **env)
    for plugin in enabled_plugins(deployment):
        assert any(line.split()[:3:2] == [plugin, "enabled"] for line in listed.splitlines())
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT kind, count(*) FROM org_units GROUP BY kind").fetchall()
    conn.close()
    return dict(rows)


def run_smoke_test(deployment: Path, work: Path) -> str:
    site = work / "smoke-site-packages"
    site.mkdir()
    install_offline(deployment / "site", site)
    return run([sys.executable, "-m", "pytest", "-q", deployment / "tests"], work, site)


# --- inputs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "province", "kind", "zone", "slug"),
    [
        ("36.02", "Kabupaten Lebak", "Banten", "kabupaten", "WIB", "lebak"),
        ("63.11", "Kabupaten Balangan", "Kalimantan Selatan", "kabupaten", "WITA", "balangan"),
        ("14.72", "Kota Dumai", "Riau", "kota", "WIB", "kota-dumai"),
        ("9171", "Kota Jayapura", "Papua", "kota", "WIT", "kota-jayapura"),
    ],
)
def test_everything_is_derived_from_the_region_code(code, name, province, kind, zone, slug):
    facts = regency_context(code)
    assert (facts.region_name, facts.province, facts.kind) == (name, province, kind)
    assert (facts.time_zone_label, facts.slug) == (zone, slug)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("99.99", "99.99 is not in the bundled Kemendagri region table"),
        ("33.14.01", "33.14.01 is a kecamatan (Kalijambe), not a regency or city: use its"),
        ("garbage", "'garbage' is not a region code"),
        ("33", "33 is a province (Jawa Tengah), not a regency or city"),
    ],
)
def test_new_regency_refuses_a_code_that_is_not_a_regency(tmp_path, code, message):
    result = CliRunner().invoke(main, ["new-regency", code, "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_plain_cookiecutter_stops_with_the_same_message(tmp_path):
    from cookiecutter.exceptions import FailedHookException

    from pamong.scaffold import _cookiecutter

    with pytest.raises(FailedHookException):
        _cookiecutter("regency", tmp_path / "out", {"region_code": "33.14.01"}, False)
    assert not any((tmp_path / "out").iterdir())


def test_an_unknown_module_is_refused(tmp_path):
    with pytest.raises(ScaffoldError, match="unknown module 'kantor'"):
        new_regency("36.02", tmp_path, modules="ktp,kantor")


# --- generated deployments ----------------------------------------------------------


@pytest.fixture
def dumai(tmp_path: Path) -> Path:
    return new_regency("14.72", tmp_path / "out", database="sqlite")


def test_a_deployment_has_every_operator_file(dumai):
    assert dumai.name == "pamong-kota-dumai"
    for path in (
        "pamong.toml",
        "requirements.txt",
        "README.md",
        "site/pyproject.toml",
        "site/site_kota_dumai/hooks.py",
        "deploy/pamong-kota-dumai.service",
        "deploy/pamong-kota-dumai-worker@.service",
        "deploy/nginx.conf",
        "deploy/backup.sh",
        "tests/test_smoke.py",
        "install.sh",
        "serve.sh",
        "site/site_kota_dumai/static/logo.svg",
    ):
        assert (dumai / path).is_file(), path
    for script in ("install.sh", "serve.sh", "deploy/backup.sh"):
        assert os.access(dumai / script, os.X_OK), script
    assert "dumaikota.go.id" in (dumai / "deploy" / "nginx.conf").read_text()
    config = tomllib.loads((dumai / "pamong.toml").read_text())["pamong"]
    assert config["region"] == "14.72" and config["plugins"] == ["site"]
    assert "secret_key" not in config


def test_the_sqlite_backup_script_copies_a_live_database(dumai, tmp_path):
    database = tmp_path / "live.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (42)")
    conn.close()
    env = {
        **os.environ,
        "PAMONG_ENV_FILE": "/nonexistent",
        "PAMONG_DATABASE_URL": f"sqlite:///{database}",
        "PAMONG_BACKUP_DIR": str(tmp_path / "backups"),
        "PAMONG_PYTHON": sys.executable,
    }
    result = subprocess.run(
        ["bash", str(dumai / "deploy" / "backup.sh")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(result.stdout.strip()) as copy:
        assert copy.execute("SELECT x FROM t").fetchall() == [(42,)]
    copy.close()


@pytest.mark.parametrize(
    ("code", "kecamatan", "desa", "kelurahan"),
    [
        ("36.02", 28, 340, 5),  # Lebak, without modules (the example enables them)
        ("63.11", 8, 154, 3),  # Balangan, WITA
        ("14.72", 7, 0, 36),  # Kota Dumai: a city, no desa
    ],
)
def test_a_generated_deployment_initialises_on_sqlite(tmp_path, code, kecamatan, desa, kelurahan):
    deployment = new_regency(code, tmp_path / "out", database="sqlite")
    counts = init_deployment(deployment, tmp_path)
    expected = {"regency": 1, "kecamatan": kecamatan, "desa": desa, "kelurahan": kelurahan}
    assert {kind: counts.get(kind, 0) for kind in expected} == expected


def test_balangan_runs_in_wita(tmp_path):
    deployment = new_regency("63.11", tmp_path / "out")
    config = tomllib.loads((deployment / "pamong.toml").read_text())["pamong"]
    assert config["time_zone"] == "Asia/Makassar"
    assert "WITA" in (deployment / "README.md").read_text()


def test_the_generated_smoke_test_follows_the_config(dumai, tmp_path):
    """Enabling a module or changing a colour later needs no change to the smoke test."""
    config = dumai / "pamong.toml"
    text = config.read_text()
    text = text.replace('plugins = ["site"]', 'plugins = ["ktp", "site"]')
    config.write_text(text.replace('brand_color = "#1f4e79"', 'brand_color = "#5b2c6f"'))
    assert "4 passed" in run_smoke_test(dumai, tmp_path)


# --- branding: logo and colours ---------------------------------------------------


def make_image(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (32, 32), (200, 16, 46)).save(path)
    return path


def test_the_colours_and_logo_reach_pamong_toml(tmp_path):
    logo = make_image(tmp_path / "lambang.jpeg")
    deployment = new_regency(
        "33.12", tmp_path / "out", logo=logo, primary_color="#C8102E", accent_color="#036"
    )
    config = tomllib.loads((deployment / "pamong.toml").read_text())["pamong"]
    assert (config["brand_color"], config["accent_color"]) == ("#c8102e", "#003366")
    assert config["logo"] == "/site/static/logo.jpg"
    static = deployment / "site" / "site_wonogiri" / "static"
    assert sorted(p.name for p in static.iterdir()) == ["logo.jpg"]
    assert (static / "logo.jpg").read_bytes() == logo.read_bytes()


def test_without_a_logo_the_deployment_gets_an_emblem_in_its_colours(tmp_path):
    deployment = new_regency("15.06", tmp_path / "out", primary_color="#ffd700")
    emblem = (deployment / "site" / "site_tanjung_jabung_barat" / "static" / "logo.svg").read_text()
    assert ">TJB</text>" in emblem
    assert 'fill="#ffd700"' in emblem
    assert 'fill="#1d2433">TJB' in emblem  # dark letters on a light colour


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--primary-color", "merah", "primary_color must be a hex colour such as #1f4e79"),
        ("--accent-color", "#12345", "accent_color must be a hex colour"),
        ("--logo", "missing.png", "logo 'missing.png' is not a file"),
        ("--logo", "lambang.bmp", "logo 'lambang.bmp' must be one of .gif, .jpeg"),
        ("--logo", "fake.png", "logo 'fake.png' is not a PNG image"),
        ("--logo", "huge.svg", "logo 'huge.svg' is 600 KB; keep it under 512 KB"),
    ],
)
def test_new_regency_refuses_bad_branding(tmp_path, monkeypatch, option, value, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lambang.bmp").write_bytes(b"BM")
    (tmp_path / "fake.png").write_text("not an image")
    (tmp_path / "huge.svg").write_text("<svg>" + " " * 600 * 1024 + "</svg>")
    result = CliRunner().invoke(main, ["new-regency", "33.12", option, value, "--output-dir", "o"])
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "o").exists()


def test_plain_cookiecutter_refuses_a_bad_colour(tmp_path):
    from cookiecutter.exceptions import FailedHookException

    from pamong.scaffold import _cookiecutter

    context = {"region_code": "33.12", "primary_color": "blue"}
    with pytest.raises(FailedHookException):
        _cookiecutter("regency", tmp_path / "out", context, False)
    assert not any((tmp_path / "out").iterdir())


def test_the_core_pages_carry_the_branding_settings(enable_plugins):
    app = enable_plugins(brand_color="#7A1F3D", accent_color="#b8860b", logo="/brand/logo.png")
    page = app.test_client().get("/").get_data(as_text=True)
    assert "<style>:root{--brand:#7a1f3d;--brand-fg:#ffffff;--accent:#b8860b}</style>" in page
    assert '<header class="top branded">' in page
    assert '<img class="logo" src="/brand/logo.png" alt="">' in page


def test_an_unbranded_instance_looks_as_shipped(enable_plugins):
    page = enable_plugins().test_client().get("/").get_data(as_text=True)
    assert "<style>" not in page and 'class="logo"' not in page
    assert '<header class="top">' in page


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("brand_color", "red"),
        ("accent_color", "#1234"),
        ("logo", "javascript:alert(1)"),
        ("logo", "//elsewhere.example/logo.png"),
    ],
)
def test_a_bad_branding_setting_stops_startup(tmp_path, setting, value):
    from pamong.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=f"{setting}: expected"):
        load_settings(tmp_path, {setting: value})


# --- the Lebak example --------------------------------------------------------------


def _tree_differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__", ".pytest_cache"])
    found = [f"only in {left}: {n}" for n in comparison.left_only]
    found += [f"only in {right}: {n}" for n in comparison.right_only]
    _match, mismatch, errors = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    found += [f"differs: {right / n}" for n in mismatch + errors]
    for name in comparison.common_dirs:
        found += _tree_differences(left / name, right / name)
    return found


def test_the_lebak_example_is_what_the_template_generates(tmp_path):
    fresh = new_regency("36.02", tmp_path, modules="ktp,licensing")
    differences = _tree_differences(fresh, LEBAK)
    assert not differences, "run scripts/regenerate-examples.sh:\n" + "\n".join(differences)


def test_the_lebak_example_enables_ktp_and_licensing():
    assert enabled_plugins(LEBAK) == ["ktp", "licensing", "site"]


def test_the_lebak_example_initialises_with_its_territory(tmp_path):
    counts = init_deployment(LEBAK, tmp_path)
    expected = {"regency": 1, "kecamatan": 28, "desa": 340, "kelurahan": 5}
    assert {kind: counts.get(kind, 0) for kind in expected} == expected
    assert sum(expected.values()) == 1 + 28 + 345


def test_the_lebak_example_passes_its_smoke_test(tmp_path):
    assert "4 passed" in run_smoke_test(LEBAK, tmp_path)

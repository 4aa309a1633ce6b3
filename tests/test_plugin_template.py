"""The plugin template (``pamong new-plugin``): a generated plugin works as a third-party one.

It is built and installed by its own packaging, enabled in a real instance,
migrated, served over HTTP, and passes its own tests (on PostgreSQL too,
in CI's PostgreSQL pass), importing from Pamong only ``pamong.plugin``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from plugin_distributions import (
    Instance,
    copy_project,
    install,
    run_plugin_tests,
)

from pamong.cli import main
from pamong.scaffold import ScaffoldError, new_plugin

RUFF = Path(sys.executable).parent / "ruff"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for the module; cookiecutter and pip write their temp files in it."""
    folder = tmp_path_factory.mktemp("plugin-template")
    (folder / "tmp").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(folder / "tmp"))
        yield folder


@pytest.fixture(scope="module")
def sampah(work: Path) -> Path:
    """``pamong new-plugin sampah``, as a plugin author starts."""
    return new_plugin("sampah", work / "out", title="Sampah", description="Waste collection rounds")


@pytest.fixture(scope="module")
def site(sampah: Path, work: Path) -> Path:
    """The folder the generated plugin was pip-installed into."""
    folder = work / "site"
    install(copy_project(sampah, work / "build" / sampah.name), folder)
    return folder


def python_sources(project: Path) -> dict[str, str]:
    return {str(p.relative_to(project)): p.read_text() for p in project.rglob("*.py")}


# --- what is generated ----------------------------------------------------------


def test_the_generated_plugin_has_every_part(sampah):
    package = sampah / "pamong_sampah"
    for part in (
        "__init__.py",
        "hooks.py",
        "permissions.py",
        "models.py",
        "schemas.py",
        "services.py",
        "api.py",
        "views.py",
        "cli.py",
        "demo.py",
        "migrations/versions/sampah_0001_initial.py",
        "templates/sampah/index.html",
        "translations/id/LC_MESSAGES/sampah.po",
        "translations/en/LC_MESSAGES/sampah.po",
    ):
        assert (package / part).is_file(), part
    for part in ("tests/test_sampah.py", "babel.cfg", "noxfile.py", ".github/workflows/tests.yml"):
        assert (sampah / part).is_file(), part


def test_it_declares_the_plugin_api_range_it_works_with(sampah):
    source = (sampah / "pamong_sampah" / "__init__.py").read_text()
    assert 'plugin_api=">=1.3,<2"' in source  # N_ titles came with 1.3


def test_model_classes_are_prefixed_with_the_plugin_id(sampah):
    models = (sampah / "pamong_sampah" / "models.py").read_text()
    assert re.findall(r"^class (\w+)\(Base\)", models, re.M) == ["SampahEntry"]
    assert '__tablename__ = "sampah_entries"' in models


def test_a_two_word_id_gives_a_camel_case_prefix(work):
    plugin = new_plugin("bank_sampah", work / "out")
    models = (plugin / "pamong_bank_sampah" / "models.py").read_text()
    assert "class BankSampahEntry(Base):" in models


def test_the_generated_code_imports_only_the_public_plugin_api(sampah):
    imported = {
        module
        for source in python_sources(sampah).values()
        for module in re.findall(r"^\s*(?:from|import) (pamong\b[\w.]*)", source, re.M)
    }
    assert imported == {"pamong.plugin", "pamong.plugin.testing"}
    assert (
        'check_plugin_imports("pamong_sampah")' in (sampah / "tests" / "test_sampah.py").read_text()
    )


@pytest.mark.parametrize("plugin_id", ["sampah", "bank_sampah_desa"])
def test_the_generated_code_is_ruff_clean(work, plugin_id):
    plugin = new_plugin(plugin_id, work / f"ruff-{plugin_id}")
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([RUFF, *command], cwd=plugin, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_extraction_config_finds_lazy_strings(sampah, work):
    """``_l("Sampah")`` (the menu label) is only found when ``_l`` is a keyword; ``N_`` too."""
    pot = work / "sampah.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            pot,
            ".",
        ],
        cwd=sampah,
        check=True,
    )
    text = pot.read_text()
    assert 'msgid "Sampah"' in text  # _l() in hooks.py
    assert 'msgid "See the entries of Sampah"' in text  # _l() in permissions.py
    assert 'msgid "Sampah officer"' in text  # N_() role title in permissions.py
    assert 'msgid "Nothing recorded yet."' in text  # _() in the page template


def test_it_tests_against_the_oldest_and_newest_pamong_on_both_databases(sampah):
    noxfile = (sampah / "noxfile.py").read_text()
    assert '"oldest": "pamong==0.1.*"' in noxfile and '"latest": "pamong"' in noxfile
    workflow = yaml.safe_load((sampah / ".github" / "workflows" / "tests.yml").read_text())
    matrix = workflow["jobs"]["tests"]["strategy"]["matrix"]
    assert matrix == {"pamong": ["pamong==0.1.*", "pamong"], "database": ["sqlite", "postgresql"]}
    project = tomllib.loads((sampah / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == ["pamong>=0.1"]


@pytest.mark.parametrize("plugin_id", ["Sampah", "ktp", "core", "x"])
def test_new_plugin_refuses_a_bad_or_reserved_id(tmp_path, plugin_id):
    result = CliRunner().invoke(main, ["new-plugin", plugin_id, "--output-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert plugin_id in result.output


def test_new_plugin_refuses_a_title_that_would_break_the_code(tmp_path):
    with pytest.raises(ScaffoldError, match="title must be one line without quotes"):
        new_plugin("sampah", tmp_path, title='Bank "Sampah"')


# --- installed, enabled, migrated, served ------------------------------------------


def test_its_packaging_registers_the_entry_point(site):
    (dist_info,) = site.glob("pamong_sampah-0.1.0.dist-info")
    entry_points = (dist_info / "entry_points.txt").read_text()
    assert "[pamong.plugins]\nsampah = pamong_sampah" in entry_points
    assert (site / "pamong_sampah" / "translations" / "id" / "LC_MESSAGES" / "sampah.mo").is_file()


def test_an_instance_enables_migrates_and_serves_it(site, work):
    instance = Instance(work / "instance" / "pamong", site)
    instance.init()  # a running deployment, before the plugin
    instance.enable("sampah")
    upgraded = instance.pamong("db", "upgrade").stdout
    assert re.search(r"^sampah\s+sampah_0001$", upgraded, re.M), upgraded
    with instance.serving() as browser:
        status, kind, body = browser.request("/api/v1/sampah/about")
        assert (status, kind, json.loads(body)) == (
            200,
            "application/json",
            {"plugin": "sampah", "version": "0.1.0"},
        )
        assert "/api/v1/sampah/entries" in browser.text("/api/v1/openapi.json")[1]
        browser.log_in()
        status, page = browser.text("/sampah/")
        assert status == 200 and "Belum ada catatan." in page
        form = {
            "csrf_token": browser.csrf_token("/sampah/"),
            "title": "Rapat",
            "unit_code": "33.14",
        }
        status, page = browser.text("/sampah/entries", form)
        assert status == 200 and "Tercatat: Rapat." in page


def test_pamong_db_revision_writes_and_applies_the_next_migration(site, work):
    own_site = work / "revision-site"
    shutil.copytree(site, own_site)
    instance = Instance(work / "revision" / "pamong", own_site)
    instance.init("sampah")
    models = own_site / "pamong_sampah" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    title: Mapped[str] = mapped_column(String(200))\n",
            "    title: Mapped[str] = mapped_column(String(200))\n"
            "    weight_kg: Mapped[int | None]\n",
        )
    )
    written = instance.pamong("db", "revision", "sampah", "-m", "weight of a round").stdout
    revision = (
        own_site / "pamong_sampah" / "migrations" / "versions" / "sampah_0002_weight_of_a_round.py"
    )
    assert str(revision) in written
    assert "weight_kg" in revision.read_text()
    assert "sampah_0002" in instance.pamong("db", "upgrade").stdout
    assert "needs upgrade" not in instance.pamong("db", "status").stdout


def test_its_own_tests_pass(sampah, site, work):
    output = run_plugin_tests(sampah, site, work)
    assert re.search(r"^18 passed", output, re.M), output


def test_two_generated_plugins_work_side_by_side(work, site):
    both = work / "both-site"
    shutil.copytree(site, both)
    antrian = new_plugin("antrian", work / "out", title="Antrian", description="Queue tickets")
    install(copy_project(antrian, work / "build" / antrian.name), both)
    instance = Instance(work / "both" / "pamong", both)
    instance.init("sampah", "antrian")
    paths = json.loads(instance.pamong("openapi").stdout)["paths"]
    assert {"/api/v1/sampah/entries", "/api/v1/antrian/entries"} <= set(paths)

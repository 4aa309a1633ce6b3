"""The worked example of the plugin guide, ``examples/pamong-suratdesa``, as a third party ships it.

It is built and installed by its own packaging, enabled in a running
instance, migrated, served over HTTP (a letter requested, issued, verified
and printed through its API), seeds demo data, and passes its own tests
(on PostgreSQL too, in CI's PostgreSQL pass), importing from Pamong only
``pamong.plugin``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from plugin_distributions import Instance, copy_project, install, run_plugin_tests

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "pamong-suratdesa"
#: A valid NIK of a man born 12 August 1990 in Kalijambe (33.14.01).
NIK = "3314011208900001"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("suratdesa")
    (folder / "tmp").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(folder / "tmp"))
        yield folder


@pytest.fixture(scope="module")
def site(work: Path) -> Path:
    """The folder the example was pip-installed into (from a copy: the build writes into it)."""
    folder = work / "site"
    install(copy_project(EXAMPLE, work / "build" / EXAMPLE.name), folder)
    return folder


def test_its_packaging_registers_the_entry_point_and_ships_compiled_catalogs(site):
    (dist_info,) = site.glob("pamong_suratdesa-0.1.0.dist-info")
    assert "suratdesa = pamong_suratdesa" in (dist_info / "entry_points.txt").read_text()
    for language in ("id", "en"):
        assert (
            (site / "pamong_suratdesa" / "translations" / language / "LC_MESSAGES")
            .joinpath("suratdesa.mo")
            .is_file()
        )


def test_it_imports_from_pamong_only_the_public_plugin_api():
    imported = {
        module
        for path in EXAMPLE.rglob("*.py")
        for module in re.findall(r"^\s*(?:from|import) (pamong\b[\w.]*)", path.read_text(), re.M)
    }
    assert imported == {"pamong.plugin", "pamong.plugin.testing"}


def test_an_instance_enables_migrates_and_serves_it(site, work):
    instance = Instance(work / "instance" / "pamong", site)
    instance.init()  # a running deployment, before the plugin
    instance.enable("suratdesa")
    upgraded = instance.pamong("db", "upgrade").stdout
    assert re.search(r"^suratdesa\s+suratdesa_0001$", upgraded, re.M), upgraded
    token = instance.pamong("tokens", "create", "admin").stdout.split()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    with instance.serving() as browser:
        resident = {
            "nik": NIK,
            "name": "Siti Aminah",
            "birth_place": "Sragen",
            "birth_date": "1990-08-12",
            "sex": "M",
            "domicile_code": "33.14.01.2001",
        }
        status, _kind, body = browser.request("/api/v1/residents", headers=auth, json_body=resident)
        assert status == 201, body
        asked = {"nik": NIK, "kind": "domisili", "purpose": "Melamar pekerjaan"}
        status, _kind, body = browser.request("/api/v1/suratdesa/letters", None, auth, asked)
        assert status == 201, body
        letter = json.loads(body)
        assert browser.text(f"/track/{letter['tracking_number']}")[0] == 200
        issue = f"/api/v1/suratdesa/letters/{letter['id']}/issue"
        status, _kind, body = browser.request(issue, None, auth, {}, method="POST")
        assert status == 200, body
        code = json.loads(body)["verification_code"]
        assert browser.text(f"/verify/{code}")[0] == 200
        status, kind, pdf = browser.request(
            f"/api/v1/suratdesa/letters/{letter['id']}/pdf", None, auth
        )
        assert (status, kind, pdf[:4]) == (200, "application/pdf", b"%PDF")
        browser.log_in()
        status, page = browser.text("/suratdesa/")
        assert status == 200 and letter["tracking_number"] in page


def test_pamong_demo_seeds_letters_in_a_handful_of_desa(site, work):
    instance = Instance(work / "demo" / "pamong", site)
    output = instance.pamong(
        "demo", "--no-serve", "--residents", "600", "--plugins", "suratdesa"
    ).stdout
    clerks = re.findall(r"^\s+(carik\.\w+)\s", output, re.M)
    assert 3 <= len(clerks) <= 5, output
    assert re.search(r"suratdesa_tracking_number: SKD-\d{4}-\d{6}", output), output


def test_its_own_tests_pass(site, work):
    output = run_plugin_tests(EXAMPLE, site, work)
    assert re.search(r"^22 passed", output, re.M), output

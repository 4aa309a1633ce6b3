"""{{ cookiecutter.title }}: what the plugin promises, one behaviour a test.

Each test gets a fresh instance of Sragen (33.14) with the plugin enabled,
on SQLite, or on PostgreSQL when PAMONG_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from pamong.plugin import Actor, DemoContext, get_unit
from pamong.plugin.testing import check_migrations, check_plugin_imports, run_cli

from {{ cookiecutter.__package }} import services
from {{ cookiecutter.__package }}.demo import seed

pytestmark = pytest.mark.pamong_plugins("{{ cookiecutter.plugin_id }}")

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/{{ cookiecutter.plugin_id }}/"
API = "/api/v1/{{ cookiecutter.plugin_id }}"
OFFICER = "{{ cookiecutter.plugin_id }}_officer"
KALIJAMBE, GEMOLONG = "33.14.01", "33.14.13"  # two kecamatan of Sragen


def csrf_token(client) -> str:
    page = client.get(PAGE).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def record(client, headers, unit: str, title: str = "Rapat"):
    entry = {"title": title, "unit_code": unit}
    return client.post(f"{API}/entries", json=entry, headers=headers)


# --- the contract with Pamong ---------------------------------------------------


def test_it_imports_only_the_public_plugin_api():
    check_plugin_imports("{{ cookiecutter.__package }}")


def test_its_migrations_replay_and_match_its_models(app):
    check_migrations(app, "{{ cookiecutter.plugin_id }}")


def test_every_string_is_translated_into_indonesian_and_english():
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, *_rest in extract_from_dir(ROOT, method_map, options_map)
    }
    assert "{{ cookiecutter.title }}" in found  # the _l() of the navigation was extracted
    for language in ("id", "en"):
        path = ROOT / "{{ cookiecutter.__package }}" / "translations" / language / "LC_MESSAGES"
        with (path / "{{ cookiecutter.plugin_id }}.po").open("rb") as po_file:
            catalog = read_po(po_file)
        missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
        assert not missing, f"translate into {language}: {missing}"


# --- the page ------------------------------------------------------------------


def test_the_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_page_needs_the_view_permission(client, login_as):
    login_as("viewer")
    assert client.get(PAGE).status_code == 403


def test_an_officer_sees_the_page_in_indonesian(client, login_as):
    login_as(OFFICER, KALIJAMBE)
    assert "Belum ada catatan." in client.get(PAGE).get_data(as_text=True)


def test_an_officer_records_an_entry_with_the_form(client, login_as):
    login_as(OFFICER, KALIJAMBE)
    form = {"csrf_token": csrf_token(client), "title": "Rapat RT 03", "unit_code": KALIJAMBE}
    response = client.post(f"{PAGE}entries", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "Rapat RT 03" in response.get_data(as_text=True)


def test_the_form_needs_its_csrf_token(client, login_as):
    login_as(OFFICER, KALIJAMBE)
    form = {"title": "Tanpa token", "unit_code": KALIJAMBE}
    assert client.post(f"{PAGE}entries", data=form).status_code == 400


# --- the API ---------------------------------------------------------------------


def test_the_about_endpoint_is_public_and_documented(client):
    response = client.get(f"{API}/about")
    assert response.json == {"plugin": "{{ cookiecutter.plugin_id }}", "version": "0.1.0"}
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {f"{API}/about", f"{API}/entries"} <= set(paths)


def test_an_officer_records_and_lists_entries_through_the_api(client, bearer):
    headers = bearer(OFFICER, KALIJAMBE)
    created = record(client, headers, KALIJAMBE)
    assert created.status_code == 201, created.json
    listed = client.get(f"{API}/entries", headers=headers).json
    assert [(e["title"], e["unit_code"]) for e in listed["items"]] == [("Rapat", KALIJAMBE)]


def test_an_officer_cannot_record_outside_their_unit(client, bearer):
    response = record(client, bearer(OFFICER, KALIJAMBE), GEMOLONG)
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"


def test_officers_see_only_their_own_units_entries(client, bearer):
    for unit in (KALIJAMBE, GEMOLONG):
        record(client, bearer(OFFICER, unit), unit)
    listed = client.get(f"{API}/entries", headers=bearer(OFFICER, GEMOLONG)).json
    assert [e["unit_code"] for e in listed["items"]] == [GEMOLONG]


def test_a_bad_body_is_a_422_problem(client, bearer):
    response = record(client, bearer(OFFICER, KALIJAMBE), KALIJAMBE, title="")
    assert response.status_code == 422


def test_a_request_without_a_token_is_refused(client):
    assert client.get(f"{API}/entries").status_code == 401


def test_recording_an_entry_is_audited(client, bearer):
    record(client, bearer(OFFICER, KALIJAMBE), KALIJAMBE)
    query = {"action": "{{ cookiecutter.plugin_id }}_entry.create"}
    log = client.get("/api/v1/audit", query_string=query, headers=bearer("auditor"))
    assert log.json["total"] == 1


# --- the command line and the demo data -------------------------------------------


def test_the_command_line_records_and_lists_entries(app):
    added = run_cli(app, "{{ cookiecutter.plugin_id }}", "add", KALIJAMBE, "Rapat dari terminal")
    assert added.exit_code == 0, added.output
    assert "Rapat dari terminal" in run_cli(app, "{{ cookiecutter.plugin_id }}", "list").output


def test_the_command_line_names_an_unknown_unit(app):
    result = run_cli(app, "{{ cookiecutter.plugin_id }}", "add", "99.99", "Rapat")
    assert result.exit_code == 1
    assert "99.99" in result.output


def test_the_demo_data_gives_three_kecamatan_an_officer_and_entries(db_session):
    codes = ("33.14.01", "33.14.02", "33.14.03")
    context = DemoContext(
        region="33.14",
        root=get_unit(db_session, "33.14"),
        offices={},
        kecamatan=[get_unit(db_session, code) for code in codes],
    )
    seed(db_session, context)
    db_session.commit()
    assert len(context.staff) == 3
    entries = db_session.scalars(services.entries_query(Actor.system("test"))).all()
    assert {entry.org_unit.code for entry in entries} == set(codes)

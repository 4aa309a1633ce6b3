"""{{ cookiecutter.title }}: what the plugin promises, tested with Pamong's fixtures."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pamong_plugins("{{ cookiecutter.plugin_id }}")


def test_the_plugin_is_enabled(app):
    assert "{{ cookiecutter.plugin_id }}" in app.extensions["pamong"].plugins


def test_the_page_needs_a_login(client):
    response = client.get("/{{ cookiecutter.plugin_id }}/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_page_needs_the_view_permission(client, login_as):
    login_as("viewer")
    assert client.get("/{{ cookiecutter.plugin_id }}/").status_code == 403


def test_an_officer_sees_the_page_in_indonesian(client, login_as):
    login_as("{{ cookiecutter.plugin_id }}_officer", "33.14")
    page = client.get("/{{ cookiecutter.plugin_id }}/").get_data(as_text=True)
    assert "Belum ada catatan." in page


def test_the_about_endpoint_is_public(client):
    response = client.get("/api/v1/{{ cookiecutter.plugin_id }}/about")
    assert response.status_code == 200
    assert response.json == {"plugin": "{{ cookiecutter.plugin_id }}", "version": "0.1.0"}
{%- if cookiecutter.include_model %}


def test_an_officer_records_an_entry_through_the_api(client, bearer):
    headers = bearer("{{ cookiecutter.plugin_id }}_officer", "33.14.01")
    created = client.post(
        "/api/v1/{{ cookiecutter.plugin_id }}/entries",
        json={"title": "Pengangkutan RT 03", "unit_code": "33.14.01"},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    listed = client.get("/api/v1/{{ cookiecutter.plugin_id }}/entries", headers=headers)
    assert [e["title"] for e in listed.json] == ["Pengangkutan RT 03"]


def test_an_officer_cannot_record_outside_their_unit(client, bearer):
    headers = bearer("{{ cookiecutter.plugin_id }}_officer", "33.14.01")
    response = client.post(
        "/api/v1/{{ cookiecutter.plugin_id }}/entries",
        json={"title": "Di kecamatan lain", "unit_code": "33.14.02"},
        headers=headers,
    )
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_request_without_a_token_is_refused(client):
    response = client.get("/api/v1/{{ cookiecutter.plugin_id }}/entries")
    assert response.status_code == 401


def test_the_migration_creates_and_drops_the_table(app):
    from sqlalchemy import inspect

    from pamong import migrate

    state = app.extensions["pamong"]
    migrate.downgrade(state.db, state.host, "{{ cookiecutter.plugin_id }}", "base")
    assert not inspect(state.db.engine).has_table("{{ cookiecutter.plugin_id }}_entries")
    migrate.upgrade(state.db, state.host)
    columns = {c["name"] for c in inspect(state.db.engine).get_columns("{{ cookiecutter.plugin_id }}_entries")}
    assert columns == {"id", "org_unit_id", "title", "created_at"}
{%- endif %}

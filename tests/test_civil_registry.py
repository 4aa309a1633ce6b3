"""The civil-registry (SIAK) adapter hook: fetch a person's data to register them."""

from __future__ import annotations

import pytest

from pamong.accounts.permissions import Actor
from pamong.errors import NotFound
from pamong.identity import services

KNOWN = "3314014708950003"  # in the example plugin's stand-in registry


@pytest.fixture
def siak_app(enable_plugins):
    return enable_plugins("example")


def test_without_an_adapter_nothing_is_fetched_and_the_button_is_hidden(client, login_as, app):
    with app.app_context(), app.extensions["pamong"].db.transaction() as session:
        assert not services.civil_registry_connected(session)
        with pytest.raises(NotFound) as refused:
            services.fetch_civil_record(session, Actor.system("test"), KNOWN)
    assert refused.value.slug == "no-civil-registry"
    login_as("admin")
    assert "siak_nik" not in client.get("/residents/new").get_data(as_text=True)


def test_the_form_is_filled_from_the_adapter_and_the_fetch_is_audited(siak_app, make_user):
    from pamong.accounts.sessions import start_session
    from pamong.audit.models import AuditEntry

    client = siak_app.test_client()
    db = siak_app.extensions["pamong"].db
    with db.transaction() as session:
        from pamong.accounts import services as accounts
        from pamong.orgunits.services import get_unit

        system = Actor.system("test")
        user = accounts.create_user(
            session, system, username="reg", password="correct horse battery", full_name="Reg"
        )
        accounts.assign_role(
            session,
            system,
            user,
            accounts.get_role(session, "registrar"),
            get_unit(session, "33.14.01"),
        )
        token = start_session(
            session, user, lifetime=__import__("datetime").timedelta(hours=1), ip="127.0.0.1"
        )
    with client.session_transaction() as cookie:
        cookie["_user_id"] = token
        cookie["_fresh"] = True
    page = client.get(f"/residents/new?siak_nik={KNOWN}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="Rina Marlina"' in text and 'value="1995-08-07"' in text
    assert 'value="istri" selected' in text and 'value="B+" selected' in text
    unknown = client.get("/residents/new?siak_nik=3314014708950099")
    assert unknown.status_code == 404 and "3314014708950099" in unknown.get_data(as_text=True)
    with db.transaction() as session:
        actions = session.query(AuditEntry.action, AuditEntry.subject_nik).all()
    assert ("resident.civil_registry_fetch", KNOWN) in actions


def test_the_api_answers_the_record_without_foreign_keys(siak_app):
    from pamong.accounts import services as accounts
    from pamong.orgunits.services import get_unit

    db = siak_app.extensions["pamong"].db
    with db.transaction() as session:
        system = Actor.system("test")
        user = accounts.create_user(
            session, system, username="api", password="correct horse battery", full_name="Api"
        )
        accounts.assign_role(
            session,
            system,
            user,
            accounts.get_role(session, "registrar"),
            get_unit(session, "33.14"),
        )
        _token, plain = accounts.create_token(session, system, user, "test")
    client = siak_app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    found = client.get(f"/api/v1/civil-registry/{KNOWN}", headers=headers)
    assert found.status_code == 200
    body = found.get_json()
    assert body["name"] == "Rina Marlina" and body["birth_date"] == "1995-08-07"
    assert "secret_score" not in body
    bad = client.get("/api/v1/civil-registry/123", headers=headers)
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"

"""User administration is scoped to the manager's subtree (issue 12, item 1).

A manager sees and manages only accounts whose every grant lies inside
their subtree, grants only roles they hold there, and mints or revokes
tokens only for accounts they may act as. Outside the scope an account
answers as an unknown one: 404, never 403.
"""

from __future__ import annotations

import pytest
from accounts_testing import (
    KALIJAMBE,
    PLUPUH,
    SRAGEN,
    SYSTEM,
    USER_MANAGER,
    account,
    actor_of,
    bearer_of,
    ensure_user_manager_role,
    log_in,
    page_token,
)

from pamong.accounts import services
from pamong.errors import Forbidden, NotFound
from pamong.orgunits.services import get_unit
from pamong.testing import TEST_PASSWORD, build_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    application = build_app(tmp_path_factory.mktemp("instance"))
    ensure_user_manager_role(application)
    yield application
    application.extensions["pamong"].db.dispose()


@pytest.fixture
def kalijambe_admin(app):
    """An administrator of Kecamatan Kalijambe: every permission, but only there."""
    return account(app, f"admin@{KALIJAMBE}", prefix="camat")


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.json


# --- tokens -----------------------------------------------------------------------


def test_a_kecamatan_admin_cannot_mint_a_token_for_the_regency_admin(client, app, kalijambe_admin):
    regency_admin = account(app, f"admin@{SRAGEN}")
    headers = bearer_of(app, kalijambe_admin)
    minted = client.post(
        "/api/v1/tokens", json={"username": regency_admin.username}, headers=headers
    )
    unknown = client.post("/api/v1/tokens", json={"username": "nobody-here"}, headers=headers)
    assert problem(minted, 404)["type"] == problem(unknown, 404)["type"]


def test_a_kecamatan_admin_cannot_revoke_a_token_outside_the_kecamatan(
    client, app, kalijambe_admin
):
    outsider = account(app, f"registrar@{PLUPUH}")
    outsider_headers = bearer_of(app, outsider)
    token_id = client.get("/api/v1/tokens", headers=outsider_headers).json[0]["id"]
    response = client.delete(f"/api/v1/tokens/{token_id}", headers=bearer_of(app, kalijambe_admin))
    assert problem(response, 404)["type"] == "urn:pamong:problem:token-not-found"
    assert client.get("/api/v1/tokens", headers=outsider_headers).status_code == 200


def test_a_kecamatan_admin_revokes_a_token_inside_the_kecamatan(client, app, kalijambe_admin):
    officer = account(app, f"registrar@{KALIJAMBE}")
    officer_headers = bearer_of(app, officer)
    token_id = client.get("/api/v1/tokens", headers=officer_headers).json[0]["id"]
    response = client.delete(f"/api/v1/tokens/{token_id}", headers=bearer_of(app, kalijambe_admin))
    assert response.status_code == 204
    assert client.get("/api/v1/tokens", headers=officer_headers).status_code == 401


def test_a_token_for_someone_else_needs_every_permission_they_hold(client, app):
    manager = account(app, f"{USER_MANAGER}@{KALIJAMBE}")
    registrar = account(app, f"registrar@{KALIJAMBE}")
    viewer = account(app, f"viewer@{KALIJAMBE}")
    headers = bearer_of(app, manager)
    refused = client.post("/api/v1/tokens", json={"username": registrar.username}, headers=headers)
    assert problem(refused, 403)["type"] == "urn:pamong:problem:account-outranks"
    minted = client.post("/api/v1/tokens", json={"username": viewer.username}, headers=headers)
    assert minted.status_code == 201


# --- reading accounts ---------------------------------------------------------------


def test_a_kecamatan_admin_lists_only_accounts_inside_the_kecamatan(client, app, kalijambe_admin):
    inside = account(app, f"registrar@{KALIJAMBE}.2001")
    outside = account(app, f"registrar@{PLUPUH}")
    listed = client.get("/api/v1/users", headers=bearer_of(app, kalijambe_admin)).json
    names = {u["username"] for u in listed}
    assert inside.username in names
    assert outside.username not in names and "admin" not in names


def test_an_account_with_one_grant_outside_is_out_of_scope(client, app, kalijambe_admin):
    straddling = account(app, f"registrar@{KALIJAMBE}", f"viewer@{PLUPUH}")
    headers = bearer_of(app, kalijambe_admin)
    names = {u["username"] for u in client.get("/api/v1/users", headers=headers).json}
    assert straddling.username not in names
    assert client.get(f"/api/v1/users/{straddling.username}", headers=headers).status_code == 404


def test_an_account_out_of_scope_answers_like_an_unknown_one(client, app, kalijambe_admin):
    outside = account(app, f"registrar@{PLUPUH}")
    headers = {**bearer_of(app, kalijambe_admin), "Accept-Language": "en"}
    known = problem(client.get(f"/api/v1/users/{outside.username}", headers=headers), 404)
    unknown = problem(client.get("/api/v1/users/nobody-here", headers=headers), 404)
    assert known["type"] == unknown["type"] == "urn:pamong:problem:user-not-found"
    assert known["detail"].replace(outside.username, "X") == unknown["detail"].replace(
        "nobody-here", "X"
    )


def test_everyone_reads_their_own_account(client, app):
    viewer = account(app, f"viewer@{KALIJAMBE}")
    response = client.get(f"/api/v1/users/{viewer.username}", headers=bearer_of(app, viewer))
    assert response.status_code == 200


def test_an_account_without_roles_is_seen_by_the_regency_and_where_it_was_created(
    client, app, kalijambe_admin
):
    created = client.post(
        "/api/v1/users",
        json={"username": "baru.kalijambe", "password": TEST_PASSWORD},
        headers=bearer_of(app, kalijambe_admin),
    )
    assert created.status_code == 201 and created.json["home_unit"] == KALIJAMBE
    plupuh_admin = account(app, f"admin@{PLUPUH}")
    regency_admin = account(app, f"admin@{SRAGEN}")
    for who, status in ((kalijambe_admin, 200), (plupuh_admin, 404), (regency_admin, 200)):
        response = client.get("/api/v1/users/baru.kalijambe", headers=bearer_of(app, who))
        assert response.status_code == status, who.username


def test_a_roleless_account_created_by_the_regency_is_seen_only_there(client, app, kalijambe_admin):
    roleless = account(app)
    response = client.get(
        f"/api/v1/users/{roleless.username}", headers=bearer_of(app, kalijambe_admin)
    )
    assert response.status_code == 404


def test_a_kecamatan_admin_creates_accounts_only_in_the_kecamatan(client, app, kalijambe_admin):
    body = {"username": "op.luar", "password": TEST_PASSWORD, "org_unit": PLUPUH}
    response = client.post("/api/v1/users", json=body, headers=bearer_of(app, kalijambe_admin))
    assert response.status_code == 403


# --- granting -----------------------------------------------------------------------


def test_roles_are_granted_only_at_units_inside_the_subtree(client, app, kalijambe_admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    response = client.post(
        f"/api/v1/users/{officer.username}/grants",
        json={"role": "registrar", "org_unit": PLUPUH},
        headers=bearer_of(app, kalijambe_admin),
    )
    assert problem(response, 403)["type"] == "urn:pamong:problem:forbidden"


def test_a_manager_grants_only_roles_whose_permissions_they_hold_there(client, app):
    manager = account(app, f"{USER_MANAGER}@{KALIJAMBE}")
    officer = account(app, f"viewer@{KALIJAMBE}.2001")
    headers = bearer_of(app, manager)
    url = f"/api/v1/users/{officer.username}/grants"
    wider = client.post(url, json={"role": "registrar", "org_unit": KALIJAMBE}, headers=headers)
    assert problem(wider, 403)["type"] == "urn:pamong:problem:role-outranks"
    same = client.post(url, json={"role": "viewer", "org_unit": KALIJAMBE}, headers=headers)
    assert same.status_code == 201


def test_only_a_full_administrator_grants_the_administrator_role(client, app):
    manager = account(app, f"{USER_MANAGER}@{SRAGEN}")
    officer = account(app, f"viewer@{KALIJAMBE}")
    response = client.post(
        f"/api/v1/users/{officer.username}/grants",
        json={"role": "admin", "org_unit": KALIJAMBE},
        headers=bearer_of(app, manager),
    )
    assert response.status_code == 403


def test_nobody_widens_their_own_grants(client, app, kalijambe_admin):
    response = client.post(
        f"/api/v1/users/{kalijambe_admin.username}/grants",
        json={"role": "registrar", "org_unit": KALIJAMBE},
        headers=bearer_of(app, kalijambe_admin),
    )
    assert problem(response, 403)["type"] == "urn:pamong:problem:own-account"


def test_not_even_the_regency_admin_grants_to_themselves(app):
    regency_admin = account(app, f"admin@{SRAGEN}")
    with app.extensions["pamong"].db.session() as session, pytest.raises(Forbidden):
        services.assign_role(
            session,
            actor_of(app, regency_admin),
            services.get_user(session, regency_admin.username),
            services.get_role(session, "auditor"),
            get_unit(session, SRAGEN),
        )


# --- the services check the scope themselves ---------------------------------------------


@pytest.mark.parametrize(
    "act",
    [
        lambda s, a, u: services.assign_role(
            s, a, u, services.get_role(s, "viewer"), get_unit(s, KALIJAMBE)
        ),
        lambda s, a, u: services.revoke_role(
            s, a, u, services.get_role(s, "registrar"), get_unit(s, PLUPUH)
        ),
        lambda s, a, u: services.create_token(s, a, u, "x"),
        lambda s, a, u: services.deactivate_user(s, a, u),
        lambda s, a, u: services.reactivate_user(s, a, u),
        lambda s, a, u: services.admin_set_password(s, a, u, "a new long password"),
        lambda s, a, u: services.set_password(s, a, u, "a new long password"),
        lambda s, a, u: services.user_tokens(s, a, u),
    ],
    ids=[
        "grant",
        "revoke",
        "token",
        "deactivate",
        "reactivate",
        "admin-password",
        "password",
        "tokens",
    ],
)
def test_account_services_refuse_accounts_out_of_scope_as_unknown(app, kalijambe_admin, act):
    outside = account(app, f"registrar@{PLUPUH}")
    actor = actor_of(app, kalijambe_admin)
    with app.extensions["pamong"].db.session() as session, pytest.raises(NotFound):
        act(session, actor, services.get_user(session, outside.username))


def test_the_system_manages_every_account(app):
    outside = account(app, f"registrar@{PLUPUH}")
    with app.extensions["pamong"].db.transaction() as session:
        services.deactivate_user(session, SYSTEM, services.get_user(session, outside.username))


# --- pages --------------------------------------------------------------------------


def test_the_users_page_lists_only_accounts_in_scope(client, app, kalijambe_admin):
    inside = account(app, f"registrar@{KALIJAMBE}")
    outside = account(app, f"registrar@{PLUPUH}")
    log_in(client, kalijambe_admin)
    page = client.get("/staff/users").get_data(as_text=True)
    assert inside.username in page and outside.username not in page


def test_the_account_page_of_an_account_out_of_scope_is_not_found(client, app, kalijambe_admin):
    outside = account(app, f"registrar@{PLUPUH}")
    log_in(client, kalijambe_admin)
    assert client.get(f"/staff/users/{outside.username}").status_code == 404
    token = page_token(client)
    response = client.post(
        f"/staff/users/{outside.username}/deactivate", data={"csrf_token": token}
    )
    assert response.status_code == 404
    with app.extensions["pamong"].db.session() as session:
        assert services.get_user(session, outside.username).is_active

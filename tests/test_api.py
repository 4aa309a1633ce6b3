"""The REST API's behaviour: org units, residents, duplicates, users, tokens, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pamong.audit.models import AuditEntry
from pamong.identity.synthetic import make_nik

BODY_DATE = date(1990, 8, 12)

PROBLEM = "application/problem+json"
BODY = {
    "nik": "3314011208900001",
    "name": "Budi Santoso",
    "birth_place": "Sragen",
    "birth_date": "1990-08-12",
    "sex": "M",
    "domicile_code": "33.14.01.2001",
}


def assert_problem(response, status, slug=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if slug:
        assert body["type"] == f"urn:pamong:problem:{slug}"
    return body


# --- org units ---------------------------------------------------------------


def test_org_units_are_public_and_filterable(client):
    kecamatan = client.get("/api/v1/org-units?kind=kecamatan").json
    assert len(kecamatan) == 20
    assert {"code": "33.14.01", "name": "Kalijambe"}.items() <= kecamatan[0].items()
    villages = client.get("/api/v1/org-units?within=33.14").json
    assert sum(u["kind"] in ("desa", "kelurahan") for u in villages) == 208
    children = client.get("/api/v1/org-units?parent=33.14.01").json
    assert children and all(u["parent_code"] == "33.14.01" for u in children)


def test_an_unknown_org_unit_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/org-units/99.99"), 404, "org-unit-not-found")


def test_adding_an_org_unit_needs_a_token(client):
    body = {"code": "33.14-DPMPTSP", "name": "DPMPTSP", "kind": "skpd", "parent_code": "33.14"}
    assert_problem(client.post("/api/v1/org-units", json=body), 401, "unauthorized")


def test_adding_an_org_unit_needs_the_permission(client, bearer):
    body = {"code": "33.14-DPMPTSP", "name": "DPMPTSP", "kind": "skpd", "parent_code": "33.14"}
    assert_problem(client.post("/api/v1/org-units", json=body, headers=bearer("viewer")), 403)


def test_an_admin_adds_an_office_once(client, bearer):
    headers = bearer("admin")
    body = {"code": "33.14-DPMPTSP", "name": "DPMPTSP", "kind": "skpd", "parent_code": "33.14"}
    created = client.post("/api/v1/org-units", json=body, headers=headers)
    assert created.status_code == 201
    assert created.json["parent_code"] == "33.14"
    again = client.post("/api/v1/org-units", json=body, headers=headers)
    assert_problem(again, 409, "org-unit-exists")


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        (
            {"code": "33.14.99.2001", "name": "X", "kind": "desa", "parent_code": "33.14"},
            "invalid-parent",
        ),
        ({"code": "X1", "name": "X", "kind": "castle", "parent_code": "33.14"}, "invalid-input"),
        (
            {"code": "bad code!", "name": "X", "kind": "skpd", "parent_code": "33.14"},
            "invalid-code",
        ),
    ],
)
def test_a_misplaced_or_malformed_org_unit_is_refused(client, bearer, body, slug):
    assert_problem(client.post("/api/v1/org-units", json=body, headers=bearer()), 422, slug)


# --- residents ----------------------------------------------------------------


def test_a_resident_is_registered(client, bearer):
    response = client.post("/api/v1/residents", json=BODY, headers=bearer("registrar", "33.14.01"))
    assert response.status_code == 201
    assert response.json["nik"] == BODY["nik"]
    assert response.json["domicile"] == {"code": "33.14.01.2001", "name": "Keden"}


def test_a_nik_is_cleaned_before_it_is_stored(client, bearer):
    body = {**BODY, "nik": "3314.0112 0890-0001"}
    response = client.post("/api/v1/residents", json=body, headers=bearer())
    assert response.json["nik"] == "3314011208900001"


def test_an_invalid_nik_is_refused_with_its_errors(client, bearer):
    body = {**BODY, "nik": "3314013208900000"}
    problem = assert_problem(
        client.post("/api/v1/residents", json=body, headers=bearer()), 422, "invalid-nik"
    )
    assert problem["errors"] == ["bad_birth_day", "zero_serial"]


def test_a_second_registration_of_a_nik_is_a_conflict(client, bearer):
    headers = bearer()
    client.post("/api/v1/residents", json=BODY, headers=headers)
    again = client.post("/api/v1/residents", json={**BODY, "name": "Other"}, headers=headers)
    problem = assert_problem(again, 409, "nik-exists")
    assert problem["detail"] == "NIK 3314011208900001 sudah terdaftar."  # the regency's language
    english = client.post(
        "/api/v1/residents", json=BODY, headers={**headers, "Accept-Language": "en-US,en;q=0.8"}
    )
    assert english.json["detail"] == "NIK 3314011208900001 is already registered."


def test_a_registrar_registers_only_in_their_kecamatan(client, bearer):
    body = {
        **BODY,
        "nik": make_nik("33.14.02", BODY_DATE, "M", 1),
        "domicile_code": "33.14.02.2001",
    }
    assert_problem(
        client.post("/api/v1/residents", json=body, headers=bearer("registrar", "33.14.01")), 403
    )


def test_a_resident_outside_the_scope_looks_unknown(client, bearer, make_resident):
    other = make_resident("33.14.02.2001")
    response = client.get(f"/api/v1/residents/{other.nik}", headers=bearer("registrar", "33.14.01"))
    assert_problem(response, 404, "resident-not-found")


def test_reading_by_nik_needs_the_personal_permission(client, bearer, make_resident):
    resident = make_resident()
    assert_problem(client.get(f"/api/v1/residents/{resident.nik}", headers=bearer("viewer")), 404)


def test_reading_by_nik_is_audited(client, bearer, make_resident, db_session):
    resident = make_resident()
    response = client.get(
        f"/api/v1/residents/{resident.nik}", headers=bearer("registrar", "33.14.01")
    )
    assert response.status_code == 200
    assert response.json["birth_date"] == "1990-08-12"
    actions = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(resident.id))
    ).all()
    assert "personal_data.read" in actions


def test_a_viewer_searches_without_personal_data(client, bearer, make_resident):
    make_resident(address="Dukuh Rahasia")
    item = client.get("/api/v1/residents", headers=bearer("viewer")).json["items"][0]
    assert item["nik_masked"].startswith("3314") and "*" in item["nik_masked"]
    assert not {"nik", "birth_date", "address", "kk_number"} & set(item)


def test_search_is_paginated(client, bearer, make_resident):
    for i in range(5):
        make_resident(name=f"Warga {i}")
    page = client.get("/api/v1/residents?page=2&per_page=2", headers=bearer()).json
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 5)
    assert [r["name"] for r in page["items"]] == ["Warga 2", "Warga 3"]


def test_search_by_nik_needs_the_personal_permission(client, bearer, make_resident):
    resident = make_resident()
    assert (
        client.get(f"/api/v1/residents?q={resident.nik}", headers=bearer("viewer")).json["total"]
        == 0
    )
    assert client.get(f"/api/v1/residents?q={resident.nik}", headers=bearer()).json["total"] == 1


def test_search_by_a_word_of_the_name(client, bearer, make_resident):
    make_resident(name="Sri Wahyuni")
    make_resident(name="Joko Susilo")
    names = [
        r["name"] for r in client.get("/api/v1/residents?q=wahy", headers=bearer()).json["items"]
    ]
    assert names == ["Sri Wahyuni"]


def test_an_update_is_audited_with_old_and_new_values(client, bearer, make_resident, db_session):
    resident = make_resident(occupation="Petani")
    response = client.patch(
        f"/api/v1/residents/{resident.nik}", json={"occupation": "Guru"}, headers=bearer()
    )
    assert response.json["occupation"] == "Guru"
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "resident.update")
    ).one()
    assert entry.detail["changes"] == {"occupation": ["Petani", "Guru"]}


def test_the_nik_itself_cannot_be_changed(client, bearer, make_resident):
    resident = make_resident()
    response = client.patch(
        f"/api/v1/residents/{resident.nik}", json={"nik": "3314011208900002"}, headers=bearer()
    )
    assert_problem(response, 422, "invalid-input")


def test_the_same_person_in_two_kecamatan_is_queued_for_review(client, bearer, make_resident):
    born = BODY_DATE
    make_resident(
        "33.14.01.2001", name="Siti Aminah", birth_place="Sragen", birth_date=born, sex="F"
    )
    make_resident(
        "33.14.20.2001", name="SITI  AMINAH.", birth_place="sragen", birth_date=born, sex="F"
    )
    headers = bearer()
    queue = client.get("/api/v1/duplicates", headers=headers).json
    assert queue["total"] == 1
    candidate = queue["items"][0]
    resolved = client.post(
        f"/api/v1/duplicates/{candidate['id']}", json={"status": "distinct"}, headers=headers
    )
    assert resolved.json["status"] == "distinct"
    again = client.post(
        f"/api/v1/duplicates/{candidate['id']}", json={"status": "distinct"}, headers=headers
    )
    assert_problem(again, 409, "duplicate-resolved")
    assert client.get("/api/v1/duplicates", headers=headers).json["total"] == 0


# --- users and tokens ------------------------------------------------------------


def test_an_admin_creates_a_user_once(client, bearer):
    headers = bearer()
    body = {"username": "op.plupuh", "password": "correct horse battery"}
    created = client.post("/api/v1/users", json=body, headers=headers)
    assert created.status_code == 201
    assert "password" not in created.json
    assert_problem(client.post("/api/v1/users", json=body, headers=headers), 409, "user-exists")


def test_a_weak_password_is_refused(client, bearer):
    body = {"username": "op.plupuh", "password": "short"}
    assert_problem(client.post("/api/v1/users", json=body, headers=bearer()), 422)


def test_only_user_managers_create_users(client, bearer):
    body = {"username": "op.plupuh", "password": "correct horse battery"}
    assert_problem(client.post("/api/v1/users", json=body, headers=bearer("registrar")), 403)


def test_a_role_is_granted_at_a_unit(client, bearer, make_user):
    user = make_user("viewer")
    response = client.post(
        f"/api/v1/users/{user.username}/grants",
        json={"role": "registrar", "org_unit": "33.14.05"},
        headers=bearer(),
    )
    assert response.status_code == 201
    assert {"role": "registrar", "org_unit": "33.14.05"} in response.json["grants"]


def test_a_token_is_shown_once_and_works_until_revoked(client, bearer):
    headers = bearer()
    created = client.post("/api/v1/tokens", json={"name": "desk"}, headers=headers).json
    token = created["token"]
    assert token.startswith("pmg_") and created["prefix"] == token[:10]
    own = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/tokens", headers=own).json
    assert all("token" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=own).status_code == 204
    assert_problem(client.get("/api/v1/tokens", headers=own), 401)


def test_a_garbage_token_is_refused(client):
    response = client.get("/api/v1/users", headers={"Authorization": "Bearer nonsense"})
    assert_problem(response, 401, "unauthorized")


# --- audit and errors ------------------------------------------------------------


def test_an_auditor_sees_only_their_units(client, bearer, make_resident):
    inside = make_resident("33.14.01.2001")
    outside = make_resident("33.14.02.2001")
    entries = client.get(
        "/api/v1/audit?action=resident.create", headers=bearer("auditor", "33.14.01")
    ).json["items"]
    ids = {e["object_id"] for e in entries}
    assert str(inside.id) in ids and str(outside.id) not in ids


def test_the_audit_log_needs_its_permission(client, bearer):
    assert_problem(client.get("/api/v1/audit", headers=bearer("registrar")), 403)


def test_an_unknown_path_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/nope"), 404)


def test_a_wrong_method_is_a_405_problem_with_allow(client):
    response = client.delete("/api/v1/org-units")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_an_unknown_query_parameter_is_refused(client, bearer):
    assert_problem(client.get("/api/v1/residents?per_pge=5", headers=bearer()), 422)


def test_a_nul_byte_is_refused_not_a_server_error(client, bearer):
    body = {**BODY, "name": "Budi\x00"}
    response = client.post("/api/v1/residents", json=body, headers=bearer())
    assert_problem(response, 400)
    assert_problem(client.get("/api/v1/residents/3314%00", headers=bearer()), 400)
    assert_problem(client.get("/api/v1/residents?q=a%00", headers=bearer()), 400)


def test_the_api_browser_is_served_without_a_cdn(client):
    page = client.get("/api/v1/docs/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-spec-url="/api/v1/openapi.json"' in html
    assert "http" not in html.split("<body>")[1]  # every script and style is ours
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and b"SwaggerUIBundle" in asset.data
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404

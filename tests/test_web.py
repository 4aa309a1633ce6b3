"""The staff and public pages: login, dashboard, residents, staff administration."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pamong.audit.models import AuditEntry
from pamong.testing import TEST_PASSWORD


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def form_login(client, username, password=TEST_PASSWORD, next_url=None):
    token = csrf(text(client.get("/login")))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def test_the_login_page_renders(client):
    page = text(client.get("/login"))
    assert 'name="username"' in page and 'name="csrf_token"' in page


def test_staff_pages_redirect_to_login(client):
    response = client.get("/residents")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_leads_to_a_dashboard_of_permitted_items(client, make_user):
    user = make_user("viewer", "33.14.01")
    response = form_login(client, user.username)
    assert response.status_code == 302
    page = text(client.get("/dashboard"))
    assert "Penduduk" in page
    assert "Tinjau duplikat" not in page
    assert "Pengguna dan peran" not in page


def test_an_admin_sees_every_core_item(client, make_user):
    form_login(client, make_user("admin").username)
    page = text(client.get("/dashboard"))
    for label in ("Penduduk", "Tinjau duplikat", "Pengguna dan peran", "Log audit"):
        assert label in page


def test_a_wrong_password_is_refused(client, make_user):
    user = make_user("viewer")
    response = form_login(client, user.username, "wrong password!")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in text(response)


def test_a_form_without_csrf_token_is_refused(client, make_user):
    form_login(client, make_user("viewer").username)
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200  # still logged in


def test_logout_ends_the_session(client, make_user):
    form_login(client, make_user("viewer").username)
    token = csrf(text(client.get("/dashboard")))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_login_never_redirects_off_site(client, make_user):
    response = form_login(client, make_user("viewer").username, next_url="https://evil.example/")
    assert response.headers["Location"] == "/dashboard"


def test_a_registrar_sees_full_niks_of_their_kecamatan_only(client, login_as, make_resident):
    mine = make_resident("33.14.01.2001", name="Warga Kalijambe")
    make_resident("33.14.02.2001", name="Warga Plupuh")
    login_as("registrar", "33.14.01")
    page = text(client.get("/residents"))
    assert "Warga Kalijambe" in page and mine.nik in page
    assert "Warga Plupuh" not in page


def test_a_viewer_sees_masked_niks_and_no_personal_data(client, login_as, make_resident):
    resident = make_resident(address="Dukuh Rahasia RT 01")
    login_as("viewer", "33.14")
    listing = text(client.get("/residents"))
    assert resident.nik not in listing
    assert resident.nik[:4] + "********" + resident.nik[-4:] in listing
    detail = text(client.get(f"/residents/{resident.id}"))
    assert "Dukuh Rahasia" not in detail and "1990-08-12" not in detail
    assert "Data pribadi disembunyikan" in detail


def test_a_resident_outside_the_scope_is_not_found(client, login_as, make_resident):
    resident = make_resident("33.14.02.2001")
    login_as("registrar", "33.14.01")
    assert client.get(f"/residents/{resident.id}").status_code == 404


def test_reading_personal_data_is_audited(client, login_as, make_resident, db_session):
    resident = make_resident()
    user = login_as("registrar", "33.14.01")
    page = text(client.get(f"/residents/{resident.id}"))
    assert resident.nik in page and "Dukuh Keden" in page
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "personal_data.read")
    ).one()
    assert (entry.actor, entry.object_id) == (user.username, str(resident.id))


def test_enum_values_are_shown_translated(client, login_as, make_resident):
    resident = make_resident(sex="F", religion="katolik", marital_status="kawin")
    login_as("registrar", "33.14.01")
    page = text(client.get(f"/residents/{resident.id}"))
    assert "Perempuan" in page and "Katolik" in page and "Kawin" in page


def test_the_public_home_lists_the_kecamatan_without_login(client):
    page = text(client.get("/"))
    assert "Kabupaten Sragen" in page
    assert "20 kecamatan, 208 desa dan kelurahan." in page
    assert page.count('href="/org-units/33.14.') == 20


def test_the_org_unit_tree_is_public(client):
    page = text(client.get("/org-units/33.14.01"))
    assert "Kalijambe" in page and "Desa" in page


def test_an_unknown_page_gets_a_translated_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in text(response)


@pytest.mark.parametrize(
    "path", ["/", "/org-units/33.14", "/residents", "/dashboard", "/staff/users", "/staff/audit"]
)
def test_pages_stay_light(client, login_as, path):
    login_as("admin")
    response = client.get(path)
    assert response.status_code == 200
    assert len(response.data) < 100_000


def test_an_admin_creates_a_user_and_grants_a_role(client, login_as, db_session):
    login_as("admin")
    token = csrf(text(client.get("/staff/users")))
    response = client.post(
        "/staff/users",
        data={
            "username": "op.plupuh",
            "full_name": "Operator",
            "password": TEST_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/staff/users/op.plupuh/grants",
        data={"role": "registrar", "unit": "33.14.02", "csrf_token": token},
    )
    assert response.status_code == 302
    page = text(client.get("/staff/users"))
    assert "op.plupuh" in page and "Petugas registrasi penduduk @ Plupuh" in page


def test_a_bad_user_form_shows_the_reason(client, login_as):
    login_as("admin")
    token = csrf(text(client.get("/staff/users")))
    client.post("/staff/users", data={"username": "x y", "password": "short", "csrf_token": token})
    assert "Nama pengguna terdiri dari 2-64" in text(client.get("/staff/users"))


def test_only_user_managers_see_the_users_page(client, login_as):
    login_as("registrar", "33.14.01")
    assert client.get("/staff/users").status_code == 403


def test_the_audit_page_is_scoped(client, login_as, make_resident, make_user):
    inside = make_resident("33.14.01.2001")
    outside = make_resident("33.14.02.2001")
    login_as("auditor", "33.14.01")
    page = text(client.get("/staff/audit?action=resident.create"))
    assert f"Penduduk {inside.id}<" in page and "Penduduk: dibuat" in page
    assert f"Penduduk {outside.id}<" not in page


@pytest.mark.pamong_plugins("example")
def test_a_plugin_page_extends_the_base_layout(client, login_as):
    login_as("example_clerk")
    page = text(client.get("/example/"))
    assert '<header class="top">' in page
    assert "Halo dari plugin" in page


def test_a_nul_character_in_a_form_is_a_bad_request(client):
    token = csrf(text(client.get("/login")))
    response = client.post(
        "/login", data={"username": "ad\x00min", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400


def test_the_home_page_shows_the_regency_contact(enable_plugins):
    app = enable_plugins(contact_phone="(0271) 891 078", contact_email="kpde@sragenkab.go.id")
    page = app.test_client().get("/").get_data(as_text=True)
    assert "(0271) 891 078" in page and "mailto:kpde@sragenkab.go.id" in page

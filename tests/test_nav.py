"""The staff menu grouped by module, and role titles in the reader's language."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from pamong.hooks import NavItem
from pamong.plugins import CORE_ID

BUILT_IN = ("billing", "kantaya", "ktp", "licensing", "pdam", "portal", "rsud", "sipaw")
pytestmark = pytest.mark.pamong_plugins("billing", "ktp", "licensing", "portal")


def nav(html: str, kind: str) -> list[tuple[str, bool]]:
    """(text, current) of the links of the ``nav.<kind>`` of a page."""
    match = re.search(rf'<nav class="{kind}"[^>]*>(.*?)</nav>', html, re.S)
    if match is None:
        return []
    return [
        (text.strip(), "aria-current" in attrs)
        for attrs, text in re.findall(r"<a([^>]*)>([^<]*)</a>", match.group(1))
    ]


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_a_ktp_officer_sees_only_the_modules_of_their_role(client, login_as):
    login_as("ktp_officer", "33.14.01")
    groups = [text for text, _ in nav(page(client, "/dashboard"), "main")]
    assert groups == ["Lacak berkas Anda", "Dasbor", "Pesan", "Penduduk", "KTP", "Halaman publik"]


def test_public_pages_make_one_last_group_for_staff(client, login_as):
    login_as("ktp_officer", "33.14.01")
    html = page(client, "/licensing/catalogue")
    assert nav(html, "main")[-1] == ("Halaman publik", True)
    links = [text for text, _ in nav(html, "sub")]
    assert "Layanan perizinan" in links and "Cek tagihan" in links and "Indeks kepuasan" in links


def test_the_current_module_is_marked_and_its_links_shown(client, login_as):
    login_as("ktp_officer", "33.14.01")
    html = page(client, "/ktp/")
    assert ("KTP", True) in nav(html, "main")
    assert [c for _t, c in nav(html, "main")].count(True) == 1
    links = nav(html, "sub")
    assert ("Loket KTP", True) in links
    assert "Waktu layanan KTP" in [text for text, _ in links]
    assert "Tarif KTP" not in [text for text, _ in links]  # the supervisor's


def test_the_current_module_is_found_behind_a_path_prefix(client, login_as):
    login_as("ktp_officer", "33.14.01")
    response = client.get("/ktp/", environ_overrides={"SCRIPT_NAME": "/pamong"})
    html = response.get_data(as_text=True)
    assert 'href="/pamong/ktp/"' in html
    assert ("KTP", True) in nav(html, "main") and ("Loket KTP", True) in nav(html, "sub")


def test_a_page_below_a_menu_link_keeps_its_module_open(client, login_as, make_resident):
    with client.application.app_context():
        person = make_resident(desa="33.14.01.2001")
    login_as("admin")
    html = page(client, f"/residents/{person.id}")
    assert ("Penduduk", True) in nav(html, "main")
    assert ("Penduduk", True) in nav(html, "sub")


def test_an_admin_gets_the_core_groups_with_their_links(client, login_as):
    login_as("admin")
    html = page(client, "/staff/audit")
    groups = [text for text, _ in nav(html, "main")]
    for title in ("Pesan", "Penduduk", "Perizinan", "Pembayaran", "Administrasi"):
        assert title in groups
    assert ("Administrasi", True) in nav(html, "main")
    assert [text for text, _ in nav(html, "sub")] == [
        "Pengguna dan peran",
        "Tugas terjadwal",
        "Log audit",
    ]


def test_a_visitor_gets_the_public_links_without_groups(client):
    html = page(client, "/")
    links = [text for text, _ in nav(html, "main")]
    assert "Layanan publik" in links and "Indeks kepuasan" in links
    assert "Portal publik" not in links and not nav(html, "sub")


def test_the_dashboard_lists_the_modules_under_their_titles(client, login_as):
    login_as("licensing_front", "33.14")
    html = page(client, "/dashboard")
    headings = re.findall(r'<h3 class="module">([^<]*)</h3>', html)
    assert "Perizinan" in headings and "KTP" not in headings


def test_a_nav_item_may_name_its_module_and_defaults_to_the_plugin_title(app):
    assert NavItem("x.y", "Y").module == ""
    state = app.extensions["pamong"]
    with app.test_request_context("/"), force_locale("en"):
        from pamong.web.nav import module_title

        titles = {module_title(c, item) for c, item in state.nav_items if c == "licensing"}
        assert titles == {"Licensing"}
        core = {module_title(c, item) for c, item in state.nav_items if c == CORE_ID}
        assert {"Residents", "Messages", "Administration"} <= core


def test_the_menu_fits_a_phone_in_one_scrollable_line(app):
    css = (app.static_folder + "/pamong.css").replace("\\", "/")
    with open(css, encoding="utf-8") as f:
        text = f.read()
    assert re.search(r"nav\.sub\{[^}]*overflow-x:auto", text)
    assert re.search(r"@media \(max-width:40rem\)\{nav\.main\{[^}]*nowrap", text)


@pytest.mark.pamong_plugins(*BUILT_IN)
def test_every_built_in_role_has_an_indonesian_title(app):
    from pamong.web.roles import role_title

    roles = [r for r in app.extensions["pamong"].roles if r.name.split("_")[0] in BUILT_IN]
    assert {r.name.split("_")[0] for r in roles} == set(BUILT_IN)
    untranslated = []
    for role in roles:
        with app.test_request_context("/"):
            indonesian = role_title(role.name)
            with force_locale("en"):
                english = role_title(role.name)
        assert english == role.title
        if indonesian == english:
            untranslated.append(role.name)
    assert not untranslated


def test_the_grant_page_shows_role_titles_in_indonesian(client, login_as, make_user):
    officer = make_user("ktp_officer", "33.14.01")
    login_as("admin")
    html = page(client, f"/staff/users/{officer.username}")
    assert "<td>Petugas KTP</td>" in html
    assert ">Petugas loket perizinan</option>" in html
    assert "KTP officer" not in html and "Licensing front office" not in html
    dashboard = page(client, "/dashboard")
    assert "Administrator (Kabupaten Sragen)" in dashboard


def test_the_api_gives_role_titles_in_the_requested_language(client, bearer):
    headers = bearer("admin")
    english = client.get("/api/v1/roles", headers={**headers, "Accept-Language": "en"}).json
    indonesian = client.get("/api/v1/roles", headers={**headers, "Accept-Language": "id"}).json
    assert {"name": "ktp_officer", "title": "KTP officer"}.items() <= next(
        r for r in english if r["name"] == "ktp_officer"
    ).items()
    assert next(r["title"] for r in indonesian if r["name"] == "ktp_officer") == "Petugas KTP"


def test_the_menu_follows_a_new_role_although_menus_are_kept_per_role_set(app, client, login_as):
    from pamong.accounts import services as accounts
    from pamong.accounts.permissions import Actor
    from pamong.orgunits.services import get_unit

    officer = login_as("ktp_officer", "33.14.01")
    before = [text for text, _ in nav(page(client, "/dashboard"), "main")]
    assert [text for text, _ in nav(page(client, "/ktp/"), "main")] == before  # kept, same
    with app.extensions["pamong"].db.transaction() as session:
        accounts.assign_role(
            session,
            Actor.system("test"),
            accounts.load_user(session, officer.id),
            accounts.get_role(session, "billing_cashier"),
            get_unit(session, "33.14.01"),
        )
    after = [text for text, _ in nav(page(client, "/dashboard"), "main")]
    assert "Pembayaran" in after and "Pembayaran" not in before
    assert len(app.extensions["pamong_nav_menus"]) == 2

"""The public website: home, news, profile, areas, the service catalogue, JDIH; size and sharing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.identity.models import Resident
from pamong.plugin.testing import count_queries
from pamong_plugins.portal import content, legal
from pamong_plugins.portal.models import LegalDocument

pytestmark = pytest.mark.pamong_plugins("portal")
SYSTEM = Actor.system("test")
PUBLIC_PAGES = (
    "/",
    "/portal/news",
    "/portal/areas",
    "/portal/areas/33.14.01",
    "/portal/services",
    "/portal/complaints/new",
    "/portal/complaints/mine",
    "/portal/answers",
    "/portal/complaints/statistics",
    "/portal/jdih",
    "/portal/jdih?q=pajak",
)


def seed_content(app):
    with app.extensions["pamong"].db.transaction() as session:
        content.save_post(
            session,
            SYSTEM,
            title="Mal Pelayanan Publik dibuka",
            summary="Satu gedung.",
            body="Paragraf satu.\n\nParagraf dua.",
            publish=True,
            publish_at=datetime.now(UTC) - timedelta(hours=1),
        )
        content.save_post(session, SYSTEM, title="Draf rahasia", body="belum")
        content.save_post(
            session,
            SYSTEM,
            title="Besok terbit",
            publish=True,
            publish_at=datetime.now(UTC) + timedelta(days=1),
        )
        content.save_page(session, SYSTEM, "sejarah", "Sejarah", "Berdiri sejak dulu.")
        old = legal.save_document(
            session,
            SYSTEM,
            doc_type="perda",
            number="3",
            year=2011,
            title="Pajak Daerah",
            body_text="Pajak hotel, restoran, hiburan, reklame dan penerangan jalan.",
        )
        legal.save_document(
            session,
            SYSTEM,
            doc_type="perda",
            number="1",
            year=2024,
            title="Pajak Daerah dan Retribusi Daerah",
            revokes="perda/3/2011",
            abstract="Menyesuaikan dengan UU 1/2022.",
            promulgated_on=date(2024, 1, 5),
        )
        legal.save_document(
            session,
            SYSTEM,
            doc_type="perbup",
            number="9",
            year=2025,
            title="Pengelolaan Pengaduan Masyarakat",
            body_text="SP4N-LAPOR! dan portal.",
        )
        return old.id


def test_the_site_home_is_the_portal_with_the_regency_name_in_the_header(app, client):
    seed_content(app)
    page = client.get("/").get_data(as_text=True)
    header = page.split("<main>")[0]
    assert "Kabupaten Sragen" in header and ">Pamong<" not in header
    assert "Mal Pelayanan Publik dibuka" in page
    assert "Draf rahasia" not in page and "Besok terbit" not in page


def test_residents_by_kecamatan_suppress_cells_under_five(app, client, make_resident):
    for _ in range(6):
        make_resident(desa="33.14.01.2001", sex="F")
    make_resident(desa="33.14.01.2001", sex="M")
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalar(select(Resident.id).limit(1))
        kalijambe = next(f for f in content.figures(session) if f.code == "33.14.01")
    assert (kalijambe.female, kalijambe.male, kalijambe.total) == (6, None, 7)
    page = client.get("/portal/areas").get_data(as_text=True)
    assert "&lt;5" in page


def test_public_pages_count_the_residents_at_most_every_few_minutes(
    app, client, make_resident, monkeypatch
):
    def kalijambe_women() -> str:
        page = client.get("/portal/areas").get_data(as_text=True)
        row = re.search(r'href="/portal/areas/33\.14\.01">.*?</tr>', page).group(0)
        return re.findall(r'<td class="num">(.*?)</td>', row)[2].replace("&lt;", "<")

    make_resident(desa="33.14.01.2001", sex="F")
    with count_queries(app) as first:
        assert kalijambe_women() == "<5"
    for _ in range(5):
        make_resident(desa="33.14.01.2001", sex="F")
    with count_queries(app) as again:
        client.get("/")
        assert kalijambe_women() == "<5"  # counted before the five new residents
    counting = [q for q in first if "count(" in q.lower() and "residents" in q.lower()]
    assert counting and not [q for q in again if q in counting]
    monkeypatch.setattr(content, "FIGURES_TTL", 0.0)
    assert kalijambe_women() == "6"


def test_drafts_and_future_posts_are_not_public(app, client):
    seed_content(app)
    slugs = {p.slug for p in _posts(app)}
    assert client.get("/portal/news/draf-rahasia").status_code == 404
    assert client.get("/portal/news/besok-terbit").status_code == 404
    assert client.get("/portal/news/mal-pelayanan-publik-dibuka").status_code == 200
    assert {"draf-rahasia", "besok-terbit"} <= slugs
    assert client.get("/api/v1/portal/news").json["total"] == 1


def _posts(app):
    with app.extensions["pamong"].db.transaction() as session:
        return content.all_posts(session, SYSTEM)


def test_the_editor_needs_the_publish_permission(client, login_as):
    login_as("portal_handler", "33.14")
    assert client.get("/portal/staff/news").status_code == 403


def test_an_editor_writes_a_post_and_markup_is_shown_as_text(client, login_as):
    login_as("portal_editor", "33.14")
    page = client.get("/portal/staff/news").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = client.post(
        "/portal/staff/news",
        data={
            "csrf_token": token,
            "title": "Pasar <b>murah</b>",
            "body": "<script>x()</script>",
            "publish": "1",
        },
    )
    assert saved.status_code == 302
    item = client.get("/portal/news/pasar-b-murah-b").get_data(as_text=True)
    assert "<script>x()</script>" not in item and "&lt;script&gt;x()&lt;/script&gt;" in item


def test_an_image_needs_a_description(app):
    with app.extensions["pamong"].db.transaction() as session, pytest.raises(Exception) as error:
        content.save_post(session, SYSTEM, title="Foto", image_url="/x.png")
    assert getattr(error.value, "status", None) == 422


def test_profile_pages_are_linked_from_every_portal_page(app, client):
    seed_content(app)
    page = client.get("/portal/news").get_data(as_text=True)
    assert 'href="/portal/profile/sejarah"' in page
    assert "Berdiri sejak dulu." in client.get("/portal/profile/sejarah").get_data(as_text=True)


def test_a_perda_is_found_by_full_text_search(app, client):
    seed_content(app)
    found = client.get("/api/v1/portal/legal?q=reklame").json
    assert [d["title"] for d in found["items"]] == ["Pajak Daerah"]
    assert client.get("/api/v1/portal/legal?q=pengaduan masyarakat").json["total"] == 1
    assert client.get("/api/v1/portal/legal?q=tidakada").json["total"] == 0
    assert client.get('/api/v1/portal/legal?q="OR*(').status_code == 200  # no FTS syntax errors
    page = client.get("/portal/jdih?q=reklame").get_data(as_text=True)
    assert "Peraturan Daerah Nomor 3 Tahun 2011 tentang Pajak Daerah" in page


def test_revoking_a_regulation_updates_its_status(app, client):
    old_id = seed_content(app)
    with app.extensions["pamong"].db.transaction() as session:
        assert session.get(LegalDocument, old_id).status == "dicabut"
    page = client.get(f"/portal/jdih/{old_id}").get_data(as_text=True)
    assert "Peraturan Daerah Nomor 1 Tahun 2024" in page


def test_an_amendment_marks_the_amended_one(app):
    with app.extensions["pamong"].db.transaction() as session:
        first = legal.save_document(
            session, SYSTEM, doc_type="perbup", number="12", year=2023, title="Standar Pelayanan"
        )
        legal.save_document(
            session,
            SYSTEM,
            doc_type="perbup",
            number="4",
            year=2025,
            title="Perubahan Standar Pelayanan",
            amends="perbup/12/2023",
        )
        assert first.status == "diubah"


def test_bad_legal_documents_are_refused(client, bearer):
    headers = bearer("portal_legal", "33.14")
    base = {"doc_type": "perda", "number": "5", "year": 2020, "title": "Retribusi Pasar"}
    assert client.post("/api/v1/portal/legal", json=base, headers=headers).status_code == 201
    assert client.post("/api/v1/portal/legal", json=base, headers=headers).status_code == 409
    missing = {**base, "number": "6", "amends": "perda/99/1999"}
    assert client.post("/api/v1/portal/legal", json=missing, headers=headers).status_code == 422
    late = {**base, "number": "7", "enacted_on": "2020-05-02", "promulgated_on": "2020-05-01"}
    assert client.post("/api/v1/portal/legal", json=late, headers=headers).status_code == 422
    assert client.post("/api/v1/portal/legal", json=base).status_code == 401


def test_the_jdihn_export_and_download_counts(app, client):
    old_id = seed_content(app)
    records = client.get("/api/v1/portal/legal/jdihn").json
    first = next(r for r in records if r["idData"] == str(old_id))
    assert first["judul"] == "Peraturan Daerah Nomor 3 Tahun 2011 tentang Pajak Daerah"
    assert first["status"] == "Dicabut" and first["singkatanJenis"] == "PERDA"
    assert client.get(f"/portal/jdih/{old_id}/download").status_code == 200
    client.get(f"/portal/jdih/{old_id}/download")
    with app.extensions["pamong"].db.transaction() as session:
        assert session.get(LegalDocument, old_id).downloads == 2


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_are_light_and_carry_open_graph_tags(app, client, url):
    seed_content(app)
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.data) < 60_000
    html = page.get_data(as_text=True)
    if url != "/portal/complaints/mine":
        assert 'property="og:title"' in html and 'property="og:url"' in html


@pytest.mark.parametrize(
    "url", ("/portal/news/nothing", "/portal/profile/x", "/portal/jdih/999", "/portal/areas/99.99")
)
def test_unknown_public_pages_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.pamong_plugins("portal", "ktp", "licensing", "billing")
def test_the_service_catalogue_gathers_every_plugin(client, app):
    services = client.get("/api/v1/portal/services").json
    codes = {s["code"] for s in services}
    assert "ktp.card" in codes and "billing.pay" in codes
    page = client.get("/portal/services").get_data(as_text=True)
    assert "KTP" in page and "/billing/check" in page


@pytest.mark.pamong_plugins("portal", "example")
def test_widgets_from_plugins_show_on_the_home_page_as_text(client):
    page = client.get("/").get_data(as_text=True)
    assert "Notes left" in page
    assert "Leave a note" in client.get("/portal/services").get_data(as_text=True)

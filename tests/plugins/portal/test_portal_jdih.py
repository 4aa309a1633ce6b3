"""JDIH: PDFs (checked, downloaded, counted), drafts, status links acting on publish, the staff
editors for legal documents and profile pages, and citations linked from other plugins."""

from __future__ import annotations

import base64
import io
import re

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.plugin import legal_reference
from pamong_plugins.portal import content, legal
from pamong_plugins.portal.models import LegalDocument, ProfilePage

pytestmark = pytest.mark.pamong_plugins("portal")
API = "/api/v1/portal"
SYSTEM = Actor.system("test")
PERDA = {"doc_type": "perda", "number": "4", "year": 2006, "title": "Retribusi Izin Gangguan"}


def real_pdf(app) -> bytes:
    """A real PDF made with the project's PDF library (WeasyPrint)."""
    with app.test_request_context():
        doc = LegalDocument(**PERDA, abstract="Tarif retribusi.", body_text="Pasal 1.")
        return legal.render_document_pdf(doc, "Kabupaten Sragen")


def b64(data: bytes) -> dict[str, str]:
    return {"content_base64": base64.b64encode(data).decode()}


def token_of(client, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(True)).group(1)


def test_a_pdf_is_attached_downloaded_and_counted(app, client, bearer):
    headers = bearer("portal_legal", "33.14")
    doc = client.post(f"{API}/legal", json=PERDA, headers=headers).json
    pdf = real_pdf(app)
    assert pdf.startswith(b"%PDF-")
    attached = client.put(f"{API}/legal/{doc['id']}/pdf", json=b64(pdf), headers=headers)
    assert attached.status_code == 200 and attached.json["pdf_size"] == len(pdf)
    page = client.get(f"/portal/jdih/{doc['id']}").get_data(as_text=True)
    assert "Download the PDF" in page or "Unduh PDF" in page
    for _ in range(2):
        download = client.get(f"/portal/jdih/{doc['id']}/download")
        assert download.status_code == 200 and download.mimetype == "application/pdf"
        assert download.data == pdf
        assert 'filename="perda-4-2006.pdf"' in download.headers["Content-Disposition"]
    [record] = client.get(f"{API}/legal/jdihn").json
    assert record["fileDownload"] == "perda-4-2006.pdf"
    assert record["urlDownload"].endswith(f"/portal/jdih/{doc['id']}/download")
    with app.extensions["pamong"].db.transaction() as session:
        assert session.get(LegalDocument, doc["id"]).downloads == 2


@pytest.mark.parametrize(
    "payload",
    [
        b64(b"\x89PNG\r\n\x1a\n not a pdf"),
        b64(b"%PDF-1.7 truncated, no end marker"),
        b64(b"%PDF-1.4\n" + b"0" * legal.MAX_PDF_BYTES + b"\n%%EOF"),
        {"content_base64": "not base64!"},
        {"content_base64": ""},
    ],
    ids=["png", "truncated", "huge", "not-base64", "empty"],
)
def test_wrong_or_huge_pdfs_are_refused(client, bearer, payload):
    headers = bearer("portal_legal", "33.14")
    doc = client.post(f"{API}/legal", json=PERDA, headers=headers).json
    answer = client.put(f"{API}/legal/{doc['id']}/pdf", json=payload, headers=headers)
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert client.get(f"{API}/legal").json["items"][0]["pdf_size"] == 0


def test_only_jdih_officers_attach_pdfs(client, bearer):
    doc = client.post(f"{API}/legal", json=PERDA, headers=bearer("portal_legal", "33.14")).json
    editor = bearer("portal_editor", "33.14")
    pdf = b"%PDF-1.4\n%%EOF"
    assert (
        client.put(f"{API}/legal/{doc['id']}/pdf", json=b64(pdf), headers=editor).status_code == 403
    )
    assert client.put(f"{API}/legal/{doc['id']}/pdf", json=b64(pdf)).status_code == 401


def test_a_draft_is_hidden_and_its_links_act_when_published(app, client, bearer):
    headers = bearer("portal_legal", "33.14")
    old = client.post(f"{API}/legal", json=PERDA, headers=headers).json
    draft = {
        **PERDA,
        "number": "2",
        "year": 2012,
        "title": "Pencabutan Retribusi Izin Gangguan",
        "body_text": "gangguan dicabut",
        "revokes": "perda/4/2006",
        "publish": False,
    }
    made = client.post(f"{API}/legal", json=draft, headers=headers).json
    assert made["published"] is False
    assert client.get(f"{API}/legal").json["items"][0]["status"] == "berlaku"
    assert client.get(f"/portal/jdih/{made['id']}").status_code == 404
    assert client.get(f"{API}/legal?q=dicabut").json["total"] == 0
    assert [r["idData"] for r in client.get(f"{API}/legal/jdihn").json] == [str(old["id"])]
    published = client.put(
        f"{API}/legal/{made['id']}", json={**draft, "publish": True}, headers=headers
    )
    assert published.status_code == 200 and published.json["published"] is True
    with app.extensions["pamong"].db.transaction() as session:
        assert session.get(LegalDocument, old["id"]).status == "dicabut"
    assert client.get(f"{API}/legal?q=dicabut").json["total"] == 1
    relinked = client.put(
        f"{API}/legal/{made['id']}",
        json={**draft, "revokes": "", "amends": "perda/4/2006"},
        headers=headers,
    )
    assert relinked.status_code == 409
    retitled = client.put(
        f"{API}/legal/{made['id']}",
        json={**draft, "title": "Pencabutan Perda Gangguan"},
        headers=headers,
    )
    assert retitled.status_code == 200 and retitled.json["published"] is True  # stays published


def test_the_staff_editor_records_a_document_with_its_pdf(app, client, login_as):
    login_as("portal_legal", "33.14")
    token = token_of(client, "/portal/staff/legal")
    form = {
        "csrf_token": token,
        "doc_type": "perbup",
        "number": "18",
        "year": "2010",
        "title": "Pelimpahan Kewenangan Perizinan kepada Camat",
        "enacted_on": "2010-06-01",
        "promulgated_on": "2010-06-02",
        "publish": "1",
        "pdf": (io.BytesIO(real_pdf(app)), "perbup.pdf", "application/pdf"),
    }
    saved = client.post("/portal/staff/legal", data=form, content_type="multipart/form-data")
    assert saved.status_code == 302
    with app.extensions["pamong"].db.transaction() as session:
        doc = session.scalar(select(LegalDocument))
        assert doc.published and doc.pdf_size > 0 and doc.promulgated_on.isoformat() == "2010-06-02"
    listing = client.get("/portal/staff/legal").get_data(as_text=True)
    assert "Pelimpahan Kewenangan Perizinan kepada Camat" in listing
    bad = {
        **form,
        "number": "19",
        "pdf": (io.BytesIO(b"GIF89a"), "x.pdf", "application/pdf"),
    }
    refused = client.post("/portal/staff/legal", data=bad, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Pelimpahan" in refused.get_data(as_text=True)  # what was typed is kept
    with app.extensions["pamong"].db.transaction() as session:
        assert len(session.scalars(select(LegalDocument)).all()) == 1  # nothing half-saved
    no_csrf = {k: v for k, v in form.items() if k not in ("csrf_token", "pdf")}
    assert client.post("/portal/staff/legal", data={**no_csrf, "number": "20"}).status_code == 400


def test_the_legal_editor_needs_the_permission(client, login_as):
    login_as("portal_editor", "33.14")
    assert client.get("/portal/staff/legal").status_code == 403


def test_profile_pages_are_drafted_then_published(app, client, login_as, bearer):
    login_as("portal_editor", "33.14")
    token = token_of(client, "/portal/staff/pages")
    draft = {"csrf_token": token, "slug": "visi-misi", "title": "Visi dan Misi", "body": "Visi."}
    assert client.post("/portal/staff/pages", data=draft).status_code == 302
    assert client.get("/portal/profile/visi-misi").status_code == 404
    assert client.get(f"{API}/pages").json == []
    assert "Visi dan Misi" in client.get("/portal/staff/pages?edit=visi-misi").get_data(True)
    assert client.post("/portal/staff/pages", data={**draft, "publish": "1"}).status_code == 302
    assert "Visi." in client.get("/portal/profile/visi-misi").get_data(as_text=True)
    bad = client.post("/portal/staff/pages", data={**draft, "slug": "Bad Slug!"})
    assert bad.status_code == 422
    headers = bearer("portal_editor", "33.14")
    saved = client.put(
        f"{API}/pages/pimpinan",
        json={"title": "Pimpinan Daerah", "body": "<b>Bupati</b>", "weight": 30},
        headers=headers,
    )
    assert saved.status_code == 200 and saved.json["published"] is True
    assert [p["slug"] for p in client.get(f"{API}/pages").json] == ["pimpinan", "visi-misi"]
    page = client.get("/portal/profile/pimpinan").get_data(as_text=True)
    assert "&lt;b&gt;Bupati&lt;/b&gt;" in page
    refused = client.put(f"{API}/pages/pimpinan", json={"title": ""}, headers=headers)
    assert refused.status_code == 422
    handler = bearer("portal_handler", "33.14")
    assert client.put(f"{API}/pages/x", json={"title": "X"}, headers=handler).status_code == 403
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalar(select(ProfilePage).where(ProfilePage.slug == "x")) is None


@pytest.mark.parametrize(
    ("citation", "found"),
    [
        ("Perda Kab. Sragen 4/2006", True),
        ("Peraturan Daerah Nomor 4 Tahun 2006 tentang Retribusi", True),
        ("perda no. 4 tahun 2006", True),
        ("Perbup Sragen 4/2006", False),
        ("Perda Kab. Sragen 5/2006", False),
        ("peraturan yang berlaku", False),
        ("", False),
    ],
)
def test_citations_link_to_the_legal_document(app, citation, found):
    with app.extensions["pamong"].db.transaction() as session:
        doc = legal.save_document(session, SYSTEM, **PERDA)
        with app.test_request_context():
            ref = legal_reference(session, citation)
        assert (ref is not None) == found
        if found:
            assert ref.url == f"/portal/jdih/{doc.id}" and ref.status == "berlaku"
            assert ref.title.startswith("Peraturan Daerah Nomor 4 Tahun 2006")


@pytest.mark.pamong_plugins("portal", "licensing")
def test_licensing_legal_bases_link_to_jdih(app, client, login_as):
    from pamong_plugins.licensing import services as licensing
    from pamong_plugins.licensing.catalogue import typical_rows

    with app.extensions["pamong"].db.transaction() as session:
        licensing.import_catalogue(session, SYSTEM, typical_rows())  # "Perda Kab. Sragen 4/2006"
        content_doc = legal.save_document(session, SYSTEM, **PERDA)
        legal.save_document(
            session,
            SYSTEM,
            doc_type="perda",
            number="9",
            year=2020,
            title="Cabut",
            revokes="perda/4/2006",
        )
        doc_id = content_doc.id
    login_as("licensing_admin", "33.14")
    page = client.get("/licensing/catalogue")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/portal/jdih/{doc_id}"' in html
    assert "(Revoked)" in html or "(Dicabut)" in html


def test_without_the_portal_a_citation_stays_text(enable_plugins):
    app = enable_plugins("licensing")
    with app.extensions["pamong"].db.transaction() as session, app.test_request_context():
        assert legal_reference(session, "Perda Kab. Sragen 4/2006") is None


def test_profile_pages_from_the_service_layer_need_the_permission(app):
    from pamong.plugin import Forbidden

    with app.extensions["pamong"].db.transaction() as session, pytest.raises(Forbidden):
        content.save_page(session, Actor(username="nobody"), "x", "X", "")

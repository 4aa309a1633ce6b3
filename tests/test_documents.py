"""Issued documents: verification codes, QR codes, the public verify page, PDFs."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import segno

from pamong.accounts.permissions import Actor
from pamong.core_hooks import DOMICILE_CERTIFICATE
from pamong.documents import services
from pamong.documents.models import IssuedDocument
from pamong.errors import Conflict, InvalidInput
from pamong.orgunits.services import get_unit

SYSTEM = Actor.system("test")


@pytest.fixture
def issue(app):
    def make(number="470/001/2026", when=None, **kwargs):
        with app.extensions["pamong"].db.transaction() as session:
            return services.issue_document(
                session,
                SYSTEM,
                DOMICILE_CERTIFICATE,
                number=number,
                unit=get_unit(session, "33.14.01"),
                now=when,
                **kwargs,
            )

    return make


def test_a_document_gets_an_unguessable_code_and_a_default_validity(issue):
    first = issue(when=datetime(2026, 1, 10, tzinfo=UTC))
    second = issue("470/002/2026")
    assert len(first.code) >= 43 and first.code != second.code
    assert first.valid_until == date(2026, 7, 9)  # 180 days


def test_a_number_is_issued_once_per_kind(issue):
    issue()
    with pytest.raises(Conflict):
        issue()


def test_the_holder_is_shown_by_initials_only():
    assert services.mask_name("Budi  Santoso") == "B*** S***"


def test_a_valid_document_verifies(client, issue):
    document = issue(holder_ref="resident:1", holder_label="B*** S***")
    data = client.get(f"/api/v1/verify/{document.code}").json
    assert data["status"] == "valid"
    assert data["holder"] == "B*** S***" and data["issued_by"] == "Kalijambe"
    assert "resident:1" not in str(data)
    page = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert "Sah" in page and "470/001/2026" in page


def test_an_expired_document_says_so(client, issue):
    document = issue(when=datetime(2020, 1, 1, tzinfo=UTC))
    assert client.get(f"/api/v1/verify/{document.code}").json["status"] == "expired"
    assert "Kedaluwarsa" in client.get(f"/verify/{document.code}").get_data(as_text=True)


def test_a_revoked_document_says_so_with_its_public_note(app, client, issue):
    document = issue()
    with app.extensions["pamong"].db.transaction() as session:
        stored = session.get(IssuedDocument, document.id)
        with pytest.raises(InvalidInput):
            services.revoke_document(session, SYSTEM, stored, "  ")
        services.revoke_document(
            session, SYSTEM, stored, "Hilang, lapor polisi", public_note="Diganti karena hilang"
        )
    data = client.get(f"/api/v1/verify/{document.code}").json
    assert data["status"] == "revoked" and data["revoke_reason"] == "Diganti karena hilang"
    assert "Dicabut" in client.get(f"/verify/{document.code}").get_data(as_text=True)


def test_an_unknown_code_is_not_found(client):
    response = client.get("/api/v1/verify/" + "x" * 43)
    assert response.status_code == 404
    assert response.json["type"] == "urn:pamong:problem:document-not-found"
    page = client.get("/verify/" + "x" * 43)
    assert page.status_code == 404 and "dipalsukan" in page.get_data(as_text=True)


def test_the_qr_code_points_at_the_verify_page(app, issue):
    document = issue()
    with app.test_request_context(base_url="https://pamong.sragenkab.go.id"):
        url = services.verify_url(document)
        svg = services.qr_svg(url)
    assert url == f"https://pamong.sragenkab.go.id/verify/{document.code}"
    assert svg.startswith("<svg") and "path" in svg
    expected = io.BytesIO()
    segno.make(url, error="m").save(expected, kind="svg", scale=4, xmldecl=False)
    assert svg == expected.getvalue().decode()  # the QR encodes exactly this URL


def test_a_pdf_is_rendered_from_a_template(app, issue):
    document = issue()
    with app.test_request_context():
        url = services.verify_url(document)
        pdf = services.render_pdf(
            "documents/certificate.html",
            document=document,
            title="Surat Keterangan Domisili",
            unit_name="Kecamatan Kalijambe",
            qr=services.qr_svg(url),
            verify_url=url,
            lines=[("Nama", "Budi Santoso"), ("Alamat", "Dukuh Keden")],
        )
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1000


@pytest.mark.pamong_plugins("example")
def test_plugins_register_document_kinds(app):
    kinds = app.extensions["pamong"].document_kinds
    assert kinds["example.certificate"].validity_days == 365
    assert "core.domicile_certificate" in kinds


def test_documents_issued_in_a_batch_are_those_issued_one_by_one(app, client, issue):
    from sqlalchemy import select

    when = datetime(2026, 1, 10, tzinfo=UTC)
    with app.extensions["pamong"].db.transaction() as session:
        unit = get_unit(session, "33.14.01")
        ids = services.issue_documents(
            session,
            SYSTEM,
            DOMICILE_CERTIFICATE,
            [
                services.DocumentToIssue("470/101/2026", unit, "resident:1", "B*** S***", when),
                services.DocumentToIssue("470/102/2026", unit),
            ],
        )
        first, second = (session.get(IssuedDocument, i) for i in ids)
        assert (first.number, first.holder_label, first.valid_until) == (
            "470/101/2026",
            "B*** S***",
            date(2026, 7, 9),
        )
        assert first.code != second.code and len(second.code) >= 43
        codes = list(session.scalars(select(IssuedDocument.code)))
    assert client.get(f"/verify/{codes[0]}").status_code == 200
    with pytest.raises(Conflict):
        issue("470/102/2026")
    with app.extensions["pamong"].db.transaction() as session:
        assert services.issue_documents(session, SYSTEM, DOMICILE_CERTIFICATE, []) == []
        with pytest.raises(Conflict):
            services.issue_documents(
                session,
                SYSTEM,
                DOMICILE_CERTIFICATE,
                [services.DocumentToIssue("470/101/2026", get_unit(session, "33.14.01"))],
            )

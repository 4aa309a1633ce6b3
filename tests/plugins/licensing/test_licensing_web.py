"""Pages and API: catalogue, online application, staff steps, permit PDF, survey, reports."""

from __future__ import annotations

import io
import re

import pytest

from pamong.plugin import regency_today
from pamong_plugins.licensing import services
from pamong_plugins.licensing.models import Application

pytestmark = pytest.mark.pamong_plugins("licensing")
PDF = b"%PDF-1.4\n% test\n"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def _csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else ""


def _last_message(client, address):
    from sqlalchemy import select

    from pamong.messaging.models import Delivery

    with client.application.extensions["pamong"].db.transaction() as session:
        found = session.scalars(
            select(Delivery).where(Delivery.address == address).order_by(Delivery.id.desc())
        ).first()
        return found.body if found else ""


def _register(client, email="sari@example.id", confirm=True):
    token = _csrf(client, "/licensing/portal/register")
    response = client.post(
        "/licensing/portal/register",
        data={
            "csrf_token": token,
            "kind": "person",
            "name": "Sari Lestari",
            "id_number": "3314015208900001",
            "email": email,
            "password": "rahasia-sekali-2026",
        },
    )
    if confirm and response.status_code == 302:
        link = re.search(r"/licensing/portal/verify/\S+", _last_message(client, email))
        assert client.get(link.group(0)).status_code == 302
    return response


def _apply_online(client, code="SIUP"):
    token = _csrf(client, f"/licensing/portal/apply?type={code}")
    data = {"csrf_token": token, "type": code, "description": "Toko kelontong"}
    for index in range(4):
        data[f"doc_{index}"] = (io.BytesIO(PDF if index % 2 else JPEG), f"doc{index}.pdf")
    return client.post("/licensing/portal/apply", data=data, content_type="multipart/form-data")


def test_the_catalogue_is_public_and_shows_who_issues_what(catalogue, client):
    html = client.get("/licensing/catalogue").get_data(as_text=True)
    assert "Izin Reklame" in html and "Surat Keterangan Usaha" in html
    assert "Perbup Sragen 12/2010" in html  # IMB delegated to kecamatan


def test_an_admin_imports_a_csv_catalogue(catalogue, client, login_as):
    login_as("licensing_admin")
    token = _csrf(client, "/licensing/catalogue")
    csv_text = (
        "code,name,sop_days,fee_rule,fee_amount,fee_unit,requirements,stages\n"
        "TOWER,Izin Menara Telekomunikasi,14,fixed,1000000,,KTP;Gambar menara,inspection;meeting\n"
    )
    response = client.post(
        "/licensing/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv_text.encode()), "menara.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "Izin Menara Telekomunikasi" in client.get("/licensing/catalogue").get_data(True)


def test_a_catalogue_saved_by_excel_in_indonesian_imports(catalogue, client, login_as):
    login_as("licensing_admin")
    token = _csrf(client, "/licensing/catalogue")
    csv_text = (  # Excel with Indonesian settings: ";" between fields, quoted lists
        "code;name;sop_days;fee_rule;fee_amount;fee_unit;requirements;stages\r\n"
        'SUMUR;Izin Sumur Bor;7;fixed;250000;;"KTP;Denah lokasi";inspection\r\n'
    )
    response = client.post(
        "/licensing/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv_text.encode()), "sumur.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "Izin Sumur Bor" in client.get("/licensing/catalogue").get_data(True)


def test_a_bad_import_row_is_reported_by_line(catalogue, client, login_as):
    login_as("licensing_admin")
    token = _csrf(client, "/licensing/catalogue")
    csv_text = "code,name,sop_days\nOK1,Satu,3\nBAD,Dua,tiga\n"
    response = client.post(
        "/licensing/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv_text.encode()), "x.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Baris 3" in response.get_data(as_text=True)


def test_staff_pages_need_a_login_and_the_permission(catalogue, client, login_as):
    assert client.get("/licensing/").status_code == 302
    login_as("viewer")
    assert client.get("/licensing/").status_code == 403


def test_an_applicant_applies_online_and_tracks_the_file(catalogue, client, app):
    assert _register(client).status_code == 302
    response = _apply_online(client)
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[-1]
    assert number.startswith("LIC-")
    page = client.get(f"/licensing/portal/files/{number}").get_data(as_text=True)
    assert "Diterima" in page or "Received" in page
    assert client.get(f"/track/{number}").status_code == 200


def test_an_online_application_without_every_document_is_refused(catalogue, client):
    _register(client)
    token = _csrf(client, "/licensing/portal/apply?type=SIUP")
    response = client.post(
        "/licensing/portal/apply",
        data={"csrf_token": token, "type": "SIUP", "doc_0": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "kurang" in response.get_data(as_text=True)


def test_an_applicant_cannot_open_another_applicants_file(catalogue, app):
    first, second = app.test_client(), app.test_client()
    _register(first, "a@example.id")
    number = _apply_online(first).headers["Location"].rsplit("/", 1)[-1]
    _register(second, "b@example.id")
    assert second.get(f"/licensing/portal/files/{number}").status_code == 404


def test_staff_take_an_online_file_to_handover_and_the_permit_verifies(
    catalogue, app, client, login_as, db_session
):
    applicant = app.test_client()
    _register(applicant)
    number = _apply_online(applicant, "HO").headers["Location"].rsplit("/", 1)[-1]
    login_as("licensing_head")
    application_id = services.application_by_number(db_session, number).id
    db_session.rollback()  # SQLite: release the write lock before the requests write
    url = f"/licensing/files/{application_id}"
    steps = [
        ("advance", {}),
        ("advance", {}),
        ("advance", {}),
        ("decide", {"decision": "approve"}),
        ("pay", {"reference": "STS-1"}),
        ("handover", {}),
    ]
    for action, data in steps:
        token = _csrf(client, url)
        response = client.post(f"{url}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 302, action
    application = db_session.get(Application, application_id)
    assert application.stage == "done"
    db_session.rollback()
    staff_page = client.get(url).get_data(as_text=True)
    assert "/survey/" in staff_page and "<svg" in staff_page  # survey slip with QR
    pdf = client.get(f"{url}/permit.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    page = applicant.get(f"/licensing/portal/files/{number}").get_data(as_text=True)
    survey_url = re.search(r'href="(/survey/(?!results)[^"]+)"', page).group(1)
    # The public tracker links the survey for the logged-in applicant only.
    assert f'href="{survey_url}"' in applicant.get(f"/track/{number}").get_data(as_text=True)
    stranger = app.test_client().get(f"/track/{number}").get_data(as_text=True)
    assert survey_url not in stranger and 'href="/licensing/portal/login"' in stranger
    token = _csrf(applicant, survey_url)
    answers = {f"q{i}": "4" for i in range(9)}
    done = applicant.post(survey_url, data={"csrf_token": token, **answers})
    assert done.status_code == 200
    again = applicant.post(survey_url, data={"csrf_token": token, **answers})
    assert again.status_code == 409
    # A link sent before the survey moved to the core leads to the core's form.
    old = applicant.get(f"/licensing{survey_url}")
    assert old.status_code == 308 and old.location.endswith(survey_url)
    assert survey_url not in applicant.get(f"/track/{number}").get_data(as_text=True)
    ikm_csv = client.get("/licensing/ikm?format=csv").get_data(as_text=True)
    assert "100.00,A,permenpanrb-14-2017" in ikm_csv
    stats = client.get("/licensing/statistics").get_data(as_text=True)
    assert "Izin Gangguan (HO)" in stats and "<svg" in stats


def test_the_api_lists_applications_and_permits_for_a_token(catalogue, client, bearer, app):
    _register(client)
    number = _apply_online(client).headers["Location"].rsplit("/", 1)[-1]
    headers = bearer("licensing_head")
    body = client.get("/api/v1/licensing/applications?type=SIUP", headers=headers).json
    assert body["total"] == 1 and body["items"][0]["number"] == number
    one = client.get(f"/api/v1/licensing/applications/{number}", headers=headers)
    assert one.json["service_type"] == "SIUP"
    assert client.get("/api/v1/licensing/permits", headers=headers).json["total"] == 0
    with app.extensions["pamong"].db.transaction() as session:
        from pamong.accounts.permissions import Actor

        system = Actor.system("test")
        application = services.application_by_number(session, number)
        services.advance(session, system, application)
        services.advance(session, system, application)
        services.decide(session, system, application, approve=True)
    permits = client.get("/api/v1/licensing/permits?type=SIUP", headers=headers).json
    assert permits["total"] == 1 and permits["items"][0]["application_number"] == number
    permit_id = permits["items"][0]["id"]
    assert client.get(f"/api/v1/licensing/permits/{permit_id}", headers=headers).status_code == 200
    other = bearer("licensing_head", "33.14.07")  # a camat: not the office's permits
    assert client.get(f"/api/v1/licensing/permits/{permit_id}", headers=other).status_code == 404
    assert client.get("/api/v1/licensing/applications").status_code == 401
    bad = client.get("/api/v1/licensing/applications?received_from=kemarin", headers=headers)
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert client.get("/api/v1/licensing/applications/LIC-1", headers=headers).status_code == 404
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/licensing/permits/{permit_id}" in spec["paths"]


def test_an_admin_edits_a_service_and_delegates_it(catalogue, client, login_as, db_session):
    login_as("licensing_admin")
    type_id = services.get_service_type(db_session, "TDUP").id
    db_session.rollback()  # SQLite: no open transaction while the requests write
    url = f"/licensing/admin/types/{type_id}"
    token = _csrf(client, url)
    form = {
        "csrf_token": token,
        "code": "TDUP",
        "name": "Tanda Daftar Usaha Pariwisata",
        "sop_days": "2",
        "fee_rule": "free",
        "level": "regency",
        "requirements": "KTP\nAkta usaha",
        "stages": "inspection",
        "is_permit": "on",
        "active": "on",
    }
    assert client.post(url, data=form).status_code == 302
    token = _csrf(client, url)
    response = client.post(
        f"{url}/delegations",
        data={
            "csrf_token": token,
            "level": "kecamatan",
            "decree_number": "Perbup 7/2026",
            "effective_on": "2026-01-02",
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    stype = services.get_service_type(db_session, "TDUP")
    assert stype.sop_days == 2 and stype.requirements == ["KTP", "Akta usaha"]
    assert stype.stages == ["inspection"]
    assert stype.level_on(regency_today()) == "kecamatan"
    db_session.rollback()
    assert "Perbup 7/2026" in client.get("/licensing/catalogue").get_data(as_text=True)


def test_only_admins_edit_the_catalogue(catalogue, client, login_as):
    login_as("licensing_front")
    assert client.get("/licensing/admin/types/new").status_code == 403

"""The audit log is complete: every read of personal data and every security event.

Every path that shows a person's NIK, address, photo or documents, in the
core and in the built-in plugins, must leave an entry naming the reader,
the org unit of the record, the client address and the request id (the
one echoed in the response's ``X-Request-ID``).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.accounts.sessions import start_session
from pamong.audit.models import AuditEntry
from pamong.identity.services import register_resident
from pamong.identity.synthetic import make_nik
from pamong.orgunits.services import add_unit, get_unit
from pamong.testing import TEST_PASSWORD, build_app

CLIENT_IP = "203.0.113.7"
NIK = make_nik("33.14.01", date(1990, 8, 12), "F", 41)
PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Sragen with KTP and licensing: a resident with a KTP application and a permit file."""
    from pamong_plugins.ktp import services as ktp
    from pamong_plugins.licensing import services as licensing
    from pamong_plugins.licensing.catalogue import typical_rows

    app = build_app(tmp_path_factory.mktemp("audit"), ["ktp", "licensing"])
    system = Actor.system("test")
    facts = {}
    with app.extensions["pamong"].db.transaction() as session:
        office = add_unit(
            session, system, code="33.14-BPT", name="BPT", kind="skpd", parent_code="33.14"
        )
        licensing.import_catalogue(session, system, typical_rows())
        licensing.save_signatory(
            session,
            system,
            "33.14",
            {"name": "Ir. Kepala Dinas", "nip": "197001012000031001", "position": "Kepala DPMPTSP"},
        )
        resident = register_resident(
            session,
            system,
            {
                "nik": NIK,
                "name": "Sri Wahyuni",
                "birth_place": "Sragen",
                "birth_date": date(1990, 8, 12),
                "sex": "F",
                "domicile_code": "33.14.01.2001",
                "address": "Dukuh Keden",
            },
        )
        application = ktp.apply(session, system, nik=NIK, kecamatan_code="33.14.01", reason="new")
        service_type = licensing.get_service_type(session, "SIUP")
        applicant = licensing.counter_applicant(
            session,
            system,
            {"kind": "person", "name": "Sri Wahyuni", "id_number": NIK, "address": "Keden"},
        )
        requirement = service_type.requirements[0]
        permit_file = licensing.submit_application(
            session,
            system,
            service_type=service_type,
            applicant=applicant,
            checked=service_type.requirements,
            uploads=[licensing.FileUpload(requirement, "ktp.pdf", PDF)],
        )
        reader = accounts.create_user(
            session, system, username="pemeriksa", password=TEST_PASSWORD, full_name="Pemeriksa"
        )
        accounts.assign_role(
            session, system, reader, accounts.get_role(session, "admin"), get_unit(session, "33.14")
        )
        _token, plain = accounts.create_token(session, system, reader, "test")
        facts.update(
            resident_id=resident.id,
            desa_id=resident.domicile_unit_id,
            kecamatan_id=get_unit(session, "33.14.01").id,
            office_id=office.id,
            ktp_id=application.id,
            file_id=permit_file.id,
            file_number=permit_file.number,
            upload_id=permit_file.uploads[0].id,
            reader_id=reader.id,
            token=plain,
        )
    app.facts = facts
    yield app
    app.extensions["pamong"].db.dispose()


def logged_in(app):
    """A test client logged in as the reader, calling from :data:`CLIENT_IP`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    with app.extensions["pamong"].db.transaction() as session:
        user = accounts.load_user(session, app.facts["reader_id"])
        token = start_session(session, user, lifetime=timedelta(hours=1))
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
    return client


def entries_of(app, response):
    """The audit entries written while serving ``response`` (by its request id)."""
    request_id = response.headers["X-Request-ID"]
    with app.extensions["pamong"].db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)))


# Each path: how to call it (page with the session, or API with the token), and
# the unit its record belongs to.
PII_READS = {
    "resident detail page": ("page", "/residents/{resident_id}", "desa_id"),
    "resident search page by NIK": ("page", "/residents?q={nik}", "desa_id"),
    "resident API by NIK": ("api", "/api/v1/residents/{nik}", "desa_id"),
    "resident API search by NIK": ("api", "/api/v1/residents?q={nik}", "desa_id"),
    "KTP application page": ("page", "/ktp/applications/{ktp_id}", "kecamatan_id"),
    "KTP receipt page": ("page", "/ktp/applications/{ktp_id}/receipt", "kecamatan_id"),
    "KTP application API": ("api", "/api/v1/ktp/applications/{ktp_id}", "kecamatan_id"),
    "licensing file page": ("page", "/licensing/files/{file_id}", "office_id"),
    "licensing applicant's upload": ("page", "/licensing/uploads/{upload_id}", "office_id"),
    "licensing application API": (
        "api",
        "/api/v1/licensing/applications/{file_number}",
        "office_id",
    ),
    "licensing application list API": ("api", "/api/v1/licensing/applications", "office_id"),
}


@pytest.mark.parametrize("path_name", PII_READS)
def test_every_read_of_personal_data_is_audited(site, path_name):
    kind, template, unit_key = PII_READS[path_name]
    url = template.format(nik=NIK, **site.facts)
    if kind == "page":
        response = logged_in(site).get(url)
    else:
        client = site.test_client()
        client.environ_base["REMOTE_ADDR"] = CLIENT_IP
        response = client.get(url, headers={"Authorization": f"Bearer {site.facts['token']}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    reads = [e for e in entries_of(site, response) if e.action == "personal_data.read"]
    assert len(reads) == 1
    entry = reads[0]
    assert (entry.actor, entry.actor_id) == ("pemeriksa", site.facts["reader_id"])
    assert entry.org_unit_id == site.facts[unit_key]
    assert entry.ip == CLIENT_IP
    assert entry.request_id == response.headers["X-Request-ID"]
    assert entry.subject_nik == NIK
    assert entry.detail["purpose"]


def test_a_failed_login_is_audited_under_the_name_tried(site):
    client = site.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": "Pemeriksa", "password": "salah sekali", "csrf_token": token}
    )
    assert response.status_code == 401
    (entry,) = entries_of(site, response)
    assert (entry.action, entry.actor, entry.object_id) == (
        "auth.login_failed",
        "anonymous",
        "pemeriksa",
    )
    assert entry.ip == CLIENT_IP and entry.detail["reason"] == "bad-credentials"


def test_a_refused_page_is_audited_with_the_actor_and_their_unit(site):
    client = site.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    with site.extensions["pamong"].db.transaction() as session:
        system = Actor.system("test")
        viewer = accounts.create_user(session, system, username="penonton", password=TEST_PASSWORD)
        unit = get_unit(session, "33.14.02")
        accounts.assign_role(session, system, viewer, accounts.get_role(session, "viewer"), unit)
        token = start_session(session, viewer, lifetime=timedelta(hours=1))
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
    response = client.get("/staff/audit")
    assert response.status_code == 403
    (entry,) = entries_of(site, response)
    assert (entry.action, entry.actor) == ("auth.permission_denied", "penonton")
    assert entry.org_unit_id == unit.id and entry.ip == CLIENT_IP
    assert entry.detail["path"] == "/staff/audit"


def test_a_refused_api_call_is_audited_with_the_permission(site):
    with site.extensions["pamong"].db.transaction() as session:
        system = Actor.system("test")
        viewer = accounts.create_user(session, system, username="mesin", password=TEST_PASSWORD)
        accounts.assign_role(
            session,
            system,
            viewer,
            accounts.get_role(session, "viewer"),
            get_unit(session, "33.14"),
        )
        _token, plain = accounts.create_token(session, system, viewer)
    response = site.test_client().get("/api/v1/audit", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 403
    (entry,) = entries_of(site, response)
    assert (entry.action, entry.actor) == ("auth.permission_denied", "mesin")
    assert entry.detail["permission"] == "core.audit.view"


def test_an_invalid_bearer_token_is_audited(site):
    client = site.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    response = client.get("/api/v1/residents", headers={"Authorization": "Bearer pmg_forged123"})
    assert response.status_code == 401
    (entry,) = entries_of(site, response)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "auth.invalid_token",
        "api_token",
        "pmg_forged",
    )
    assert entry.ip == CLIENT_IP and entry.detail["kind"] == "bearer"


def test_a_request_without_a_token_is_no_security_event(site):
    response = site.test_client().get("/api/v1/residents")
    assert response.status_code == 401
    assert entries_of(site, response) == []


# --- the auditor's views ---------------------------------------------------------


@pytest.fixture(scope="module")
def history(site):
    """Reads by the reader, then an auditor at the kecamatan and one at the regency."""
    reader = logged_in(site)
    reader.get(f"/residents/{site.facts['resident_id']}")
    reader.get(f"/licensing/files/{site.facts['file_id']}")
    with site.extensions["pamong"].db.transaction() as session:
        system = Actor.system("test")
        tokens = {}
        for name, code in (("audit.camat", "33.14.01"), ("audit.bupati", "33.14")):
            user = accounts.create_user(session, system, username=name, password=TEST_PASSWORD)
            role = accounts.get_role(session, "auditor")
            accounts.assign_role(session, system, user, role, get_unit(session, code))
            tokens[name] = {
                "Authorization": f"Bearer {accounts.create_token(session, system, user)[1]}"
            }
    return tokens


def test_the_auditor_role_may_read_the_log(site):
    with site.extensions["pamong"].db.transaction() as session:
        assert "core.audit.view" in accounts.get_role(session, "auditor").permissions


def test_the_api_filters_by_actor_person_unit_action_and_time(site, history):
    auditor = history["audit.bupati"]
    client = site.test_client()
    args = {"actor": "pemeriksa", "nik": NIK, "unit": "33.14.01", "action": "personal_data.read"}
    items = client.get("/api/v1/audit", query_string=args, headers=auditor).json["items"]
    assert items and {i["object_type"] for i in items} >= {"resident"}
    assert all(i["subject_nik"] == NIK and i["actor"] == "pemeriksa" for i in items)
    assert all(i["org_unit"].startswith("33.14.01") for i in items)
    office = client.get(
        "/api/v1/audit", query_string={**args, "unit": "33.14-BPT"}, headers=auditor
    ).json["items"]
    assert {i["object_type"] for i in office} == {"licensing_application"}
    future = client.get(
        "/api/v1/audit",
        query_string={**args, "since": "2999-01-01T00:00:00+07:00"},
        headers=auditor,
    ).json
    assert future["total"] == 0


def test_an_action_family_filter_matches_its_prefix(site, history):
    client = site.test_client()
    # An auth.* entry of its own, whichever tests of the module ran before.
    client.get("/api/v1/residents", headers={"Authorization": "Bearer pmg_forged"})
    items = client.get(
        "/api/v1/audit", query_string={"action": "auth.*"}, headers=history["audit.bupati"]
    ).json["items"]
    assert items and all(i["action"].startswith("auth.") for i in items)


def test_a_kecamatan_auditor_sees_only_their_subtree(site, history):
    items = (
        site.test_client()
        .get("/api/v1/audit", query_string={"nik": NIK}, headers=history["audit.camat"])
        .json["items"]
    )
    assert items and all((i["org_unit"] or "").startswith("33.14.01") for i in items)


def test_the_log_exports_as_csv_with_the_same_filters(site, history):
    response = site.test_client().get(
        "/api/v1/audit/export",
        query_string={"nik": NIK, "action": "personal_data.read"},
        headers=history["audit.bupati"],
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and {r["subject_nik"] for r in rows} == {NIK}
    assert {"actor", "org_unit", "ip", "request_id"} <= set(rows[0])


def test_the_auditor_page_filters_and_links_its_csv(site, history):
    client = site.test_client()
    with site.extensions["pamong"].db.transaction() as session:
        user = accounts.get_user(session, "audit.bupati")
        token = start_session(session, user, lifetime=timedelta(hours=1))
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
    html = client.get("/staff/audit", query_string={"nik": NIK, "actor": "pemeriksa"}).get_data(
        as_text=True
    )
    assert "personal_data.read" in html and CLIENT_IP in html
    assert ">Data pribadi dibaca<" in html  # a label, the code as its tooltip
    assert "format=csv" in html and "format=xlsx" in html  # CSV and Excel, filters kept
    exported = client.get("/staff/audit/export.csv", query_string={"nik": NIK})
    assert exported.mimetype == "text/csv" and NIK in exported.get_data(as_text=True)
    bad = client.get("/staff/audit", query_string={"since": "kemarin"}).get_data(as_text=True)
    assert "YYYY-MM-DD" in bad


def test_a_person_report_lists_who_accessed_their_data_and_is_itself_audited(site, history):
    client = site.test_client()
    response = client.get(f"/api/v1/audit/people/{NIK}", headers=history["audit.bupati"])
    assert response.status_code == 200
    report = response.json
    assert report["nik"] == NIK
    readers = {(r["actor"], r["object_type"]) for r in report["entries"]}
    assert ("pemeriksa", "resident") in readers
    assert ("pemeriksa", "licensing_application") in readers
    (entry,) = entries_of(site, response)
    assert (entry.action, entry.actor, entry.subject_nik) == (
        "audit.subject_report",
        "audit.bupati",
        NIK,
    )


def test_the_person_report_page_answers_in_the_regency_language(site, history):
    client = site.test_client()
    with site.extensions["pamong"].db.transaction() as session:
        token = start_session(
            session, accounts.get_user(session, "audit.camat"), lifetime=timedelta(hours=1)
        )
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
    html = client.get("/staff/audit/person", query_string={"nik": NIK}).get_data(as_text=True)
    assert "pemeriksa" in html and NIK in html
    wrong = client.get("/staff/audit/person", query_string={"nik": "123"}).get_data(as_text=True)
    assert "NIK terdiri dari 16 angka." in wrong

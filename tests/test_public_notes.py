"""Public pages publish only public text.

Staff notes on a file are internal; only the separate "note to the applicant"
reaches the public tracker (page and API). The verify page of a document
shows the public note of a revocation, never its internal reason. Each test
writes a NIK and a phone number into the internal text and reads every page
and response an anonymous visitor can reach.
"""

from __future__ import annotations

import re

import pytest

from pamong.accounts.permissions import Actor
from pamong.core_hooks import DOMICILE_CERTIFICATE, POPULATION_SERVICE
from pamong.documents.services import issue_document, revoke_document
from pamong.orgunits.services import get_unit
from pamong.tracking.services import move_to, open_item

SYSTEM = Actor.system("test")
NIK = "3314015208900001"
PHONE = "0812-3456-7890"
INTERNAL = f"Pemohon NIK {NIK}, telp {PHONE}, minta dihubungi"
PUBLIC = "Silakan ambil di loket 2"


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def public_responses(app, *urls: str) -> dict[str, str]:
    """Every page or response an anonymous visitor gets with status 200.

    ``urls`` are the pages of the files under test; every GET route without
    parameters (home, tracker form, catalogue, the OpenAPI document…) is added.
    """
    anonymous = app.test_client()
    targets = list(urls)
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and not rule.arguments:
            targets.append(rule.rule)
    bodies = {}
    for url in targets:
        response = anonymous.get(url)
        if response.status_code == 200:
            bodies[url] = response.get_data(as_text=True)
    return bodies


def assert_no_internal_text(bodies: dict[str, str]) -> None:
    digits_only = PHONE.replace("-", "")
    leaks = [
        url
        for url, body in bodies.items()
        if NIK in body or PHONE in body or digits_only in body or "minta dihubungi" in body
    ]
    assert leaks == []


def _tracked_file(app) -> str:
    with app.extensions["pamong"].db.transaction() as session:
        item = open_item(session, SYSTEM, POPULATION_SERVICE, get_unit(session, "33.14.01"))
        move_to(session, SYSTEM, item, POPULATION_SERVICE, "processing", INTERNAL)
        move_to(session, SYSTEM, item, POPULATION_SERVICE, "ready", INTERNAL, public_note=PUBLIC)
        return item.number


def test_the_tracker_shows_the_note_to_the_applicant(app, client):
    number = _tracked_file(app)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    api = client.get(f"/api/v1/track/{number}").json
    assert PUBLIC in page
    assert [step["note"] for step in api["history"]] == ["", "", PUBLIC]


def test_internal_notes_never_reach_a_public_page_or_response(app):
    number = _tracked_file(app)
    bodies = public_responses(app, f"/track/{number}", f"/api/v1/track/{number}")
    assert {f"/track/{number}", f"/api/v1/track/{number}"} <= set(bodies)
    assert_no_internal_text(bodies)


def test_internal_notes_stay_on_the_step_for_staff(app):
    number = _tracked_file(app)
    from pamong.tracking.models import TrackedItem

    with app.extensions["pamong"].db.session() as session:
        item = session.query(TrackedItem).filter_by(number=number).one()
        assert [(e.note, e.public_note) for e in item.history[1:]] == [
            (INTERNAL, ""),
            (INTERNAL, PUBLIC),
        ]


def _revoked_document(app) -> str:
    with app.extensions["pamong"].db.transaction() as session:
        document = issue_document(
            session,
            SYSTEM,
            DOMICILE_CERTIFICATE,
            number="470/009/2026",
            unit=get_unit(session, "33.14.01"),
            holder_label="S*** W***",
        )
        revoke_document(session, SYSTEM, document, INTERNAL, public_note="Diganti surat baru")
        return document.code


def test_the_verify_page_shows_the_public_note_of_a_revocation(app, client):
    code = _revoked_document(app)
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    api = client.get(f"/api/v1/verify/{code}").json
    assert "Diganti surat baru" in page
    assert (api["status"], api["revoke_reason"]) == ("revoked", "Diganti surat baru")


def test_the_internal_reason_of_a_revocation_never_reaches_the_public(app):
    code = _revoked_document(app)
    bodies = public_responses(app, f"/verify/{code}", f"/api/v1/verify/{code}")
    assert {f"/verify/{code}", f"/api/v1/verify/{code}"} <= set(bodies)
    assert_no_internal_text(bodies)


@pytest.mark.pamong_plugins("ktp")
def test_a_ktp_cancellation_publishes_only_the_note_to_the_applicant(
    app, client, login_as, make_resident
):
    from pamong_plugins.ktp import services

    user = login_as("ktp_officer", "33.14.01")
    resident = make_resident()
    with app.extensions["pamong"].db.transaction() as session:
        from pamong.accounts.services import actor_for, load_user

        officer = actor_for(load_user(session, user.id))
        application = services.apply(
            session, officer, nik=resident.nik, kecamatan_code="33.14.01", reason="new"
        )
        application_id, number = application.id, application.tracking_number
    url = f"/ktp/applications/{application_id}"
    response = client.post(
        f"{url}/cancel",
        data={"csrf_token": _csrf(client, url), "reason": INTERNAL, "public_note": PUBLIC},
    )
    assert response.status_code == 302
    assert INTERNAL in client.get(url).get_data(as_text=True)  # staff still read it
    bodies = public_responses(app, f"/track/{number}", f"/api/v1/track/{number}")
    assert PUBLIC in bodies[f"/track/{number}"]
    assert_no_internal_text(bodies)


@pytest.fixture
def licensing_file(app, make_org_unit):
    """A counter application for SIUP at the BPT office; returns (id, number)."""
    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.catalogue import typical_rows

    make_org_unit("33.14-BPT", "Badan Pelayanan Terpadu", "skpd", "33.14")
    with app.extensions["pamong"].db.transaction() as session:
        services.import_catalogue(session, SYSTEM, typical_rows())
        services.save_signatory(
            session,
            SYSTEM,
            "33.14",
            {"name": "Ir. Kepala Dinas", "nip": "197001012000031001", "position": "Kepala DPMPTSP"},
        )
        stype = services.get_service_type(session, "HO")
        applicant = services.counter_applicant(
            session,
            SYSTEM,
            {"kind": "person", "name": "Sari Lestari", "id_number": NIK, "phone": PHONE},
        )
        application = services.submit_application(
            session,
            SYSTEM,
            service_type=stype,
            applicant=applicant,
            checked=stype.requirements,
        )
        return application.id, application.number


@pytest.mark.pamong_plugins("licensing")
def test_licensing_staff_notes_stay_internal(app, client, login_as, licensing_file):
    application_id, number = licensing_file
    login_as("licensing_head")
    url = f"/licensing/files/{application_id}"
    steps = [
        ("advance", {"note": INTERNAL, "public_note": PUBLIC}),
        ("return", {"reason": INTERNAL, "public_note": "Mohon lengkapi berkas"}),
    ]
    for action, data in steps:
        response = client.post(f"{url}/{action}", data={"csrf_token": _csrf(client, url), **data})
        assert response.status_code == 302, action
    staff_page = client.get(url).get_data(as_text=True)
    assert INTERNAL in staff_page and PUBLIC in staff_page
    bodies = public_responses(app, f"/track/{number}", f"/api/v1/track/{number}")
    assert PUBLIC in bodies[f"/track/{number}"]
    assert "Mohon lengkapi berkas" in bodies[f"/track/{number}"]
    assert_no_internal_text(bodies)


@pytest.mark.pamong_plugins("licensing")
def test_a_licensing_refusal_keeps_its_reasons_off_the_tracker(app, licensing_file):
    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.models import Application

    application_id, number = licensing_file
    with app.extensions["pamong"].db.transaction() as session:
        application = session.get(Application, application_id)
        application.stage = "decision"
        services.decide(
            session, SYSTEM, application, approve=False, reason=INTERNAL, public_note=PUBLIC
        )
    bodies = public_responses(app, f"/track/{number}", f"/api/v1/track/{number}")
    assert PUBLIC in bodies[f"/track/{number}"]
    assert_no_internal_text(bodies)

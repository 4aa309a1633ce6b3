"""Complaints: filing, tracking, handling scoped to units, answers, ratings, the public page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.audit.models import AuditEntry
from pamong.messaging.models import Delivery
from pamong_plugins.portal import complaints
from pamong_plugins.portal.models import Complaint

pytestmark = pytest.mark.pamong_plugins("portal")
API = "/api/v1/portal"
KALIJAMBE = "33.14.01"
PLUPUH = "33.14.02"
KEDEN = "33.14.01.2001"
NIK = "3314014505900001"

REPORT = {
    "kind": "complaint",
    "category": "infrastructure",
    "title": "Jalan berlubang di Keden",
    "body": f"Jalan rusak. Saya Sri Wahyuni, NIK {NIK}, telepon 081234567890.",
    "desa_code": KEDEN,
    "name": "Sri Wahyuni",
    "phone": "0812 3456 7890",
    "publish_consent": True,
}


def file_report(client, **changes):
    answer = client.post(f"{API}/complaints", json={**REPORT, **changes})
    assert answer.status_code == 201, answer.json
    return answer.json


def form_post(client, data):
    """Post the public complaint form with its CSRF token, as a browser does."""
    page = client.get("/portal/complaints/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/portal/complaints/new", data={**data, "csrf_token": token})


def act(client, headers, number, **data):
    return client.post(f"{API}/complaints/{number}/actions", json=data, headers=headers)


def test_a_citizen_files_without_an_account_and_gets_a_number_and_an_access_code(client):
    receipt = file_report(client)
    assert receipt["number"].startswith("ADU-") and len(receipt["access_code"]) == 8
    assert receipt["status"] == "submitted"
    assert date.fromisoformat(receipt["answer_due"]) > date.fromisoformat(receipt["verify_due"])


def test_the_public_tracker_shows_the_status_but_no_personal_data(client):
    receipt = file_report(client)
    page = client.get(f"/track/{receipt['number']}").get_data(as_text=True)
    assert "Received, waiting for verification" in page or "Diterima" in page
    for secret in ("Sri Wahyuni", "081234567890", NIK, "berlubang"):
        assert secret not in page


def test_from_filing_to_a_published_answer_with_a_message_to_the_citizen(client, bearer, app):
    """No SMS gateway here: the answer goes by e-mail (test_portal_gateway covers the SMS)."""
    handler = bearer("portal_handler", "33.14")
    receipt = file_report(client, email="sri@example.id")
    number = receipt["number"]
    assert act(client, handler, number, action="verify").json["status"] == "in_progress"
    answered = act(client, handler, number, action="answer", body="Sudah ditambal, Bu Sri Wahyuni.")
    assert answered.status_code == 200 and answered.json["status"] == "answered"
    with app.extensions["pamong"].db.transaction() as session:
        sent = session.scalars(select(Delivery)).all()
        assert [(d.channel, d.address) for d in sent] == [("email", "sri@example.id")]
        assert number in sent[0].body
    rated = client.post(
        f"{API}/complaints/{number}/rating",
        json={"access_code": receipt["access_code"], "rating": 5},
    )
    assert rated.status_code == 200 and rated.json["status"] == "closed"
    with app.extensions["pamong"].db.transaction() as session:  # closed: the survey is offered
        from pamong_plugins.portal import complaints
        from pamong_plugins.portal.models import Complaint

        complaint = session.scalar(select(Complaint).where(Complaint.number == number))
        invitation = complaints.survey_of(session, complaint)
        assert invitation.service == "portal.complaints"
        assert invitation.org_unit_id == complaint.unit_id and invitation.answered_at is None
    public = client.get(f"{API}/answers").json["items"]
    assert [item["number"] for item in public] == [number]
    shown = str(public[0])
    assert "Sudah ditambal" in shown
    for secret in ("Sri Wahyuni", "081234567890", NIK, "Wahyuni", "sri@example.id"):
        assert secret not in shown
    page = client.get("/portal/answers").get_data(as_text=True)
    assert "Sudah ditambal" in page and "081234567890" not in page and NIK not in page


def test_confidential_and_whistleblowing_reports_are_never_published(client, bearer):
    handler = bearer("portal_handler", "33.14")
    for changes in ({"confidential": True}, {"kind": "whistleblowing"}):
        number = file_report(client, **changes)["number"]
        act(client, handler, number, action="verify")
        act(client, handler, number, action="answer", body="Ditindaklanjuti.")
    assert client.get(f"{API}/answers").json["total"] == 0


def test_the_status_never_moves_back(client, bearer):
    handler = bearer("portal_handler", "33.14")
    number = file_report(client)["number"]
    act(client, handler, number, action="verify")
    refused = act(client, handler, number, action="postpone", reason="late idea")
    assert refused.status_code == 409
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def test_the_citizen_may_reopen_an_answer_and_a_rating_is_given_once(client, bearer):
    handler = bearer("portal_handler", "33.14")
    receipt = file_report(client)
    number, code = receipt["number"], receipt["access_code"]
    act(client, handler, number, action="verify")
    act(client, handler, number, action="answer", body="Selesai.")
    url = f"{API}/complaints/{number}/rating"
    reopened = client.post(url, json={"access_code": code, "rating": 1, "reopen": True})
    assert reopened.json["status"] == "in_progress"
    assert client.post(url, json={"access_code": code, "rating": 4}).status_code == 409
    act(client, handler, number, action="answer", body="Sudah diperbaiki lagi.")
    assert client.post(url, json={"access_code": code, "rating": 4}).json["status"] == "closed"
    assert client.post(url, json={"access_code": code, "rating": 4}).status_code == 409


def test_a_wrong_access_code_reveals_nothing(client):
    number = file_report(client)["number"]
    wrong = client.post(f"{API}/complaints/{number}/rating", json={"access_code": "X", "rating": 3})
    assert wrong.status_code == 404


def test_handlers_see_only_reports_routed_to_their_subtree(client, bearer):
    regency = bearer("portal_handler", "33.14")
    kalijambe = bearer("portal_handler", KALIJAMBE)
    plupuh = bearer("portal_handler", PLUPUH)
    number = file_report(client)["number"]
    assert client.get(f"{API}/complaints", headers=kalijambe).json["total"] == 0
    assert act(client, kalijambe, number, action="verify").status_code == 404
    routed = act(client, regency, number, action="verify", unit_code=KALIJAMBE)
    assert routed.json["unit"] == KALIJAMBE
    assert client.get(f"{API}/complaints", headers=kalijambe).json["total"] == 1
    assert client.get(f"{API}/complaints", headers=plupuh).json["total"] == 0
    assert act(client, plupuh, number, action="answer", body="x").status_code == 404
    assert act(client, kalijambe, number, action="answer", body="Ok.").status_code == 200


def test_a_handler_cannot_route_above_their_subtree(client, bearer, app):
    kalijambe = bearer("portal_handler", KALIJAMBE)
    number = file_report(client)["number"]
    with app.extensions["pamong"].db.transaction() as session:
        from pamong.orgunits.services import get_unit

        complaint = session.scalar(select(Complaint).where(Complaint.number == number))
        complaint.unit = get_unit(session, KALIJAMBE)  # as if its category routed it there
    refused = act(client, kalijambe, number, action="verify", unit_code="33.14")
    assert refused.status_code == 403
    assert act(client, kalijambe, number, action="verify").json["unit"] == KALIJAMBE


def test_the_reporter_is_shown_only_with_the_permission_and_the_read_is_audited(
    app, login_as, client
):
    receipt = file_report(client)
    login_as("portal_handler", "33.14")
    page = client.get(f"/portal/staff/complaints/{receipt['number']}").get_data(as_text=True)
    assert "Sri Wahyuni" in page
    with app.extensions["pamong"].db.transaction() as session:
        reads = session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "portal_complaints")
        ).all()
        assert len(reads) == 1 and reads[0].detail["purpose"] == "portal.complaint.reporter"


def test_anonymous_reports_keep_no_name_or_contact(app, client):
    number = file_report(client, anonymous=True)["number"]
    with app.extensions["pamong"].db.transaction() as session:
        complaint = session.scalar(select(Complaint).where(Complaint.number == number))
        assert (complaint.reporter_name, complaint.reporter_phone) == ("", "")


def test_texts_are_hidden_with_a_reason_never_edited(client, bearer, app):
    handler = bearer("portal_handler", "33.14")
    number = file_report(client)["number"]
    act(client, handler, number, action="verify")
    act(client, handler, number, action="answer", body="Jawaban pertama.")
    assert act(client, handler, number, action="hide", reason="").status_code == 422
    assert act(client, handler, number, action="hide", reason="kata kasar").status_code == 200
    with app.extensions["pamong"].db.transaction() as session:
        complaint = session.scalar(select(Complaint).where(Complaint.number == number))
        assert complaint.hidden_reason == "kata kasar"
        assert complaint.body == REPORT["body"]
    assert client.get(f"{API}/answers").json["total"] == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"body": "x" * 4001},
        {"title": ""},
        {"category": "nope"},
        {"desa_code": "33.14.99.9999"},
        {"phone": "call me"},
        {"latitude": 100},
        {"body": "a\x00b"},
    ],
)
def test_bad_reports_are_refused_with_a_problem(client, changes):
    answer = client.post(f"{API}/complaints", json={**REPORT, **changes})
    assert answer.status_code in (400, 422), answer.json
    assert answer.headers["Content-Type"].startswith("application/problem+json")


def test_the_form_refuses_bots_filling_the_honeypot(client):
    form = {k: v for k, v in REPORT.items() if k != "publish_consent"}
    assert form_post(client, {**form, "website": "http://spam"}).status_code == 400
    assert client.get(f"{API}/complaints/statistics").json["total"] == 0


def test_the_form_files_a_report_and_renders_script_as_text(client, app, login_as):
    form = {**{k: v for k, v in REPORT.items() if k != "publish_consent"}}
    form["title"] = "<script>alert(1)</script>"
    page = form_post(client, form)
    assert page.status_code == 200
    number = re.search(r"ADU-\d{4}-\d{6}", page.get_data(as_text=True)).group(0)
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalar(select(Complaint.title).where(Complaint.number == number)) == (
            "<script>alert(1)</script>"
        )
    handler = login_as("portal_handler", "33.14")
    listing = client.get("/portal/staff/complaints").get_data(as_text=True)
    assert handler and "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing


def test_a_bad_form_keeps_what_was_typed(client):
    form = {**{k: v for k, v in REPORT.items() if k != "publish_consent"}, "phone": "abc"}
    page = form_post(client, form)
    assert page.status_code == 422
    assert "Jalan berlubang di Keden" in page.get_data(as_text=True)


def test_late_reports_are_escalated_once(app, client):
    file_report(client)
    with app.extensions["pamong"].db.transaction() as session:
        late = date(2099, 1, 1)
        assert complaints.escalate_late(session, Actor.system("t"), late) == 1
        assert complaints.escalate_late(session, Actor.system("t"), late) == 0


def test_forwarding_sends_nothing_without_an_adapter(client, bearer):
    handler = bearer("portal_handler", "33.14")
    number = file_report(client)["number"]
    forwarded = act(client, handler, number, action="forward", to="BBWS", reason="pusat")
    assert forwarded.json["status"] == "forwarded"


def test_statistics_count_per_unit_and_category_without_personal_data(client, bearer):
    handler = bearer("portal_handler", "33.14")
    number = file_report(client)["number"]
    file_report(client, category="water")
    act(client, handler, number, action="verify")
    stats = client.get(f"{API}/complaints/statistics").json
    assert stats["total"] == 2
    totals = {c["category"]: c["total"] for c in stats["categories"]}
    assert totals["infrastructure"] == 1 and totals["water"] == 1
    assert "Sri" not in str(stats)
    assert client.get("/portal/complaints/statistics").status_code == 200


def image(fmt="JPEG", size=(2400, 1800), exif=True) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    picture = Image.new("RGB", size, (30, 90, 160))
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x8825] = {2: (7.0, 25.0, 0.0)}  # GPS latitude: where the citizen stood
        data[0x010F] = "PhoneMaker"
        picture.save(out, fmt, exif=data)
    else:
        picture.save(out, fmt)
    return out.getvalue()


def test_photos_are_shrunk_stripped_of_metadata_and_shown_only_to_handlers(client, login_as, app):
    import io

    from PIL import Image

    form = {k: v for k, v in REPORT.items() if k != "publish_consent"}
    page = client.get("/portal/complaints/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/portal/complaints/new",
        data={**form, "csrf_token": token, "photo": (io.BytesIO(image()), "jalan.jpg")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200
    number = re.search(r"ADU-\d{4}-\d{6}", answer.get_data(as_text=True)).group(0)
    with app.extensions["pamong"].db.transaction() as session:
        complaint = session.scalar(select(Complaint).where(Complaint.number == number))
        photo_id = complaint.photos[0].id
    url = f"/portal/staff/complaints/{number}/photos/{photo_id}"
    assert client.get(url).status_code == 302  # to the login
    login_as("portal_handler", PLUPUH)
    assert client.get(url).status_code == 404
    login_as("portal_handler", "33.14")
    shown = client.get(url)
    assert shown.status_code == 200 and "no-store" in shown.headers["Cache-Control"]
    with Image.open(io.BytesIO(shown.data)) as stored:
        assert max(stored.size) == 1600
        assert not stored.getexif()


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (b"GIF89a not really", "bukan gambar JPEG"),
        (b"\xff\xd8\xff" + b"0" * 100, "bukan gambar JPEG"),
        (b"0" * 20_001, "lebih dari"),
    ],
)
def test_wrong_or_huge_photos_are_refused_and_nothing_is_filed(
    client, app, photo, message, monkeypatch
):
    import io

    monkeypatch.setattr(complaints, "MAX_PHOTO_BYTES", 20_000)  # small bodies: no temp files

    form = {k: v for k, v in REPORT.items() if k != "publish_consent"}
    page = client.get("/portal/complaints/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/portal/complaints/new",
        data={**form, "csrf_token": token, "photo": (io.BytesIO(photo), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalar(select(Complaint.id)) is None

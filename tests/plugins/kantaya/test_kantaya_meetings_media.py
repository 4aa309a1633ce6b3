"""Minutes with follow-up tasks, attendance, a unit's calendar feed; attachments and progress
photos over the API (type and size checked); the project map; the new pages in Indonesian."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.messaging.models import InboxEntry, Message
from pamong.runtime import regency_today
from pamong_plugins.kantaya import services

pytestmark = pytest.mark.pamong_plugins("kantaya")

KALIJAMBE = "33.14.01"
HELD = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # a meeting in the past
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def tx(app):
    return app.extensions["pamong"].db.transaction()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_minutes_follow_ups_and_attendance(app, actor_at):
    secretary = actor_at("kantaya_secretary", "33.14")
    camat = actor_at("kantaya_head", KALIJAMBE, username="camat.kalijambe")
    reporter = actor_at("kantaya_reporter", KALIJAMBE)
    other = actor_at("kantaya_reporter", "33.14.02")
    kec_secretary = actor_at("kantaya_secretary", KALIJAMBE)
    with app.app_context(), tx(app) as session:
        event, _clash = services.create_event(
            session,
            secretary,
            unit_code="33.14",
            title="Rakor stunting",
            starts_at=HELD,
            ends_at=HELD + timedelta(hours=2),
            invite=["camat.kalijambe"],
        )
        future, _clash = services.create_event(
            session,
            secretary,
            unit_code="33.14",
            title="Rakor berikutnya",
            starts_at=datetime.now(UTC) + timedelta(days=3),
            ends_at=datetime.now(UTC) + timedelta(days=3, hours=1),
        )
        with pytest.raises(Conflict):  # minutes of a meeting not held yet
            services.write_minutes(session, secretary, future.id, body="Belum")
        with pytest.raises(InvalidInput):
            services.record_attendance(
                session, secretary, event.id, username="camat.kalijambe", attendance="delegate"
            )
        with pytest.raises(InvalidInput):  # not invited
            services.record_attendance(
                session, secretary, event.id, username=reporter.username, attendance="present"
            )
        row = services.record_attendance(
            session,
            secretary,
            event.id,
            username="camat.kalijambe",
            attendance="delegate",
            delegate="Sekcam Kalijambe",
        )
        assert row.attendance == "delegate" and row.attended and row.delegate == "Sekcam Kalijambe"
        with pytest.raises(NotFound):  # a kecamatan's secretary does not keep the regency agenda
            services.get_event(session, kec_secretary, event.id)
        services.write_minutes(
            session,
            secretary,
            event.id,
            body="1. Data balita diperbarui.\n2. Posyandu aktif.",
            follow_ups=[
                {"unit_code": KALIJAMBE, "body": "Perbarui data balita", "due_on": HELD.date()},
                {
                    "unit_code": KALIJAMBE,
                    "body": "Laporkan posyandu",
                    "username": "camat.kalijambe",
                },
            ],
        )
        with pytest.raises(InvalidInput):
            services.write_minutes(
                session,
                secretary,
                event.id,
                body="x",
                follow_ups=[{"unit_code": "99.99", "body": "x"}],
            )
        with pytest.raises(Forbidden):  # outside the kecamatan keeper's reach
            kec_event, _c = services.create_event(
                session,
                kec_secretary,
                unit_code=KALIJAMBE,
                title="Rapat kecamatan",
                starts_at=HELD,
                ends_at=HELD + timedelta(hours=1),
            )
            services.write_minutes(
                session,
                kec_secretary,
                kec_event.id,
                body="x",
                follow_ups=[{"unit_code": "33.14.02", "body": "x"}],
            )
    with app.app_context(), tx(app) as session:
        told = {
            (user, subject)
            for user, subject in session.execute(
                select(InboxEntry.user_id, Message.subject)
                .join(Message, InboxEntry.message_id == Message.id)
                .where(Message.subject.like("%Rakor stunting%"), Message.kind == "notice")
            )
        }
        # The unit's task reaches its staff; the named person's task reaches that person.
        assert (reporter.user_id, "Tindak lanjut dari Rakor stunting") in told
        assert (camat.user_id, "Tindak lanjut dari Rakor stunting") in told
        assert other.user_id not in {user for user, _subject in told}
        mine = list(session.scalars(services.follow_ups_query(reporter)))
        assert sorted(f.body for f in mine) == ["Laporkan posyandu", "Perbarui data balita"]
        assert list(session.scalars(services.follow_ups_query(other))) == []
        with pytest.raises(NotFound):
            services.complete_follow_up(session, other, mine[0].id)
        done = services.complete_follow_up(session, reporter, mine[0].id, "Sudah")
        assert done.done_at is not None
        with pytest.raises(Conflict):
            services.complete_follow_up(session, camat, mine[0].id)
        assert len(list(session.scalars(services.follow_ups_query(reporter)))) == 1


def test_a_units_calendar_feed_is_unguessable_and_revocable(app, client, actor_at):
    secretary = actor_at("kantaya_secretary", "33.14")
    reporter = actor_at("kantaya_reporter", "33.14")
    with app.app_context(), tx(app) as session:
        services.create_event(
            session,
            secretary,
            unit_code="33.14",
            title="Apel Hari Kesadaran Nasional",
            starts_at=HELD,
            ends_at=HELD + timedelta(hours=1),
        )
        services.create_event(
            session,
            secretary,
            unit_code=KALIJAMBE,
            title="Rapat kecamatan",
            starts_at=HELD,
            ends_at=HELD + timedelta(hours=1),
        )
        with pytest.raises(Forbidden):
            services.new_unit_feed(session, reporter, "33.14")
        token = services.new_unit_feed(session, secretary, "33.14")
    assert len(token) >= 40
    response = client.get(f"/kantaya/calendar/{token}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Apel Hari Kesadaran Nasional"]
    with app.app_context(), tx(app) as session:
        again = services.new_unit_feed(session, secretary, "33.14")
    assert client.get(f"/kantaya/calendar/{token}.ics").status_code == 404  # renewed: old dies
    with app.app_context(), tx(app) as session:
        assert services.revoke_unit_feed(session, secretary, "33.14") == 1
    assert client.get(f"/kantaya/calendar/{again}.ics").status_code == 404


def test_attachments_and_progress_photos_over_the_api(client, bearer):
    reporter = bearer("kantaya_reporter", KALIJAMBE)
    made = client.post(
        "/api/v1/kantaya/reports",
        json={"unit_code": KALIJAMBE, "day": regency_today().isoformat()},
        headers=reporter,
    )
    rid = made.get_json()["id"]
    url = f"/api/v1/kantaya/reports/{rid}/attachments"
    ok = client.post(
        url, json={"filename": "apel.jpg", "data_base64": _b64(JPEG)}, headers=reporter
    )
    assert ok.status_code == 201 and ok.get_json()["content_type"] == "image/jpeg"
    for bad, status in (
        ({"filename": "x.exe", "data_base64": _b64(b"MZ\x90\x00")}, 422),
        ({"filename": "x.jpg", "data_base64": "not base64!"}, 422),
        ({"filename": "big.jpg", "data_base64": _b64(JPEG + b"0" * (5 * 1024 * 1024))}, 422),
    ):
        refused = client.post(url, json=bad, headers=reporter)
        assert refused.status_code == status, refused.get_json()
        assert refused.headers["Content-Type"].startswith("application/problem+json")
    report = client.get(f"/api/v1/kantaya/reports/{rid}", headers=reporter).get_json()
    assert [a["filename"] for a in report["attachments"]] == ["apel.jpg"]

    officer = bearer("kantaya_project_officer", KALIJAMBE)
    start = regency_today() - timedelta(weeks=2)
    project = client.post(
        "/api/v1/kantaya/projects",
        json={
            "unit_code": KALIJAMBE,
            "name": "Jalan usaha tani",
            "pagu": 400_000_000,
            "contract_value": 380_000_000,
            "contractor": "CV Maju",
            "start_on": start.isoformat(),
            "end_on": (start + timedelta(weeks=10)).isoformat(),
            "latitude": -7.38,
            "longitude": 110.9,
        },
        headers=officer,
    ).get_json()
    progress = f"/api/v1/kantaya/projects/{project['id']}/progress"
    week = {"week_on": regency_today().isoformat(), "physical_pct": 5, "financial": 0}
    wrong = client.post(progress, json={**week, "photo_base64": _b64(b"%PDF-1.4")}, headers=officer)
    assert wrong.status_code == 422
    photo = client.post(progress, json={**week, "photo_base64": _b64(JPEG)}, headers=officer)
    assert photo.status_code == 201 and photo.get_json()["has_photo"] is True
    points = client.get("/api/v1/kantaya/projects/map", headers=officer).get_json()
    assert [(p["name"], p["latitude"]) for p in points] == [("Jalan usaha tani", -7.38)]
    outsider = bearer("kantaya_project_officer", "33.14.02")
    assert client.get("/api/v1/kantaya/projects/map", headers=outsider).get_json() == []


def test_the_scatter_keeps_north_up_and_stays_inside():
    class P:
        def __init__(self, lat, lon):
            self.latitude, self.longitude = lat, lon

    south, north, east = P(-7.5, 110.9), P(-7.3, 110.9), P(-7.4, 111.1)
    placed = {id(p): (x, y) for p, x, y in services.scatter([south, north, east], width=200)}
    assert placed[id(north)][1] < placed[id(south)][1]  # north is up
    assert placed[id(east)][0] > placed[id(north)][0]
    assert all(0 <= x <= 200 and 0 <= y <= 480 for x, y in placed.values())
    assert services.scatter([]) == []


def _login(client, username: str) -> None:
    """Log the client in as an existing user (``login_as`` makes a new one)."""
    from pamong.accounts import services as accounts
    from pamong.accounts.sessions import start_session

    with client.application.extensions["pamong"].db.transaction() as db:
        token = start_session(
            db, accounts.get_user(db, username), lifetime=timedelta(hours=1), ip="127.0.0.1"
        )
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_new_pages_in_indonesian(app, client, login_as, make_user):
    make_user("kantaya_leader", "33.14", username="bupati")
    login_as("kantaya_secretary", "33.14")
    page = client.get("/kantaya/drafts").get_data(as_text=True)
    assert "Konsep surat" in page
    made = client.post(
        "/kantaya/drafts",
        data={
            "unit_code": "33.14",
            "classification": "000.1.2",
            "subject": "Undangan rakor",
            "chain": "bupati",
            "to_units": KALIJAMBE,
            "csrf_token": _csrf(page),
        },
    )
    assert made.status_code == 302
    draft = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Menunggu paraf atau tanda tangan" in draft and "bupati" in draft
    agenda = client.get("/kantaya/agenda").get_data(as_text=True)
    assert "Kalender unit" in agenda
    assert client.get("/kantaya/projects/map").status_code == 403
    login_as("kantaya_project_officer", "33.14")
    assert "Peta proyek" in client.get("/kantaya/projects/map").get_data(as_text=True)


def test_paraf_sign_and_send_through_the_pages(app, client, login_as, make_user):
    make_user("kantaya_leader", "33.14", username="sekda")
    make_user("kantaya_leader", "33.14", username="bupati")
    make_user("kantaya_head", KALIJAMBE, username="camat.kalijambe")
    make_user("kantaya_secretary", "33.14", username="sekretariat")
    _login(client, "sekretariat")
    page = client.get("/kantaya/drafts").get_data(as_text=True)
    made = client.post(
        "/kantaya/drafts",
        data={
            "unit_code": "33.14",
            "classification": "400.5.8",
            "subject": "Penugasan pendataan",
            "chain": "sekda, bupati",
            "to_units": KALIJAMBE,
            "csrf_token": _csrf(page),
        },
    )
    draft_url = made.headers["Location"]
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[-1])
    _login(client, "bupati")
    view = client.get(draft_url).get_data(as_text=True)
    assert "Menunggu sekda." in view  # not the Bupati's turn: no button
    early = client.post(
        f"/kantaya/drafts/{draft_id}/endorse", data={"kind": "sign", "csrf_token": _csrf(view)}
    )
    assert early.status_code in (302, 409)
    _login(client, "sekda")
    view = client.get(draft_url).get_data(as_text=True)
    assert "Paraf</button>" in view
    client.post(
        f"/kantaya/drafts/{draft_id}/endorse", data={"kind": "paraf", "csrf_token": _csrf(view)}
    )
    _login(client, "bupati")
    view = client.get(draft_url).get_data(as_text=True)
    signed = client.post(
        f"/kantaya/drafts/{draft_id}/endorse", data={"kind": "sign", "csrf_token": _csrf(view)}
    )
    assert signed.status_code == 302
    _login(client, "sekretariat")
    view = client.get(draft_url).get_data(as_text=True)
    assert "400.5.8/001/" in view and "Sudah ditandatangani, belum dikirim" in view
    sent = client.post(f"/kantaya/drafts/{draft_id}/send", data={"csrf_token": _csrf(view)})
    assert sent.status_code == 302
    assert "Dikirim pada" in client.get(draft_url).get_data(as_text=True)


def test_the_event_page_records_attendance_and_minutes(app, client, login_as, actor_at):
    secretary = actor_at("kantaya_secretary", "33.14", username="sekretariat")
    actor_at("kantaya_head", KALIJAMBE, username="camat.kalijambe")
    with app.app_context(), tx(app) as session:
        event, _clash = services.create_event(
            session,
            secretary,
            unit_code="33.14",
            title="Rakor camat",
            starts_at=HELD,
            ends_at=HELD + timedelta(hours=1),
            invite=["camat.kalijambe"],
        )
        event_id = event.id
    _login(client, "sekretariat")
    page = client.get(f"/kantaya/agenda/{event_id}").get_data(as_text=True)
    assert "Kehadiran" in page and "Notulen" in page
    client.post(
        f"/kantaya/agenda/{event_id}/attendance",
        data={"username": "camat.kalijambe", "attendance": "absent", "csrf_token": _csrf(page)},
    )
    client.post(
        f"/kantaya/agenda/{event_id}/minutes",
        data={
            "body": "Rapat membahas stunting.",
            "task_unit": KALIJAMBE,
            "task_body": "Kirim data balita",
            "csrf_token": _csrf(page),
        },
    )
    page = client.get(f"/kantaya/agenda/{event_id}").get_data(as_text=True)
    assert "Tidak hadir" in page and "Kirim data balita" in page and "Rapat membahas" in page
    login_as("kantaya_reporter", KALIJAMBE)
    assert "Kirim data balita" in client.get("/kantaya/").get_data(as_text=True)

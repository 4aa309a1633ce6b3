"""Agenda: invitations through messaging, RSVP, double booking, the revocable iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from pamong.errors import InvalidInput, NotFound
from pamong.messaging.models import InboxEntry
from pamong_plugins.kantaya import services

pytestmark = pytest.mark.pamong_plugins("kantaya")

START = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)  # 09:00 WIB


def tx(app):
    return app.extensions["pamong"].db.transaction()


def test_invitation_rsvp_conflict_and_feed(app, client, actor_at, make_user, bearer):
    secretary = actor_at("kantaya_secretary", "33.14")
    bupati = make_user("kantaya_leader", "33.14", username="bupati")
    camat = make_user("kantaya_head", "33.14.01", username="camat.kalijambe")
    with app.app_context(), tx(app) as session:
        event, clash = services.create_event(
            session,
            secretary,
            unit_code="33.14",
            title="Rapat koordinasi stunting",
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            location="Pendopo Sukowati",
            leader="bupati",
            invite=["camat.kalijambe"],
        )
        assert clash == []
        _second, clash = services.create_event(
            session,
            secretary,
            unit_code="33.14",
            title="Kunjungan kerja",
            starts_at=START + timedelta(hours=1),
            ends_at=START + timedelta(hours=3),
            leader="bupati",
            tentative=True,
        )
        assert [e.id for e in clash] == [event.id]  # the Bupati is double-booked
        event_id = event.id
        with pytest.raises(InvalidInput):
            services.create_event(
                session,
                secretary,
                unit_code="33.14",
                title="x",
                starts_at=START,
                ends_at=START - timedelta(hours=1),
            )
        inbox = session.scalar(
            select(func.count()).select_from(InboxEntry).where(InboxEntry.user_id == camat.id)
        )
    assert inbox == 1
    from pamong.accounts import services as accounts

    with tx(app) as session:
        camat_actor = accounts.actor_for(accounts.load_user(session, camat.id))
        with pytest.raises(InvalidInput):
            services.rsvp(session, camat_actor, event_id, answer="delegate")
        services.rsvp(session, camat_actor, event_id, answer="delegate", delegate="Sekcam")
        token = services.new_feed_token(session, camat_actor)
    response = client.get(f"/kantaya/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["Rapat koordinasi stunting"]
    assert events[0].decoded("dtstart") == START
    assert client.get("/kantaya/calendar/not-a-token.ics").status_code == 404
    with tx(app) as session:
        services.revoke_feed(session, camat_actor)
    assert client.get(f"/kantaya/calendar/{token}.ics").status_code == 404
    assert bupati.id


def test_only_the_invited_answer(app, actor_at):
    secretary = actor_at("kantaya_secretary", "33.14")
    stranger = actor_at("kantaya_reporter", "33.14.02")
    with app.app_context(), tx(app) as session:
        event, _ = services.create_event(
            session,
            secretary,
            unit_code="33.14",
            title="Apel",
            starts_at=START,
            ends_at=START + timedelta(hours=1),
        )
        with pytest.raises(NotFound):
            services.rsvp(session, stranger, event.id, answer="yes")


def test_the_api_answers_and_makes_a_feed_address(app, client, bearer, make_user):
    secretary = bearer("kantaya_secretary", "33.14")
    made = client.post(
        "/api/v1/kantaya/events",
        json={
            "unit_code": "33.14",
            "title": "Musrenbang",
            "starts_at": START.isoformat(),
            "ends_at": (START + timedelta(hours=3)).isoformat(),
        },
        headers=secretary,
    )
    assert made.status_code == 201, made.get_json()
    naive = client.post(
        "/api/v1/kantaya/events",
        json={
            "unit_code": "33.14",
            "title": "x",
            "starts_at": "2026-12-10T09:00:00",
            "ends_at": "2026-12-10T10:00:00",
        },
        headers=secretary,
    )
    assert naive.status_code == 422
    feed = client.post("/api/v1/kantaya/calendar-feed", headers=secretary)
    assert feed.status_code == 201 and feed.get_json()["url"].endswith(".ics")
    assert client.delete("/api/v1/kantaya/calendar-feed", headers=secretary).status_code == 204

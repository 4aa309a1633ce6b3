"""Forum: threads per unit, replies, mentions that notify, moderation, one search function."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.messaging.models import InboxEntry
from pamong_plugins.kantaya import services

pytestmark = pytest.mark.pamong_plugins("kantaya")

KALIJAMBE = "33.14.01"
PLUPUH = "33.14.02"


def tx(app):
    return app.extensions["pamong"].db.transaction()


def test_threads_mentions_moderation_and_search(app, actor_at, make_user):
    writer = actor_at("kantaya_reporter", KALIJAMBE)
    neighbour = actor_at("kantaya_reporter", PLUPUH)
    mentioned = make_user("kantaya_head", KALIJAMBE, username="camat.kalijambe")
    moderator = actor_at("kantaya_moderator", "33.14")
    with app.app_context(), tx(app) as session:
        local = services.open_thread(
            session,
            writer,
            unit_code=KALIJAMBE,
            topic="Pelayanan",
            title="Antrean KTP panjang",
            body="Mohon arahan @camat.kalijambe soal blangko.",
        )
        regency = services.open_thread(
            session,
            writer,
            unit_code="33.14",
            topic="umum",
            title="Jaringan internet",
            body="Koneksi di kecamatan sering putus.",
        )
        local_id, regency_id = local.id, regency.id
        with pytest.raises(Forbidden):  # another kecamatan's forum
            services.open_thread(session, writer, unit_code=PLUPUH, topic="x", title="x", body="x")
        inbox = session.scalar(
            select(func.count()).select_from(InboxEntry).where(InboxEntry.user_id == mentioned.id)
        )
        assert inbox == 1
    with app.app_context(), tx(app) as session:
        # The neighbour reads the regency's forum, not Kalijambe's.
        assert [t.id for t in session.scalars(services.threads_query(neighbour))] == [regency_id]
        with pytest.raises(NotFound):
            services.get_thread(session, neighbour, local_id)
        services.reply(session, neighbour, regency_id, "Di Plupuh juga, sejak Senin.")
        found = services.search(session, neighbour, "KONEKSI kecamatan")
        assert [p.thread_id for p in found] == [regency_id]
        assert services.search(session, neighbour, "blangko") == []  # not readable
        assert [p.thread_id for p in services.search(session, writer, "blangko")] == [local_id]
        with pytest.raises(InvalidInput):
            services.search(session, writer, "!")
        with pytest.raises(Forbidden):
            services.moderate_thread(session, writer, regency_id, locked=True)
        services.moderate_thread(session, moderator, regency_id, locked=True)
    with app.app_context(), tx(app) as session:
        with pytest.raises(Conflict):
            services.reply(session, writer, regency_id, "Masih?")
        services.moderate_thread(session, moderator, regency_id, hidden=True)
    with app.app_context(), tx(app) as session:
        with pytest.raises(NotFound):
            services.get_thread(session, writer, regency_id)
        assert services.search(session, writer, "koneksi") == []
        assert services.get_thread(session, moderator, regency_id).hidden


def test_the_forum_over_the_api_and_the_page(client, bearer, login_as):
    writer = bearer("kantaya_reporter", KALIJAMBE)
    made = client.post(
        "/api/v1/kantaya/forum/threads",
        json={"unit_code": KALIJAMBE, "title": "Jadwal posyandu", "body": "Posyandu balita"},
        headers=writer,
    )
    assert made.status_code == 201, made.get_json()
    tid = made.get_json()["id"]
    assert (
        client.post(
            f"/api/v1/kantaya/forum/threads/{tid}/posts", json={"body": "Setuju"}, headers=writer
        ).status_code
        == 201
    )
    found = client.get(
        "/api/v1/kantaya/forum/search", query_string={"q": "posyandu"}, headers=writer
    ).get_json()
    assert {p["thread_id"] for p in found} == {tid}
    login_as("kantaya_reporter", KALIJAMBE)
    page = client.get("/kantaya/forum?q=posyandu").get_data(as_text=True)
    assert "Jadwal posyandu" in page

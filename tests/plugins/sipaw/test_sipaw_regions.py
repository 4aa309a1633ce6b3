"""Between regions: pulling peers' feeds (down, slow, malformed, lying), comparison, the board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sipaw_testing import BUNDER, GEMOLONG, REGENCY

pytestmark = pytest.mark.pamong_plugins("sipaw")
PEER = {
    "code": "klaten",
    "name": "Kabupaten Klaten",
    "url": "https://klaten.example",
    "region_code": "33.10",
}


@pytest.fixture
def history(markets, enter, publish, days):
    for day in days:
        enter(BUNDER, day, [("beras_medium_1", 12500), ("cabai_rawit_merah", 50000)])
        enter(GEMOLONG, day, [("beras_medium_1", 12700), ("cabai_rawit_merah", 52000)])
        publish(day)
    return days


def _feed(days, price=13000, **extra):
    return {
        "schema": "pamong-sipaw-summary",
        "schema_version": "1.0",
        "rows": [{"date": str(d), "commodity_id": "beras_medium_1", "price": price} for d in days],
        **extra,
    }


def pull(app, db, fetch, today, peer=PEER):
    from pamong_plugins.sipaw import peers

    with app.app_context(), db.transaction() as session:
        return peers.pull_peer(session, peer, today, fetch=fetch, sleep=lambda s: None)


def test_a_peer_feed_is_stored_and_compared(app, db, history, today):
    from pamong_plugins.sipaw import peers

    result = pull(app, db, lambda url, t, etag="": _feed(history), today)
    assert result.stored == 3 and not result.error
    with app.app_context(), db.transaction() as session:
        peers.register_peer(session, **PEER)
        regions, spread = peers.compare(session, "beras_medium_1", today)
    assert [(r.code, r.price) for r in regions] == [("33.14", 12600), ("klaten", 13000)]
    assert spread == pytest.approx(1.56, abs=0.01)


def test_a_peer_that_is_down_is_retried_then_marked(app, db, history, today):
    from pamong_plugins.sipaw import peers
    from pamong_plugins.sipaw.peers import FeedError

    calls = []

    def down(url, timeout, etag=""):
        calls.append(url)
        raise FeedError("timed out")

    result = pull(app, db, down, today)
    assert len(calls) == 3 and "timed out" in result.error and result.stored == 0
    with app.app_context(), db.transaction() as session:
        status = peers.statuses(session)["klaten"]
        assert status.last_error and peers.is_stale(status, today)


@pytest.mark.parametrize(
    "feed",
    [
        "not json at all",
        {"schema": "something-else", "rows": []},
        {"schema": "pamong-sipaw-summary", "schema_version": "2.0", "rows": []},
        {"schema": "pamong-sipaw-summary", "schema_version": "1.0", "rows": "many"},
    ],
)
def test_a_malformed_feed_leaves_a_gap_and_an_error(app, db, history, today, feed):
    result = pull(app, db, lambda url, t, etag="": feed, today)
    assert result.stored == 0 and result.error


def test_a_lying_feed_has_its_absurd_rows_refused(app, db, history, today):
    feed = _feed(history)
    feed["rows"] += [
        {"date": str(history[0]), "commodity_id": "cabai_rawit_merah", "price": 5_000_000},
        {"date": str(history[1]), "commodity_id": "cabai_rawit_merah", "price": -4},
        {"date": str(history[1]), "commodity_id": "unobtainium", "price": 1000},
        {"date": str(today + timedelta(days=9)), "commodity_id": "beras_medium_1", "price": 13000},
        {"date": "yesterday", "commodity_id": "beras_medium_1", "price": 13000},
    ]
    result = pull(app, db, lambda url, t, etag="": feed, today)
    assert result.stored == 3 and result.rejected == 3


def test_an_old_feed_is_marked_stale(app, db, history, today):
    from pamong_plugins.sipaw import peers

    old = [d - timedelta(days=30) for d in history]
    pull(app, db, lambda url, t, etag="": _feed(old), today)
    with app.app_context(), db.transaction() as session:
        assert peers.is_stale(peers.statuses(session)["klaten"], today)


def test_the_demo_peers_are_served_in_process(app, db, history, today):
    from pamong_plugins.sipaw import peers

    with app.app_context(), db.transaction() as session:
        for code, (name, region, _level, _phase) in peers.DEMO_PEERS.items():
            peers.register_peer(
                session, code=code, name=name, url=f"demo:{code}", region_code=region
            )
        results = [peers.pull_peer(session, p, today) for p in peers.configured_peers(session)]
        assert all(r.stored > 0 and not r.error for r in results)
        regions, spread = peers.compare(session, "cabai_rawit_merah", today)
        assert len(regions) == 3 and spread is not None
        yearly = peers.yearly_cv(session, history[-1].year)
        assert set(yearly) == {"33.14", "klaten", "boyolali"}


def test_the_compare_page_shows_regions_and_disparity(client, app, db, history, today):
    pull(app, db, lambda url, t, etag="": _feed(history), today)
    from pamong_plugins.sipaw import peers

    with app.app_context(), db.transaction() as session:
        peers.register_peer(session, **PEER)
    page = client.get("/sipaw/compare?commodity=beras_medium_1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kabupaten Klaten" in html and "<svg" in html and "Permendag 5/2024" in html


def test_the_cli_pulls_peers_and_reports_failures(app, db, history):
    from pamong_plugins.sipaw import peers

    with app.app_context(), db.transaction() as session:
        peers.register_peer(session, code="nowhere", name="Nowhere", url="demo:nowhere")
        peers.register_peer(
            session, code="klaten", name="Kabupaten Klaten", url="demo:klaten", region_code="33.10"
        )
    from click.testing import CliRunner

    from pamong.cli import main

    runner = CliRunner(env={"PAMONG_DATABASE_URL": app.extensions["pamong"].settings.database_url})
    result = runner.invoke(main, ["--instance", app.instance_path, "sipaw", "pull-peers"])
    assert result.exit_code == 0 and "nowhere: 0 rows" in result.output
    assert "klaten: " in result.output and "1 board posts" in result.output  # the same run


# -- the trade board -------------------------------------------------------------------------


def _post(**over):
    body = {
        "kind": "offer",
        "commodity_code": "cabai_merah_keriting",
        "quantity_kg": 1000,
        "price": 45000,
        "place": "Pasar Bunder",
        "period_from": "2026-01-01",
        "period_until": "2099-01-31",
        "organisation": "Koperasi Pedagang Pasar Bunder",
        "contact": "0812-0000-1111",
    }
    return body | over


def test_a_traders_offer_is_moderated_and_matched_with_another_regions_request(
    client, app, db, bearer, markets, today
):
    from pamong_plugins.sipaw import board

    trader = bearer("sipaw_trader", "33.14")
    created = client.post("/api/v1/sipaw/board/posts", json=_post(), headers=trader)
    assert created.status_code == 201 and created.json["status"] == "pending"
    assert client.get("/api/v1/sipaw/open-data/board").json["posts"] == []
    admin = bearer("sipaw_admin", REGENCY)
    moderated = client.post(
        f"/api/v1/sipaw/board/posts/{created.json['id']}/moderation",
        json={"status": "approved"},
        headers=admin,
    )
    assert moderated.status_code == 200
    shared = client.get("/api/v1/sipaw/open-data/board").json["posts"]
    assert len(shared) == 1 and "contact" not in shared[0]
    requests = [p for p in board.demo_peer_posts(today) if p["kind"] == "request"]
    found = board.matches(shared, requests)
    assert [(m.offer["region_code"], m.request["region_code"], m.quantity_kg) for m in found] == [
        ("33.14", "33.10", 800)
    ]
    assert board.matches(shared, [dict(requests[0], price=40000)]) == []  # offer dearer than asked


def test_contacts_are_for_verified_traders_only(client, app, db, bearer, login_as, markets):
    trader = bearer("sipaw_trader", "33.14")
    made = client.post("/api/v1/sipaw/board/posts", json=_post(), headers=trader).json
    client.post(
        f"/api/v1/sipaw/board/posts/{made['id']}/moderation",
        json={"status": "approved"},
        headers=bearer("sipaw_admin", REGENCY),
    )
    public = client.get("/sipaw/board").get_data(as_text=True)
    assert "Koperasi Pedagang Pasar Bunder" in public and "0812-0000-1111" not in public
    login_as("sipaw_trader", "33.14")
    assert "0812-0000-1111" in client.get("/sipaw/board").get_data(as_text=True)


def test_bad_posts_are_refused(client, bearer, markets):
    trader = bearer("sipaw_trader", "33.14")
    for bad in (
        _post(quantity_kg=0),
        _post(period_until="2025-01-01"),
        _post(kind="gift"),
        _post(commodity_code="unobtainium"),
    ):
        answer = client.post("/api/v1/sipaw/board/posts", json=bad, headers=trader)
        assert answer.status_code in (404, 422), bad
    enumerator = bearer("sipaw_enumerator", BUNDER)
    assert (
        client.post("/api/v1/sipaw/board/posts", json=_post(), headers=enumerator).status_code
        == 403
    )

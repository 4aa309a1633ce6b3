"""Self-registered traders (phone code, verification) and the trade board across the federation."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sipaw_testing import REGENCY

pytestmark = pytest.mark.pamong_plugins("sipaw")
API = "/api/v1/sipaw"
PHONE = "0813-2900-5678"
PEER = {
    "code": "klaten",
    "name": "Kabupaten Klaten",
    "url": "https://klaten.example",
    "region_code": "33.10",
}


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def last_code(db, phone: str = "081329005678") -> str:
    from sqlalchemy import select

    from pamong.messaging.models import Delivery

    with db.transaction() as session:
        body = session.scalars(
            select(Delivery.body).where(Delivery.address == phone).order_by(Delivery.id.desc())
        ).first()
    return re.search(r"\b(\d{6})\b", body).group(1)


def _register(client):
    body = {"name": "BUMDes Gemolong Sejahtera", "kind": "bumdes", "phone": PHONE}
    return client.post(f"{API}/traders", json=body)


def test_a_trader_registers_confirms_its_phone_and_is_verified(client, app, db, bearer, markets):
    made = _register(client)
    assert made.status_code == 201 and made.json == {"status": "unconfirmed"}
    assert "phone" not in made.json  # the answer carries no personal data
    assert _register(client).status_code == 422  # the phone is taken
    wrong = client.post(f"{API}/traders/confirmation", json={"phone": PHONE, "code": "000000"})
    assert wrong.status_code == 422 and wrong.json["type"].endswith("invalid-code")
    admin = bearer("sipaw_admin", REGENCY)
    # Not confirmed: the trade office cannot verify it yet, nor does it wait in the queue.
    assert client.get(f"{API}/traders", headers=admin).json == []
    code = last_code(db)
    confirmed = client.post(f"{API}/traders/confirmation", json={"phone": PHONE, "code": code})
    assert confirmed.json == {"status": "pending"}
    again = client.post(f"{API}/traders/confirmation", json={"phone": PHONE, "code": code})
    assert again.status_code == 422  # a code works once
    waiting = client.get(f"{API}/traders", headers=admin).json
    assert [(t["name"], t["phone"]) for t in waiting] == [
        ("BUMDes Gemolong Sejahtera", "081329005678")
    ]
    trader_id = waiting[0]["id"]
    decided = client.post(
        f"{API}/traders/{trader_id}/decision", json={"status": "verified"}, headers=admin
    )
    assert decided.json["status"] == "verified"
    assert "terverifikasi" in last_code_body(db) or "verified" in last_code_body(db)
    enumerator = bearer("sipaw_enumerator", REGENCY)
    refused = client.post(
        f"{API}/traders/{trader_id}/decision", json={"status": "rejected"}, headers=enumerator
    )
    assert refused.status_code == 403


def last_code_body(db) -> str:
    from sqlalchemy import select

    from pamong.messaging.models import Delivery

    with db.transaction() as session:
        return session.scalars(select(Delivery.body).order_by(Delivery.id.desc())).first()


def test_a_sign_in_code_is_sent_at_most_once_a_minute(app, db, client, markets):
    from sqlalchemy import func, select

    from pamong.messaging.models import Delivery
    from pamong_plugins.sipaw import traders

    _register(client)
    with app.app_context(), db.transaction() as session:
        for _ in range(3):
            traders.request_code(session, PHONE)
        traders.request_code(session, "0899-0000-0000")  # not registered: nothing, same answer
        sent = session.scalar(select(func.count()).select_from(Delivery))
    assert sent == 1  # the registration's code only


def test_five_wrong_codes_void_the_code(client, db, markets):
    _register(client)
    code = last_code(db)
    for _ in range(5):
        client.post(f"{API}/traders/confirmation", json={"phone": PHONE, "code": "999999x"})
    late = client.post(f"{API}/traders/confirmation", json={"phone": PHONE, "code": code})
    assert late.status_code == 422


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "UD X", "kind": "pabrik", "phone": PHONE},
        {"name": "UD X", "kind": "trader", "phone": "12345678"},
        {"name": "UD X", "kind": "trader", "phone": "0812abcdefgh"},
        {"name": "UD X", "kind": "trader", "phone": PHONE, "region_code": "Sragen"},
        {"name": "", "kind": "trader", "phone": PHONE},
    ],
)
def test_bad_registrations_are_refused(client, markets, bad):
    answer = client.post(f"{API}/traders", json=bad)
    assert answer.status_code == 422
    assert answer.headers["Content-Type"].startswith("application/problem+json")


def _verified_trader_signed_in(client, app, db, login_as):
    """Register and confirm through the pages; the trade office verifies on its page."""
    page = client.get("/sipaw/traders/register")
    form = {
        "csrf_token": csrf(page),
        "name": "BUMDes Gemolong Sejahtera",
        "kind": "bumdes",
        "phone": PHONE,
        "place": "Gemolong",
    }
    assert client.post("/sipaw/traders/register", data=form).status_code == 302
    page = client.get("/sipaw/traders/sign-in")
    confirm = {"csrf_token": csrf(page), "what": "code", "code": last_code(db)}
    assert client.post("/sipaw/traders/sign-in", data=confirm).status_code == 302
    board = client.get("/sipaw/board").get_data(as_text=True)
    assert "BUMDes Gemolong Sejahtera" in board and 'name="quantity_kg"' not in board
    # Confirmed but not verified: it may not post yet.
    blocked = client.post("/sipaw/board/posts", data={"csrf_token": csrf(page)})
    assert blocked.status_code in (403, 422)
    cookie = client.get_cookie("session")
    login_as("sipaw_admin", REGENCY)
    manage = client.get("/sipaw/manage")
    html = manage.get_data(as_text=True)
    assert "081329005678" in html
    trader_id = re.search(r'name="trader" value="(\d+)"', html).group(1)
    decide = {"csrf_token": csrf(manage), "what": "trader", "trader": trader_id}
    assert client.post("/sipaw/manage", data={**decide, "status": "verified"}).status_code == 302
    client.set_cookie("session", cookie.value)


def test_a_verified_trader_posts_and_sees_contacts(client, app, db, login_as, markets, today):
    from sqlalchemy import func, select

    from pamong.audit.models import AuditEntry

    _verified_trader_signed_in(client, app, db, login_as)
    page = client.get("/sipaw/board")
    post = {
        "csrf_token": csrf(page),
        "kind": "request",
        "commodity_code": "beras_medium_1",
        "quantity_kg": "3.000",
        "price": "13.000",
        "place": "Pasar Gemolong",
        "period_from": str(today),
        "period_until": str(today + timedelta(days=30)),
    }
    assert client.post("/sipaw/board/posts", data=post).status_code == 302
    with db.transaction() as session:
        from pamong_plugins.sipaw.models import SipawTradePost

        made = session.scalars(select(SipawTradePost)).one()
        assert made.trader_id and made.organisation == "BUMDes Gemolong Sejahtera"
        assert made.contact == "081329005678" and made.status == "pending"
        made.status = "approved"
    html = client.get("/sipaw/board").get_data(as_text=True)
    assert "081329005678" in html  # the contact, for a verified trader
    with db.transaction() as session:
        reads = session.scalar(
            select(func.count()).where(AuditEntry.action == "personal_data.read")
        )
    assert reads
    feed = client.get(f"{API}/open-data/board").json
    assert feed["posts"][0]["link"].endswith(f"/sipaw/board#post-{made.id}")
    assert "081329005678" not in json.dumps(feed)
    client.post("/sipaw/traders/sign-out", data={"csrf_token": csrf(page)})
    assert "081329005678" not in client.get("/sipaw/board").get_data(as_text=True)


def test_the_admin_edits_a_commodity_on_its_page(client, login_as, markets):
    login_as("sipaw_admin", REGENCY)
    page = client.get("/sipaw/manage")
    form = {
        "csrf_token": csrf(page),
        "what": "commodity",
        "code": "gula_aren",
        "name": "Gula aren",
        "category": "Gula",
        "unit": "kg",
        "active": "1",
    }
    assert client.post("/sipaw/manage", data=form).status_code == 302
    assert "gula_aren" in client.get("/sipaw/manage").get_data(as_text=True)
    bad = client.post("/sipaw/manage", data={**form, "unit": "ons"})
    assert bad.status_code in (302, 422)
    assert client.get(f"{API}/commodities").json[-1]["unit"] == "kg"


# -- the board feed between peers -------------------------------------------------------------


def test_the_board_feed_has_an_etag_and_answers_304(client, markets):
    first = client.get(f"{API}/open-data/board")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(f"{API}/open-data/board", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def _board_feed(today, **over):
    post = {
        "id": "7",
        "kind": "request",
        "commodity_id": "cabai_merah_keriting",
        "quantity_kg": 800,
        "price": 48_000,
        "place": "Pasar Induk Klaten",
        "region_code": "99.99",
        "period_from": str(today),
        "period_until": str(today + timedelta(days=10)),
        "organisation": "Koperasi Pedagang Pasar Klaten",
        "contact": "0812-9999-0000",
        "link": "https://klaten.example/sipaw/board#post-7",
    }
    return {"schema": "pamong-sipaw-board", "schema_version": "1.0", "posts": [post | over]}


def _summary(today):
    return {
        "schema": "pamong-sipaw-summary",
        "schema_version": "1.0",
        "rows": [{"date": str(today), "commodity_id": "beras_medium_1", "price": 13000}],
    }


def test_a_peers_board_is_pulled_checked_and_matched(app, db, markets, today):
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import board, peers

    good = _board_feed(today)
    good["posts"] += [
        {"kind": "request", "price": "lots"},  # malformed
        _board_feed(today, id="8", price=-5)["posts"][0],
        _board_feed(today, id="9", period_until=str(today - timedelta(days=1)))["posts"][0],
        "not a post",
    ]
    seen = []

    def fetch(url, timeout, etag=""):
        seen.append((url.split("?")[0].rsplit("/", 1)[-1], etag))
        if url.endswith("/board"):
            if etag == '"b1"':
                return peers.Answer(etag=etag, not_modified=True)
            return peers.Answer(good, '"b1"')
        return _summary(today)

    with app.app_context(), db.transaction() as session:
        peers.register_peer(session, **PEER)
        peers.pull_peer(session, PEER, today, fetch=fetch, sleep=lambda s: None)
        status = peers.statuses(session)["klaten"]
        posts = peers.peer_posts(session)
        assert [p["id"] for p in posts] == ["klaten:7"] and "4" in status.board_error
        assert "contact" not in posts[0] and posts[0]["region_code"] == "33.10"
        offer = board.add_post(
            session,
            Actor.system("test"),
            kind="offer",
            commodity_code="cabai_merah_keriting",
            quantity_kg=1000,
            price=45_000,
            place="Pasar Bunder",
            period_from=today,
            period_until=today + timedelta(days=14),
            organisation="Koperasi Pedagang Pasar Bunder",
            contact="0812",
        )
        board.moderate(session, Actor.system("test"), offer.id, "approved")
        # The second pull sends the ETag; the peer's 304 keeps the board.
        peers.pull_peer(session, PEER, today, fetch=fetch, sleep=lambda s: None)
        assert ("board", '"b1"') in seen
        assert [p["id"] for p in peers.peer_posts(session)] == ["klaten:7"]
        found = board.matches(
            [board.public_post(p) for p in board.posts(session, today=today)],
            peers.peer_posts(session),
        )
    assert len(found) == 1 and found[0].request["peer_name"] == "Kabupaten Klaten"


def test_a_malformed_board_keeps_the_last_good_one(app, db, markets, today):
    from pamong_plugins.sipaw import peers

    feeds = iter([_board_feed(today), {"schema": "something-else"}])

    def fetch(url, timeout, etag=""):
        return next(feeds) if url.endswith("/board") else _summary(today)

    with app.app_context(), db.transaction() as session:
        peers.pull_peer(session, PEER, today, fetch=fetch, sleep=lambda s: None)
        peers.pull_peer(session, PEER, today, fetch=fetch, sleep=lambda s: None)
        status = peers.statuses(session)["klaten"]
        assert status.board_error and len(peers.peer_posts(session)) == 1


def test_http_fetch_sends_the_etag_and_refuses_a_huge_feed(monkeypatch):
    import http.server
    import threading

    from pamong_plugins.sipaw import peers

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/board":
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.end_headers()
                    return
                body = b'{"schema": "pamong-sipaw-board", "posts": []}'
                self.send_response(200)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.end_headers()  # no Content-Length: the reader must stop by itself
            self.wfile.write(b'{"schema": "' + b"x" * 5000 + b'"}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        first = peers.http_fetch(f"{base}/board", 5)
        assert first.etag == '"v1"' and first.body["posts"] == []
        assert peers.http_fetch(f"{base}/board", 5, first.etag).not_modified
        monkeypatch.setattr(peers, "MAX_FEED_BYTES", 1000)
        with pytest.raises(peers.FeedError, match="too large"):
            peers.http_fetch(f"{base}/big", 5)
    finally:
        server.shutdown()
        server.server_close()


def test_the_demo_board_shows_a_cross_region_match(client, app, db, markets, today):
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import board, peers

    with app.app_context(), db.transaction() as session:
        for code, (name, region, _level, _phase) in peers.DEMO_PEERS.items():
            peers.register_peer(
                session, code=code, name=name, url=f"demo:{code}", region_code=region
            )
        for peer in peers.configured_peers(session):
            peers.pull_peer(session, peer, today)
        offer = board.add_post(
            session,
            Actor.system("test"),
            kind="offer",
            commodity_code="cabai_merah_keriting",
            quantity_kg=1200,
            price=45_000,
            place="Pasar Bunder",
            period_from=today,
            period_until=today + timedelta(days=14),
            organisation="Koperasi Pedagang Pasar Bunder",
            contact="0812",
        )
        board.moderate(session, Actor.system("test"), offer.id, "approved")
    html = client.get("/sipaw/board", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Koperasi Pedagang Pasar Klaten" in html and "Kabupaten Klaten" in html
    assert "0812" not in html  # not a verified trader: no contacts

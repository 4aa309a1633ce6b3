"""The public tracker's short paths keep every guarantee of the long ones.

Public routes are counted with one increment of Flask-Limiter's own key in
its own store (``pamong.ratelimit``), the API's language is matched once per
``Accept-Language`` value, an empty session is neither parsed nor saved, and
the tracker's JSON comes from one prebuilt encoder: each test below holds a
short path to what the long one answered.
"""

from __future__ import annotations

import pytest
from flask import jsonify

from pamong.accounts.permissions import Actor
from pamong.core_hooks import POPULATION_SERVICE
from pamong.orgunits.services import get_unit
from pamong.ratelimit import _RouteLimiter
from pamong.tracking.services import open_item

UNKNOWN = "/api/v1/track/DUK-2026-000001"
LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After")


@pytest.fixture
def limited(enable_plugins):
    """An app allowing 3 public requests a minute per address."""
    return enable_plugins(public_rate_limit="3/minute")


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def long_path(monkeypatch):
    """Make every public route take Flask-Limiter's own path instead of the short one."""

    def flask_limiter_only(self, callable_name: str) -> bool:
        return False

    monkeypatch.setattr(_RouteLimiter, "count_public", flask_limiter_only)


def answers(client, n: int) -> list:
    return [client.get(UNKNOWN) for _ in range(n)]


def test_the_short_path_refuses_the_request_past_the_limit_with_a_problem(limited, monkeypatch):
    evaluated: list[str] = []
    real = _RouteLimiter._Limiter__evaluate_limits  # type: ignore[attr-defined]

    def spy(self, endpoint, limits):
        evaluated.append(endpoint)
        return real(self, endpoint, limits)

    monkeypatch.setattr(_RouteLimiter, "_Limiter__evaluate_limits", spy)
    got = answers(client_at(limited, "192.0.2.1"), 4)
    assert evaluated == []  # Flask-Limiter's evaluation was never asked
    assert [a.status_code for a in got] == [404, 404, 404, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in got] == ["2", "1", "0", "0"]
    refused = got[3]
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert int(refused.headers["X-RateLimit-Reset"]) >= int(got[0].headers["X-RateLimit-Reset"])
    assert refused.headers["X-Request-ID"]  # the other headers still come
    assert refused.headers["X-Content-Type-Options"] == "nosniff"


def test_the_short_path_answers_what_flask_limiter_answers(limited, monkeypatch):
    short = answers(client_at(limited, "192.0.2.1"), 4)
    monkeypatch.setattr(_RouteLimiter, "count_public", lambda self, name: False)
    long = answers(client_at(limited, "192.0.2.2"), 4)
    for ours, theirs in zip(short, long, strict=True):
        assert ours.status_code == theirs.status_code
        assert ours.get_json() == theirs.get_json()
        assert [k for k, _v in ours.headers if k != "X-Request-ID"] == [
            k for k, _v in theirs.headers if k != "X-Request-ID"
        ]
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "Content-Type", "Vary"):
            assert ours.headers.get(name) == theirs.headers.get(name), name


def test_both_paths_count_the_same_key_in_the_same_store(limited, monkeypatch):
    client = client_at(limited, "192.0.2.3")
    assert [a.status_code for a in answers(client, 2)] == [404, 404]  # the short path
    monkeypatch.setattr(_RouteLimiter, "count_public", lambda self, name: False)
    assert [a.status_code for a in answers(client, 2)] == [404, 429]  # Flask-Limiter's


def test_a_store_that_fails_falls_back_to_flask_limiters_path(limited, monkeypatch):
    from pamong.ratelimit import limiter

    def broken(*_args, **_kwargs):
        raise ConnectionError("the store went away")

    monkeypatch.setattr(limiter, "_storage_dead", False)  # restored so after the test
    monkeypatch.setattr(limiter._storage, "incr", broken)
    monkeypatch.setattr(limiter._storage, "check", lambda: False)
    got = answers(client_at(limited, "192.0.2.4"), 4)
    # Flask-Limiter counts in memory meanwhile: the limit still holds.
    assert [a.status_code for a in got] == [404, 404, 404, 429]
    assert limiter._storage_dead


def test_staff_pages_carry_no_limit_headers(limited):
    response = client_at(limited, "192.0.2.5").get("/login")
    assert not [name for name in LIMIT_HEADERS if name in response.headers]


def test_the_api_answers_in_each_requests_language(app, client):
    english = client.get(UNKNOWN, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    indonesian = client.get(UNKNOWN, headers={"Accept-Language": "id,en;q=0.5"}).get_json()
    again = client.get(UNKNOWN, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    default = client.get(UNKNOWN, headers={"Accept-Language": "fr"}).get_json()
    assert english == again and english["title"] == "Not found"
    assert indonesian["title"] != english["title"]
    assert default == client.get(UNKNOWN).get_json()  # the instance's default language


def test_languages_are_matched_once_per_header_value_in_a_bounded_cache():
    from pamong.appbase import _best_language

    assert _best_language("en-US,en;q=0.8") == "en"
    assert _best_language("id-ID") == "id"
    assert _best_language("fr") is None and _best_language(None) is None
    assert _best_language.cache_info().maxsize is not None


def test_a_public_answer_without_a_session_sets_no_cookie(client):
    response = client.get(UNKNOWN)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"  # still told: pages do depend on it


def test_the_tracker_json_is_byte_for_byte_jsonifys(app, client):
    number = open_file(app)
    response = client.get(f"/api/v1/track/{number}")
    with app.test_request_context():
        expected = jsonify(response.get_json())
    assert response.get_data() == expected.get_data()
    assert response.headers["Content-Type"] == expected.headers["Content-Type"]


def test_flask_limiters_own_hooks_are_still_installed(app):
    from pamong.ratelimit import _count_headers

    after = app.after_request_funcs[None]
    assert _count_headers in after
    assert [f for f in after if getattr(f, "__wrapped__", None) is not None]


def test_the_tracker_keeps_one_connection_per_thread_and_sees_every_commit(app, client):
    """SQLite: the hot connection is reused, holds no transaction, reads what was committed."""
    db = app.extensions["pamong"].db
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's hot connection is the pool's")
    number = open_file(app)
    assert client.get(f"/api/v1/track/{number}").status_code == 200
    kept = db._kept.conn
    raw = kept.connection.dbapi_connection
    assert not raw.in_transaction  # nothing held open between requests
    move_on(app, number)
    body = client.get(f"/api/v1/track/{number}").get_json()
    assert db._kept.conn is kept  # the same connection ...
    assert len(body["history"]) == 2  # ... and it sees the step committed since
    assert not raw.in_transaction


def test_a_database_error_drops_the_kept_connection(app):
    import sqlite3

    db = app.extensions["pamong"].db
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's hot connection is the pool's")
    with db.hot_connection() as conn:
        first = conn
    with pytest.raises(sqlite3.OperationalError), db.hot_connection() as conn:
        conn.connection.dbapi_connection.execute("SELECT * FROM no_such_table")
    assert first.closed
    with db.hot_connection() as conn:
        assert conn is not first and not conn.closed
    db.dispose()
    assert conn.closed  # dispose closes this thread's kept connection


def open_file(app) -> str:
    with app.extensions["pamong"].db.transaction() as session:
        unit = get_unit(session, "33.14.01")
        return open_item(session, Actor.system("test"), POPULATION_SERVICE, unit).number


def move_on(app, number: str) -> None:
    from pamong.tracking.models import TrackedItem
    from pamong.tracking.services import move_to

    with app.extensions["pamong"].db.transaction() as session:
        item = session.query(TrackedItem).filter_by(number=number).one()
        move_to(session, Actor.system("test"), item, POPULATION_SERVICE, "verification")


def test_request_ids_are_random_uuid4_hex(client):
    import uuid

    ids = {client.get(UNKNOWN).headers["X-Request-ID"] for _ in range(20)}
    assert len(ids) == 20
    assert all(uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).hex == i for i in ids)

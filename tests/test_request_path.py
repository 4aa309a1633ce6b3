"""The request path stays lean: fixed query counts (N+1 guards), one token query,
no commit on reads, and SQLite reads that do not queue behind a writer."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from pamong.accounts.permissions import Actor
from pamong.audit.models import AuditEntry
from pamong.audit.services import PERSONAL_READ
from pamong.core_hooks import POPULATION_SERVICE
from pamong.orgunits.services import get_unit
from pamong.plugin.testing import count_queries
from pamong.tracking.services import move_to, open_item

SYSTEM = Actor.system("test")


def open_file(app) -> str:
    with app.extensions["pamong"].db.transaction() as session:
        return open_item(session, SYSTEM, POPULATION_SERVICE, get_unit(session, "33.14.01")).number


def advance(app, number: str, steps: int) -> None:
    from pamong.tracking.models import TrackedItem

    codes = [stage.code for stage in POPULATION_SERVICE.stages]
    with app.extensions["pamong"].db.transaction() as session:
        item = session.query(TrackedItem).filter_by(number=number).one()
        for index in range(steps):
            move_to(session, SYSTEM, item, POPULATION_SERVICE, codes[index % len(codes)])


def test_the_tracker_api_answers_with_two_queries_however_long_the_history(app, client):
    number = open_file(app)
    with count_queries(app) as short:
        assert client.get(f"/api/v1/track/{number}").status_code == 200
    advance(app, number, 6)
    with count_queries(app) as long:
        body = client.get(f"/api/v1/track/{number}").get_json()
    assert len(body["history"]) == 7
    assert len(short) == len(long) == 2, long


def test_the_tracker_page_query_count_does_not_grow_with_the_history(app, client):
    number = open_file(app)
    with count_queries(app) as short:
        assert client.get(f"/track/{number}").status_code == 200
    advance(app, number, 6)
    with count_queries(app) as long:
        assert client.get(f"/track/{number}").status_code == 200
    assert len(long) == len(short), long


def commits_during(app, action) -> int:
    engine = app.extensions["pamong"].db.engine
    seen: list[object] = []

    def count(_conn):
        seen.append(_conn)

    event.listen(engine, "commit", count)
    try:
        action()
    finally:
        event.remove(engine, "commit", count)
    return len(seen)


def test_an_api_read_loads_token_user_and_grants_in_one_query_and_commits_once(
    app, client, bearer, make_resident
):
    nik = make_resident().nik
    headers = bearer("admin")
    assert client.get(f"/api/v1/residents/{nik}", headers=headers).status_code == 200  # last_used
    with count_queries(app) as queries:
        commits = commits_during(
            app, lambda: client.get(f"/api/v1/residents/{nik}", headers=headers)
        )
    token_queries = [q for q in queries if "api_tokens" in q]
    assert len(token_queries) == 1
    assert "role_assignments" in token_queries[0]  # the grants come with the token
    assert not [q for q in queries if "FROM users" in q and "api_tokens" not in q], queries
    assert len([q for q in queries if q.lstrip().upper().startswith("INSERT")]) == 1  # the audit
    assert commits == 1  # the audited read's own transaction, nothing else


def test_an_api_list_without_writes_never_commits(app, client, bearer):
    headers = bearer("admin")
    client.get("/api/v1/orgunits", headers=headers)  # the token's first use is recorded
    assert commits_during(app, lambda: client.get("/api/v1/orgunits", headers=headers)) == 0


def test_the_resident_list_query_count_does_not_grow_with_its_rows(
    app, client, bearer, make_resident
):
    headers = bearer("admin")
    for _ in range(2):
        make_resident()
    client.get("/api/v1/residents?per_page=50", headers=headers)
    with count_queries(app) as few:
        first = client.get("/api/v1/residents?per_page=50", headers=headers).get_json()
    for _ in range(8):
        make_resident(desa="33.14.02.2001")
    with count_queries(app) as many:
        second = client.get("/api/v1/residents?per_page=50", headers=headers).get_json()
    assert (first["total"], second["total"]) == (2, 10)
    # Each personal record shown is audited, all of them in one multi-row INSERT.
    assert len(many) == len(few), "\n".join(q[:120] for q in many)


def selects(queries: list[str]) -> list[str]:
    return [q for q in queries if q.lstrip().upper().startswith("SELECT")]


def test_the_staff_resident_page_query_count_does_not_grow_with_its_rows(
    app, client, login_as, make_resident
):
    login_as("admin")
    make_resident()
    client.get("/residents")
    with count_queries(app) as few:
        assert client.get("/residents").status_code == 200
    for _ in range(6):
        make_resident(desa="33.14.02.2001")
    with count_queries(app) as many:
        assert client.get("/residents").status_code == 200
    assert len(many) == len(few), "\n".join(q[:120] for q in many)
    with app.extensions["pamong"].db.transaction() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == PERSONAL_READ))
        audited = [e for e in reads if e.detail.get("purpose") == "core.resident.search"]
    assert all(entry.subject_nik for entry in audited)
    assert len(audited) == 1 + 1 + 7  # every resident each list showed


def test_a_get_is_answered_while_another_process_holds_the_write_lock(app, client):
    """SQLite: reads begin no write transaction, so they do not wait for writers."""
    db = app.extensions["pamong"].db
    if not db.is_sqlite:
        pytest.skip("PostgreSQL readers never wait for writers")
    number = open_file(app)
    writer = sqlite3.connect(make_url(db.url).database, isolation_level=None)
    try:
        writer.execute("PRAGMA busy_timeout=0")
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE tracked_items SET reference = 'x' WHERE number = ?", (number,))
        response = client.get(f"/api/v1/track/{number}")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200
    assert response.get_json()["number"] == number


def test_a_read_session_that_writes_takes_the_write_lock_first(app):
    """SQLite: the first write of a read session begins BEGIN IMMEDIATE; it commits whole."""
    from pamong.audit.models import AuditEntry

    db = app.extensions["pamong"].db
    with app.test_request_context("/api/v1/track/x", method="GET"):
        from pamong.db import get_session

        session = get_session()
        before = session.query(AuditEntry).count()
        session.add(AuditEntry(actor="test", action="test.one", object_type="t"))
        session.flush()
        if db.is_sqlite:
            raw = session.connection().connection.dbapi_connection
            assert raw.in_transaction  # the write opened the transaction
        session.add(AuditEntry(actor="test", action="test.two", object_type="t"))
        session.rollback()
        assert session.query(AuditEntry).count() == before  # both rolled back together
        session.close()


def test_the_tracker_api_answers_what_its_schema_documents(app, client):
    """The endpoint builds its JSON without the schema: both must agree, field for field."""
    from pamong.tracking.api import PublicStatusSchema
    from pamong.tracking.services import public_status

    number = open_file(app)
    advance(app, number, 2)
    body = client.get(f"/api/v1/track/{number}", headers={"Accept-Language": "en"}).get_json()
    kinds = app.extensions["pamong"].trackable_kinds
    with (
        app.test_request_context(f"/api/v1/track/{number}", headers={"Accept-Language": "en"}),
        app.extensions["pamong"].db.read_connection() as conn,
    ):
        documented = PublicStatusSchema().dump(public_status(conn, number, kinds))
    assert body == documented
    assert len(body["history"]) == 3


def test_in_memory_rate_limits_start_no_thread_per_count():
    """limits' memory store began a timer thread per count; ours sweeps inline."""
    import threading
    import time

    from pamong.ratelimit import SweptMemoryStorage, open_storage

    storage = open_storage("memory://")
    assert isinstance(storage, SweptMemoryStorage)
    threads = threading.active_count()
    for index in range(200):
        storage.incr(f"key/{index}", 1)
        assert threading.active_count() <= threads
    assert storage.get("key/0") == 1
    time.sleep(1.1)
    storage.incr("key/new", 60)  # the sweep comes due: expired counts are dropped
    assert storage.get("key/0") == 0
    assert "key/1" not in storage.storage


def test_the_nik_lookup_answers_what_its_schema_documents_and_audits_the_read(
    app, client, bearer, make_resident
):
    """The lookup builds its JSON from one Core row: it must match ResidentSchema's dump."""
    from pamong.audit.models import AuditEntry
    from pamong.identity.models import Resident
    from pamong.identity.schemas import ResidentSchema

    nik = make_resident().nik
    with count_queries(app) as queries:
        body = client.get(f"/api/v1/residents/{nik}", headers=bearer("admin")).get_json()
    resident_queries = [q for q in queries if "FROM residents" in q]
    assert len(resident_queries) == 1 and "org_units" in resident_queries[0]
    with app.extensions["pamong"].db.transaction() as session:
        resident = session.query(Resident).filter_by(nik=nik).one()
        assert body == ResidentSchema().dump(resident)
        entry = session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert (entry.action, entry.object_type, entry.object_id) == (
            "personal_data.read",
            "resident",
            str(resident.id),
        )
        assert entry.subject_nik == nik and entry.org_unit_id == resident.domicile_unit_id
        assert entry.detail == {"purpose": "core.resident.by_nik"} and entry.actor_id is not None


def test_a_public_route_counts_its_own_limit_and_says_so_in_its_headers(enable_plugins):
    """The limiter's short path (the route's own limits only) counts and answers as before."""
    app = enable_plugins(public_rate_limit="3/minute")
    client = app.test_client()
    answers = [client.get("/api/v1/track/DUK-2026-000001") for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    assert int(answers[3].headers["Retry-After"]) >= 1
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.9"  # another address: its own count
    assert other.get("/api/v1/track/DUK-2026-000001").status_code == 404
    # Staff pages and authenticated API calls carry no public limit.
    assert "X-RateLimit-Limit" not in client.get("/login").headers


def test_a_hot_query_gives_the_rows_conn_execute_gives(app, make_resident):
    """Dates, UTC timestamps, JSON and booleans come back as SQLAlchemy returns them."""
    from sqlalchemy import bindparam, select

    from pamong.db import HotQuery
    from pamong.identity.models import Resident
    from pamong.tracking.models import StatusEvent

    number = open_file(app)
    advance(app, number, 2)
    nik = make_resident().nik
    residents = select(Resident.__table__).where(Resident.nik == bindparam("nik"))
    steps = select(StatusEvent.__table__).order_by(StatusEvent.id)
    db = app.extensions["pamong"].db
    with db.read_connection() as conn:
        with count_queries(app) as queries:
            hot_resident = HotQuery(residents).first(conn, {"nik": nik})
            hot_steps = HotQuery(steps).rows(conn, {})
        assert len(queries) == 2  # the query counters still see them
        resident = conn.execute(residents, {"nik": nik}).one()
        expected_steps = [tuple(row) for row in conn.execute(steps)]
    assert tuple(hot_resident) == tuple(resident)
    assert hot_resident._asdict() == resident._asdict()
    assert [tuple(row) for row in hot_steps] == expected_steps
    assert hot_steps[0].at.tzinfo is not None  # UTCDateTime's processing applies


def test_a_hot_query_refuses_parameters_that_need_bind_processing(app):
    from sqlalchemy import bindparam, select

    from pamong.db import HotQuery
    from pamong.tracking.models import StatusEvent

    since = select(StatusEvent.id).where(StatusEvent.at > bindparam("since"))
    with app.extensions["pamong"].db.read_connection() as conn, pytest.raises(ValueError):
        HotQuery(since).rows(conn, {"since": None})


def test_flask_asks_whether_a_hook_is_a_coroutine_once_per_function(app, client, monkeypatch):
    import flask.app

    asked: list[object] = []
    real = flask.app.iscoroutinefunction

    def counting(func):
        asked.append(func)
        return real(func)

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)
    client.get("/api/v1/track/DUK-2026-000001")
    first = len(asked)
    client.get("/api/v1/track/DUK-2026-000002")
    assert first > 0 and len(asked) == first  # the second request asks nothing

    async def later():  # a coroutine is still handed to Flask's async support, every time
        return "x"

    monkeypatch.setattr(type(app), "async_to_sync", lambda self, func: ("wrapped", func))
    assert app.ensure_sync(later) == app.ensure_sync(later) == ("wrapped", later)

"""Receipt numbers and the public tracker."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.core_hooks import POPULATION_SERVICE
from pamong.errors import InvalidInput
from pamong.orgunits.services import get_unit
from pamong.tracking.services import move_to, open_item

SYSTEM = Actor.system("test")


@pytest.fixture
def open_file(app):
    def make(unit="33.14.01", reference="", when=None):
        with app.extensions["pamong"].db.transaction() as session:
            item = open_item(
                session, SYSTEM, POPULATION_SERVICE, get_unit(session, unit), reference, now=when
            )
            return item.number

    return make


def test_receipt_numbers_count_up_per_kind_and_year(open_file):
    first = open_file(when=datetime(2026, 1, 5, tzinfo=UTC))
    second = open_file(when=datetime(2026, 6, 1, tzinfo=UTC))
    next_year = open_file(when=datetime(2027, 1, 4, tzinfo=UTC))
    assert (first, second, next_year) == ("DUK-2026-000001", "DUK-2026-000002", "DUK-2027-000001")


def test_concurrent_desks_never_share_a_number(app, open_file):
    numbers, errors = [], []

    def desk():
        try:
            for _ in range(25):
                numbers.append(open_file())
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(numbers)) == 50
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 51))


def test_a_file_moves_only_to_stages_of_its_kind(app, open_file):
    number = open_file()
    from pamong.tracking.models import TrackedItem

    with app.extensions["pamong"].db.transaction() as session:
        item = session.query(TrackedItem).filter_by(number=number).one()
        with pytest.raises(InvalidInput):
            move_to(session, SYSTEM, item, POPULATION_SERVICE, "teleported")
        move_to(session, SYSTEM, item, POPULATION_SERVICE, "ready", "Silakan ambil di loket 2")
        assert [e.stage for e in item.history] == ["received", "ready"]


@pytest.mark.pamong_plugins("example")
def test_plugins_hear_every_stage_change(app, open_file):
    from pamong_example.hooks import EVENTS

    number = open_file()
    assert ("status", (number, None, "received")) in EVENTS


def test_the_public_tracker_shows_progress_and_no_personal_data(client, open_file, make_resident):
    resident = make_resident(name="Sri Wahyuni", address="Dukuh Ngrampal RT 02")
    number = open_file(reference=f"resident:{resident.id}")
    body = client.get(f"/api/v1/track/{number}").get_data(as_text=True)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    for text in (body, page):
        assert number in text and "Kalijambe" in text
        assert resident.nik not in text
        assert "Sri Wahyuni" not in text and "Ngrampal" not in text
        assert f"resident:{resident.id}" not in text
    data = client.get(f"/api/v1/track/{number}").json
    assert data["stage"] == "received"
    assert [step["stage"] for step in data["history"]] == ["received"]


def test_the_tracker_page_is_in_indonesian(client, open_file):
    number = open_file()
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert "Diterima" in page and "Layanan administrasi kependudukan" in page


@pytest.mark.parametrize("number", ["DUK-2026-999999", "nonsense", "KTP-20-1"])
def test_an_unknown_number_is_not_found(client, number):
    response = client.get(f"/api/v1/track/{number}")
    assert response.status_code == 404
    assert response.json["type"] == "urn:pamong:problem:receipt-not-found"
    assert client.get(f"/track/{number}").status_code == 404


def test_the_tracker_form_redirects_to_the_file(client, open_file):
    number = open_file()
    response = client.get(f"/track/?number={number.lower()}")
    assert response.headers["Location"] == f"/track/{number}"


def test_public_endpoints_are_rate_limited(enable_plugins):
    app = enable_plugins(public_rate_limit="3/minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/track/DUK-2026-000001").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    limited = client.get("/api/v1/track/DUK-2026-000001")
    assert limited.mimetype == "application/problem+json"
    pages = [client.get("/track/DUK-2026-000001") for _ in range(4)]
    assert pages[-1].status_code == 429
    assert "Terlalu banyak permintaan" in pages[-1].get_data(as_text=True)


@pytest.mark.pamong_plugins("example")
def test_plugins_add_links_under_a_file_on_the_tracker(app, client):
    from pamong_example.hooks import EXAMPLE_FILE
    from sqlalchemy import select

    from pamong.orgunits.services import get_unit
    from pamong.tracking.models import TrackedItem
    from pamong.tracking.services import open_item

    db = app.extensions["pamong"].db
    with db.transaction() as session:
        number = open_item(session, SYSTEM, EXAMPLE_FILE, get_unit(session, "33.14.01")).number
    assert "Rate this service" not in client.get(f"/track/{number}").get_data(as_text=True)
    with db.transaction() as session:
        item = session.scalar(select(TrackedItem).where(TrackedItem.number == number))
        move_to(session, SYSTEM, item, EXAMPLE_FILE, "done", close=True)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert f'href="/example/rate/{number}"' in page and "two questions" in page


def _open_many(app, units, references=None, when=None):
    from pamong.tracking.services import open_items

    with app.extensions["pamong"].db.transaction() as session:
        found = [get_unit(session, code) for code in units]
        return open_items(session, SYSTEM, POPULATION_SERVICE, found, references, now=when)


def test_open_items_numbers_a_batch_after_the_files_opened_one_by_one(app, open_file):
    from pamong.audit.models import AuditEntry
    from pamong.tracking.models import TrackedItem

    when = datetime(2026, 3, 2, tzinfo=UTC)
    first = open_file(when=when)
    opened = _open_many(app, ["33.14.01", "33.14.02", "33.14.01"], ["a:1", "a:2", "a:3"], when)
    assert [o.number for o in opened] == [f"DUK-2026-00000{n}" for n in (2, 3, 4)]
    assert open_file(when=when) == "DUK-2026-000005"
    with app.extensions["pamong"].db.transaction() as session:
        items = {i.number: i for i in session.scalars(select(TrackedItem))}
        assert first in items
        for item_id, number in opened:
            item = items[number]
            assert item.id == item_id and item.stage == "received" and item.opened_at == when
            assert [e.stage for e in item.history] == ["received"]
        assert [items[o.number].reference for o in opened] == ["a:1", "a:2", "a:3"]
        assert items[opened[1].number].org_unit.code == "33.14.02"
        batch = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "tracked_item.open_batch")
        ).all()
        assert sorted(e.detail["count"] for e in batch) == [1, 2]  # one entry per unit


def test_open_items_of_nothing_opens_nothing(app):
    assert _open_many(app, []) == []


@pytest.mark.pamong_plugins("example")
def test_plugins_hear_every_file_of_a_batch(app):
    from pamong_example.hooks import EVENTS

    opened = _open_many(app, ["33.14.01", "33.14.01"])
    for _item_id, number in opened:
        assert ("status", (number, None, "received")) in EVENTS


def test_move_items_moves_a_batch_and_refuses_a_closed_file(app):
    from pamong.tracking.models import TrackedItem
    from pamong.tracking.services import move_items

    opened = _open_many(app, ["33.14.01", "33.14.02"])
    db = app.extensions["pamong"].db
    with db.transaction() as session:
        items = list(session.scalars(select(TrackedItem).order_by(TrackedItem.id)))
        move_items(session, SYSTEM, items, POPULATION_SERVICE, "collected", close=True)
    with db.transaction() as session:
        for _item_id, number in opened:
            item = session.scalar(select(TrackedItem).where(TrackedItem.number == number))
            assert item.stage == "collected" and item.closed_at is not None
            assert [e.stage for e in item.history] == ["received", "collected"]
        with pytest.raises(InvalidInput):
            move_items(session, SYSTEM, items[:1], POPULATION_SERVICE, "received")
        with pytest.raises(InvalidInput):
            move_items(session, SYSTEM, [], POPULATION_SERVICE, "no-such-stage")

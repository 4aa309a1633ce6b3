"""One resident per NIK, also when two desks register the same person at once."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from pamong.identity import services
from pamong.identity.models import Resident

on_postgres = pytest.mark.skipif(
    not os.environ.get("PAMONG_TEST_DATABASE_URL"), reason="needs PAMONG_TEST_DATABASE_URL"
)
BODY = {
    "nik": "3314011208900001",
    "name": "Budi Santoso",
    "birth_place": "Sragen",
    "birth_date": "1990-08-12",
    "sex": "M",
    "domicile_code": "33.14.01.2001",
}


def register_twice_at_once(app, headers):
    def post(_):
        with app.test_client() as client:
            return client.post("/api/v1/residents", json=BODY, headers=headers)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(post, range(2)))


def assert_one_created_one_conflict(responses, db_session):
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.mimetype == "application/problem+json"
    assert conflict.json["type"] == "urn:pamong:problem:nik-exists"
    assert "3314011208900001 sudah terdaftar" in conflict.json["detail"]
    assert db_session.scalar(select(func.count()).select_from(Resident)) == 1


@on_postgres
def test_concurrent_registrations_of_one_nik_on_postgres(app, bearer, db_session, monkeypatch):
    """Both requests pass the "already registered?" check before either inserts."""
    headers = bearer("registrar", "33.14.01")
    barrier = threading.Barrier(2, timeout=10)
    village = services._village

    def village_after_both_arrive(session, code):
        unit = village(session, code)
        barrier.wait()
        return unit

    monkeypatch.setattr(services, "_village", village_after_both_arrive)
    assert_one_created_one_conflict(register_twice_at_once(app, headers), db_session)


def test_concurrent_registrations_of_one_nik(app, bearer, db_session):
    assert_one_created_one_conflict(register_twice_at_once(app, bearer("admin")), db_session)

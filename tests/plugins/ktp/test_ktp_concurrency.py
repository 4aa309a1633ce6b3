"""One card per person also when two desks (or a double click) act at the same moment.

On PostgreSQL a barrier makes both requests pass every check before either
writes, so only the database's unique indexes can stop the second one. On
SQLite transactions are serialised (BEGIN IMMEDIATE): the second request
sees the first one's work and is refused by the checks.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from ktp_testing import KALIJAMBE, KEDEN
from sqlalchemy import func, select

from pamong_plugins.ktp import services
from pamong_plugins.ktp.models import KtpApplication, KtpCard

pytestmark = pytest.mark.pamong_plugins("ktp")
on_postgres = bool(os.environ.get("PAMONG_TEST_DATABASE_URL"))


def twice_at_once(app, method, url, **kwargs):
    def call(_):
        with app.test_client() as client:
            return getattr(client, method)(url, **kwargs)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sorted(r.status_code for r in pool.map(call, range(2)))


def wait_for_both(monkeypatch, name):
    """Make ``services.<name>`` wait until both requests reached it (PostgreSQL only)."""
    if not on_postgres:
        return
    barrier = threading.Barrier(2, timeout=10)
    original = getattr(services, name)

    def waiting(*args, **kwargs):
        result = original(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(services, name, waiting)


def test_two_desks_apply_for_one_resident_at_once(
    app, bearer, make_resident, db_session, monkeypatch
):
    headers = bearer("ktp_officer", KALIJAMBE)
    resident = make_resident(desa=KEDEN)
    wait_for_both(monkeypatch, "fee_in_force")
    body = {"nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "new"}
    statuses = twice_at_once(app, "post", "/api/v1/ktp/applications", json=body, headers=headers)
    assert statuses == [201, 409]
    count = db_session.scalar(select(func.count()).select_from(KtpApplication))
    assert count == 1


def test_a_double_click_on_print_makes_one_card(
    app, bearer, make_resident, officer_at, serve, db_session, monkeypatch
):
    headers = bearer("ktp_officer", KALIJAMBE)
    app_id = serve(officer_at(), make_resident(desa=KEDEN), stop="captured")
    wait_for_both(monkeypatch, "active_card")
    statuses = twice_at_once(
        app, "post", f"/api/v1/ktp/applications/{app_id}/print", headers=headers
    )
    assert statuses == [201, 409]
    assert db_session.scalar(select(func.count()).select_from(KtpCard)) == 1

"""The PDAM REST API: every operation, problem+json for bad input, the public check."""

from __future__ import annotations

import pytest
from pdam_testing import KALIJAMBE, KEDEN, PLUPUH_DESA, REGENCY

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")
API = "/api/v1/pdam"


def _problem(response, status, slug=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    if slug:
        assert response.json["type"].endswith(slug), response.json


def test_connection_reading_bill_run_and_public_check(client, bearer, seeded):
    admin = bearer("pdam_admin", REGENCY)
    made = client.post(
        f"{API}/connections",
        json={
            "holder_name": "Sri Wahyuni",
            "desa_code": KEDEN,
            "group_code": "R2",
            "holder_nik": "3314015708800001",
        },
        headers=admin,
    )
    assert made.status_code == 201, made.json
    number = made.json["number"]
    assert made.json["holder_nik"] == "3314********0001"
    reader = bearer("pdam_reader", KALIJAMBE)
    for period, value in (("2026-08", "100"), ("2026-09", "120"), ("2026-10", "145")):
        answer = client.post(
            f"{API}/readings",
            json={"customer_number": number, "period": period, "value": value},
            headers=reader,
        )
        assert answer.status_code == 201, answer.json
    assert answer.json["consumption"] == 25
    _problem(
        client.post(
            f"{API}/readings",
            json={"customer_number": number, "period": "2026-10", "value": "1x"},
            headers=reader,
        ),
        422,
    )
    _problem(
        client.post(
            f"{API}/readings",
            json={"customer_number": "404", "period": "2026-10", "value": 5},
            headers=reader,
        ),
        404,
    )
    staff = bearer("pdam_billing", REGENCY)
    run = client.post(
        f"{API}/bill-runs", json={"period": "2026-10", "estimate": True}, headers=staff
    )
    assert run.status_code == 200, run.json
    assert run.json["billed"] == 1 and run.json["remaining"] == 0
    again = client.post(f"{API}/bill-runs", json={"period": "2026-10"}, headers=staff)
    assert again.json["billed"] == 0
    _problem(
        client.post(f"{API}/bill-runs", json={"period": "2999-01"}, headers=staff),
        422,
        "future-period",
    )
    detail = client.get(f"{API}/connections/{number}", headers=admin).json
    assert detail["history"][0]["status"] == "active"
    listing = client.get(f"{API}/connections", headers=staff).json
    assert listing["total"] == 1
    from pamong_plugins.pdam.models import PdamConnection

    with client.application.app_context():
        db = client.application.extensions["pamong"].db
        with db.transaction() as session:
            code = session.query(PdamConnection).one().check_code
    public = client.get(f"{API}/public/bills/{number}", query_string={"code": code})
    assert public.status_code == 200
    assert public.json["name"] == "S*** W***"
    assert public.json["bills"][0]["total"] == 61_000
    assert "3314" not in public.get_data(as_text=True)
    _problem(client.get(f"{API}/public/bills/{number}", query_string={"code": "NOPE"}), 404)
    arrears = client.get(f"{API}/arrears", headers=staff).json
    assert arrears[0]["number"] == number
    report = client.get(
        f"{API}/reports/collection",
        query_string={"since": "2026-10", "until": "2026-10"},
        headers=staff,
    )
    assert report.json[0]["billed"] == 61_000


def test_tariffs_and_overlap(client, bearer, seeded):
    admin = bearer("pdam_admin", REGENCY)
    body = {
        "group_code": "R2",
        "valid_from": "2017-07-01",
        "blocks": [[10, 1950], [None, 2400]],
        "minimum_m3": 10,
    }
    assert client.post(f"{API}/tariffs", json=body, headers=admin).status_code == 201
    _problem(client.post(f"{API}/tariffs", json=body, headers=admin), 409, "tariff-overlap")
    _problem(
        client.post(
            f"{API}/tariffs",
            json={**body, "valid_from": "2030-01-01", "blocks": [[10, 5], [5, 6], [None, 7]]},
            headers=admin,
        ),
        422,
    )
    assert len(client.get(f"{API}/tariffs", headers=admin).json) == 11


def test_csv_import_lists_bad_lines(client, bearer, connection):
    number = connection()
    reader = bearer("pdam_reader", KALIJAMBE)
    text = f"customer_number,period,reading\n{number},2026-09,10\n{number},2026-10,abc\n"
    answer = client.post(f"{API}/readings/import", json={"csv": text}, headers=reader)
    _problem(answer, 422, "invalid-csv")
    assert answer.json["errors"] == [{"line": 3, "problem": answer.json["errors"][0]["problem"]}]
    ok = client.post(f"{API}/readings/import", json={"csv": text, "skip_bad": True}, headers=reader)
    assert ok.json["imported"] == 1


def test_scoped_staff_is_refused_outside(client, bearer, connection):
    outside = connection(desa=PLUPUH_DESA)
    here = bearer("pdam_admin", KALIJAMBE)
    _problem(client.get(f"{API}/connections/{outside}", headers=here), 404)
    _problem(
        client.post(
            f"{API}/connections",
            json={"holder_name": "X", "desa_code": PLUPUH_DESA, "group_code": "R1"},
            headers=here,
        ),
        403,
    )
    assert client.get(f"{API}/connections", headers=here).json["total"] == 0

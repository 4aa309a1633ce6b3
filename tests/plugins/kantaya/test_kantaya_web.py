"""The Kantaya API and pages: problem+json on bad input, Indonesian pages, the migrations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pamong.runtime import regency_today

pytestmark = pytest.mark.pamong_plugins("kantaya", "ktp", "licensing", "billing")

KALIJAMBE = "33.14.01"


def test_migrations_match_the_models(check_migrations):
    check_migrations("kantaya")


def test_the_api_drafts_edits_submits_and_comments(client, bearer):
    reporter = bearer("kantaya_reporter", KALIJAMBE)
    head = bearer("kantaya_head", KALIJAMBE)
    leader = bearer("kantaya_leader", "33.14")
    today = regency_today().isoformat()
    body = {"unit_code": KALIJAMBE, "day": today}
    made = client.post("/api/v1/kantaya/reports", json=body, headers=reporter)
    assert made.status_code == 201, made.get_json()
    report_id = made.get_json()["id"]
    again = client.post("/api/v1/kantaya/reports", json=body, headers=reporter)
    assert again.status_code == 200 and again.get_json()["id"] == report_id
    future = {"unit_code": KALIJAMBE, "day": (regency_today() + timedelta(days=1)).isoformat()}
    refused = client.post("/api/v1/kantaya/reports", json=future, headers=reporter)
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    url = f"/api/v1/kantaya/reports/{report_id}"
    edited = client.patch(url, json={"results": "Lancar"}, headers=reporter)
    assert edited.status_code == 200 and edited.get_json()["results"] == "Lancar"
    assert client.post(f"{url}/approve", headers=head).status_code == 409  # not submitted
    assert client.post(f"{url}/submit", headers=reporter).status_code == 200
    assert client.post(f"{url}/submit", headers=reporter).status_code == 409
    assert client.post(f"{url}/approve", headers=reporter).status_code == 403
    comment = client.post(
        f"{url}/comments", json={"body": "Bagus", "task": True, "due_on": today}, headers=leader
    )
    assert comment.status_code == 201
    tasks = client.get("/api/v1/kantaya/tasks", headers=reporter).get_json()
    assert [t["body"] for t in tasks] == ["Bagus"]
    done = client.post(f"/api/v1/kantaya/tasks/{tasks[0]['id']}/done", json={}, headers=reporter)
    assert done.status_code == 200 and done.get_json()["done_at"]
    assert client.post(f"{url}/approve", headers=head).get_json()["status"] == "approved"
    grid = client.get(
        "/api/v1/kantaya/grid", query_string={"month": today[:7]}, headers=leader
    ).get_json()
    row = next(r for r in grid["rows"] if r["unit_code"] == KALIJAMBE)
    assert row["cells"][regency_today().day - 1] == "submitted"
    bad = client.get("/api/v1/kantaya/grid", query_string={"month": "2026-13"}, headers=leader)
    assert bad.status_code == 422
    listed = client.get("/api/v1/kantaya/reports", headers=leader).get_json()
    assert listed["total"] == 1


def test_letters_over_the_api_carry_a_verify_link(client, bearer):
    clerk = bearer("kantaya_secretary", "33.14")
    body = {"unit_code": "33.14", "classification": "000.1.2", "subject": "Undangan"}
    made = client.post("/api/v1/kantaya/letters", json=body, headers=clerk)
    assert made.status_code == 201, made.get_json()
    letter = made.get_json()
    assert letter["number"].startswith("000.1.2/001/")
    assert "/verify/" in letter["verify_url"] or "/documents/" in letter["verify_url"]
    page = client.get(letter["verify_url"].split("localhost", 1)[-1])
    assert page.status_code == 200
    bad = client.post(
        "/api/v1/kantaya/letters", json={**body, "classification": "x"}, headers=clerk
    )
    assert bad.status_code == 422


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_pages_in_indonesian(client, login_as):
    login_as("kantaya_reporter", KALIJAMBE)
    page = client.get("/kantaya/").get_data(as_text=True)
    assert "Laporan harian" in page
    response = client.post(
        "/kantaya/reports",
        data={
            "unit_code": KALIJAMBE,
            "day": regency_today().isoformat(),
            "csrf_token": _csrf(page),
        },
    )
    assert response.status_code == 302
    report_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kegiatan" in report_page
    saved = client.post(
        response.headers["Location"],
        data={"activities": "Apel pagi", "then": "submit", "csrf_token": _csrf(report_page)},
    )
    assert saved.status_code == 302
    assert "Terkirim" in client.get(response.headers["Location"]).get_data(as_text=True)
    grid = client.get("/kantaya/grid").get_data(as_text=True)
    assert "Grid pengendalian" in grid and "Kalijambe" in grid
    assert client.get("/kantaya/grid?month=2026-99").status_code in (302, 422)
    assert client.get("/kantaya/letters").status_code == 403


def test_the_public_check_by_number(client, bearer):
    clerk = bearer("kantaya_secretary", "33.14")
    body = {"unit_code": "33.14", "classification": "000.1.2", "subject": "Rahasia kecil"}
    number = client.post("/api/v1/kantaya/letters", json=body, headers=clerk).get_json()["number"]
    reserved = client.post(
        "/api/v1/kantaya/letters", json={**body, "reserve": True}, headers=clerk
    ).get_json()["number"]
    page = client.get("/kantaya/letters/check", query_string={"number": number})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Terdaftar" in text and "Rahasia kecil" not in text
    missing = client.get("/kantaya/letters/check", query_string={"number": reserved})
    assert "Tidak ada surat terdaftar" in missing.get_data(as_text=True)

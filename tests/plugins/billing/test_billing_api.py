"""The billing REST API: every operation, problem+json for bad input, the public check."""

from __future__ import annotations

import pytest
from billing_testing import KALIJAMBE, PLUPUH

pytestmark = pytest.mark.pamong_plugins("billing")
API = "/api/v1/billing"
BODY = {
    "unit_code": KALIJAMBE,
    "payer": {"kind": "resident", "name": "Sri Wahyuni", "nik": "3314015708800001"},
    "lines": [{"description": "Sewa tenda", "amount": 150_000}],
    "reference": "desk-42",
}


def test_issue_pay_and_print_through_the_api(client, bearer):
    headers = bearer("billing_cashier", KALIJAMBE)
    created = client.post(f"{API}/invoices", json=BODY, headers=headers)
    assert created.status_code == 201, created.json
    number = created.json["number"]
    assert created.json["payer_nik_masked"] == "3314********0001"
    assert client.post(f"{API}/invoices", json=BODY, headers=headers).status_code == 200
    opened = client.post(
        f"{API}/sessions", json={"unit_code": KALIJAMBE, "opening_float": 50_000}, headers=headers
    )
    assert opened.status_code == 201
    paid = client.post(
        f"{API}/payments", json={"invoice_number": number, "amount": 150_000}, headers=headers
    )
    assert paid.status_code == 201 and paid.json["invoice_status"] == "paid"
    receipt = client.get(
        f"{API}/payments/{paid.json['number']}/receipt.pdf?layout=80mm", headers=headers
    )
    assert receipt.mimetype == "application/pdf" and receipt.data.startswith(b"%PDF")
    closed = client.post(
        f"{API}/sessions/current/close", json={"counted_cash": 200_000}, headers=headers
    )
    assert closed.json["difference"] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"lines": [{"description": "x", "amount": 1.5}]},
        {"lines": [{"description": "x", "amount": "1000"}]},
        {"lines": []},
        {"payer": {"kind": "alien", "name": "X"}},
        {"unit_code": "99.99"},
    ],
)
def test_bad_invoices_are_problems(client, bearer, change):
    response = client.post(
        f"{API}/invoices", json=BODY | change, headers=bearer("billing_cashier", KALIJAMBE)
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_a_cashier_sees_only_the_invoices_of_their_units(client, bearer):
    client.post(f"{API}/invoices", json=BODY, headers=bearer("billing_cashier", KALIJAMBE))
    assert (
        client.get(f"{API}/invoices", headers=bearer("billing_cashier", KALIJAMBE)).json["total"]
        == 1
    )
    assert (
        client.get(f"{API}/invoices", headers=bearer("billing_cashier", PLUPUH)).json["total"] == 0
    )


def test_the_public_check_needs_the_check_code_and_shows_no_personal_data(client, bearer):
    made = client.post(
        f"{API}/invoices", json=BODY, headers=bearer("billing_cashier", KALIJAMBE)
    ).json
    wrong = client.get(f"{API}/public/invoices/{made['number']}?code=XXXXXX")
    assert wrong.status_code == 404 and wrong.mimetype == "application/problem+json"
    right = client.get(f"{API}/public/invoices/{made['number']}?code={made['check_code']}")
    assert right.status_code == 200 and right.json["outstanding"] == 150_000
    text = right.get_data(as_text=True)
    assert "Sri" not in text and "3314015708800001" not in text and "payer" not in right.json
    bills = client.post(
        f"{API}/public/invoices/{made['number']}/channel-bills?code={made['check_code']}"
    )
    assert {b["kind"] for b in bills.json["how_to_pay"]} == {"va", "qris"}


def test_cancellation_needs_a_second_person(client, bearer):
    cashier = bearer("billing_supervisor", KALIJAMBE)
    made = client.post(f"{API}/invoices", json=BODY, headers=cashier).json
    asked = client.post(
        f"{API}/invoices/{made['number']}/requests",
        json={"kind": "cancel", "reason": "salah nama"},
        headers=cashier,
    )
    assert asked.status_code == 201
    own = client.post(
        f"{API}/requests/{asked.json['id']}/decision", json={"approve": True}, headers=cashier
    )
    assert own.status_code == 403 and own.json["type"].endswith("same-person")
    other = bearer("billing_supervisor", KALIJAMBE)
    done = client.post(
        f"{API}/requests/{asked.json['id']}/decision", json={"approve": True}, headers=other
    )
    assert done.status_code == 200 and done.json["status"] == "approved"
    assert (
        client.get(f"{API}/invoices/{made['number']}", headers=other).json["status"] == "cancelled"
    )


def test_a_cashier_cannot_approve(client, bearer):
    made = client.post(
        f"{API}/invoices", json=BODY, headers=bearer("billing_cashier", KALIJAMBE)
    ).json
    asked = client.post(
        f"{API}/invoices/{made['number']}/requests",
        json={"kind": "cancel", "reason": "salah"},
        headers=bearer("billing_cashier", KALIJAMBE),
    ).json
    response = client.post(
        f"{API}/requests/{asked['id']}/decision",
        json={"approve": True},
        headers=bearer("billing_cashier", KALIJAMBE),
    )
    assert response.status_code == 403


def test_the_ledger_verifies_through_the_api(client, bearer):
    client.post(f"{API}/invoices", json=BODY, headers=bearer("billing_cashier", KALIJAMBE))
    check = client.get(f"{API}/ledger/verify", headers=bearer("billing_treasurer", KALIJAMBE))
    assert check.json["ok"] and check.json["entries"] == 1


def test_reports_answer(client, bearer):
    headers = bearer("billing_report", KALIJAMBE)
    revenue = client.get(
        f"{API}/reports/revenue?since=2026-01-01&until=2026-12-31&by=month", headers=headers
    )
    assert revenue.status_code == 200 and revenue.json == []
    assert client.get(f"{API}/reports/arrears", headers=headers).status_code == 200
    assert (
        client.get(
            f"{API}/reports/collection?since=2026-01-01&until=2026-12-31", headers=headers
        ).json["billed"]
        == 0
    )
    assert client.get(f"{API}/reports/revenue?since=x&until=y", headers=headers).status_code == 422


def test_every_billing_operation_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    billing = {p for p in paths if p.startswith(API)}
    assert len(billing) >= 25
    assert f"{API}/channels/{{name}}/callback" in billing

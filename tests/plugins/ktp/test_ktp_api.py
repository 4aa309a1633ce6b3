"""The KTP REST API: the counter flow for desk software, problem+json for bad input."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from ktp_testing import BLUE, KALIJAMBE, KEDEN, PLUPUH, RED, image_bytes

pytestmark = pytest.mark.pamong_plugins("ktp")
API = "/api/v1/ktp"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_counter_flow_through_the_api(client, bearer, make_resident):
    headers = bearer("ktp_officer", KALIJAMBE)
    resident = make_resident(desa=KEDEN, birth_date=date(1990, 8, 12))
    created = client.post(
        f"{API}/applications",
        json={"nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "new"},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    app_id = created.json["id"]
    number = created.json["tracking_number"]
    assert number.startswith("KTP-") and created.json["step"] == "applied"

    assert client.post(f"{API}/applications/{app_id}/check", headers=headers).json["step"] == (
        "checked"
    )
    captured = client.post(
        f"{API}/applications/{app_id}/capture",
        json={
            "photo": b64(image_bytes(RED)),  # 1990 is even: blue expected
            "signature": "data:image/png;base64," + b64(image_bytes((250, 250, 250), "PNG")),
        },
        headers=headers,
    )
    assert captured.status_code == 200
    assert captured.json["photo_warning"] == "Even birth year: the background should be blue."
    card = client.post(f"{API}/applications/{app_id}/print", headers=headers)
    assert card.status_code == 201 and card.json["status"] == "active"
    pdf = client.get(f"{API}/cards/{card.json['id']}/pdf", headers=headers)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    done = client.post(
        f"{API}/applications/{app_id}/handover", json={"collected_by": "Budi"}, headers=headers
    )
    assert done.json["step"] == "collected" and done.json["collected_by"] == "Budi"
    assert set(done.json["times"]) >= {"applied_at", "printed_at", "collected_at"}

    public = client.get(f"/api/v1/track/{number}")
    assert public.status_code == 200
    assert public.json["stage"] == "collected"
    assert resident.nik not in public.get_data(as_text=True)


def test_lists_mask_the_nik_and_stay_in_the_officers_kecamatan(client, bearer, make_resident):
    resident = make_resident(desa=KEDEN)
    headers = bearer("ktp_officer", KALIJAMBE)
    client.post(
        f"{API}/applications",
        json={"nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "new"},
        headers=headers,
    )
    page = client.get(f"{API}/applications?step=applied", headers=headers).json
    assert page["total"] == 1
    assert page["items"][0]["nik_masked"] == resident.nik[:4] + "********" + resident.nik[-4:]
    assert "nik" not in page["items"][0]
    other = client.get(f"{API}/applications", headers=bearer("ktp_officer", PLUPUH)).json
    assert other["total"] == 0
    app_id = page["items"][0]["id"]
    assert (
        client.get(
            f"{API}/applications/{app_id}", headers=bearer("ktp_officer", PLUPUH)
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"nik": "123", "kecamatan_code": KALIJAMBE, "reason": "new"}, 404, "resident-not-found"),
        (
            {"nik": "x", "kecamatan_code": "33.14.01.2001", "reason": "new"},
            422,
            "invalid-kecamatan",
        ),
        ({"nik": "x", "kecamatan_code": KALIJAMBE, "reason": "gift"}, 422, "invalid-input"),
        ({"kecamatan_code": KALIJAMBE, "reason": "new"}, 422, "invalid-input"),
        ({"nik": "x", "kecamatan_code": PLUPUH, "reason": "new"}, 403, "forbidden"),
    ],
)
def test_bad_applications_get_problem_json(client, bearer, body, status, slug):
    response = client.post(
        f"{API}/applications", json=body, headers=bearer("ktp_officer", KALIJAMBE)
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["type"].endswith(slug)


def test_a_broken_photo_is_a_422(client, bearer, make_resident):
    headers = bearer("ktp_officer", KALIJAMBE)
    resident = make_resident(desa=KEDEN)
    app_id = client.post(
        f"{API}/applications",
        json={"nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "new"},
        headers=headers,
    ).json["id"]
    client.post(f"{API}/applications/{app_id}/check", headers=headers)
    for photo in ("not base64!", b64(b"GIF89a not an image"), b64(image_bytes(BLUE, "GIF"))):
        response = client.post(
            f"{API}/applications/{app_id}/capture",
            json={"photo": photo, "signature": b64(image_bytes(BLUE, "PNG"))},
            headers=headers,
        )
        assert response.status_code == 422, photo[:20]
        assert response.json["type"].endswith("invalid-image")


def test_without_a_token_the_api_says_401(client):
    response = client.get(f"{API}/applications")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_fees_and_stats(client, bearer):
    admin = bearer("admin")
    added = client.post(
        f"{API}/fees",
        json={"amount": 5000, "valid_from": "2006-07-01", "legal_basis": "Perda Sragen 7/2006"},
        headers=admin,
    )
    assert added.status_code == 201
    assert client.get(f"{API}/fees", headers=admin).json[0]["amount"] == 5000
    clerk = bearer("ktp_officer", KALIJAMBE)
    assert (
        client.post(
            f"{API}/fees", json={"amount": 1, "valid_from": "2030-01-01"}, headers=clerk
        ).status_code
        == 403
    )
    stats = client.get(f"{API}/stats?since=2026-01-01&until=2026-01-31", headers=clerk)
    assert stats.status_code == 200 and stats.json == {"days": [], "kecamatan": []}
    assert client.get(f"{API}/stats?since=2026-01-01", headers=clerk).status_code == 422

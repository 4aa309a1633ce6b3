"""Surat Desa: what the plugin promises, one behaviour a test.

Each test gets a fresh instance of Sragen (33.14) with the plugin enabled,
on SQLite, or on PostgreSQL when PAMONG_TEST_DATABASE_URL is set. The
clerk of desa Keden (33.14.01.2001, Kecamatan Kalijambe) serves its residents.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from pamong.plugin import DemoContext, actor_of, get_unit, regency_today
from pamong.plugin.testing import (
    check_migrations,
    check_plugin_imports,
    record_hook_calls,
    run_cli,
)

from pamong_suratdesa import services
from pamong_suratdesa.demo import seed

pytestmark = pytest.mark.pamong_plugins("suratdesa")

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1/suratdesa"
CLERK = "suratdesa_clerk"
KEDEN, TROBAYAN, KALIJAMBE = "33.14.01.2001", "33.14.01.2002", "33.14.01"


@pytest.fixture
def clerk(bearer):
    """API headers of Keden's clerk."""
    return bearer(CLERK, KEDEN)


@pytest.fixture
def resident(make_resident):
    return make_resident(desa=KEDEN, name="Siti Aminah")


def ask(client, headers, nik: str, kind: str = "domisili", **extra):
    body = {"nik": nik, "kind": kind, "purpose": "Melamar pekerjaan", **extra}
    return client.post(f"{API}/letters", json=body, headers=headers)


def issued(client, headers, nik: str) -> dict:
    letter = ask(client, headers, nik).json
    return client.post(f"{API}/letters/{letter['id']}/issue", headers=headers).json


def audit_count(client, bearer, action: str) -> int:
    log = client.get("/api/v1/audit", query_string={"action": action}, headers=bearer("auditor"))
    return log.json["total"]


# --- the contract with Pamong ---------------------------------------------------


def test_it_imports_only_the_public_plugin_api():
    check_plugin_imports("pamong_suratdesa")


def test_its_migrations_replay_and_match_its_models(app):
    check_migrations(app, "suratdesa")


def test_every_string_is_translated_into_indonesian_and_english():
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, *_rest in extract_from_dir(ROOT, method_map, options_map)
    }
    for language in ("id", "en"):
        path = ROOT / "pamong_suratdesa" / "translations" / language / "LC_MESSAGES"
        with (path / "suratdesa.po").open("rb") as po_file:
            catalog = read_po(po_file)
        missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
        assert not missing, f"translate into {language}: {missing}"


def test_its_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {f"{API}/letters", f"{API}/letters/{{letter_id}}/pdf"} <= set(paths)


# --- requests and the tracker ----------------------------------------------------


def test_a_request_gets_a_receipt_number(client, clerk, resident):
    response = ask(client, clerk, resident.nik)
    assert response.status_code == 201, response.json
    assert re.fullmatch(r"SKD-\d{4}-\d{6}", response.json["tracking_number"])
    assert response.json["nik"] != resident.nik  # masked in the API


def test_the_public_tracker_shows_the_request_without_personal_data(client, clerk, resident):
    number = ask(client, clerk, resident.nik).json["tracking_number"]
    tracked = client.get(f"/api/v1/track/{number}")
    assert tracked.status_code == 200
    assert "Siti" not in tracked.get_data(as_text=True)
    assert resident.nik not in tracked.get_data(as_text=True)


def test_a_clerk_cannot_look_up_a_resident_of_another_desa(client, clerk, make_resident):
    neighbour = make_resident(desa=TROBAYAN)
    response = ask(client, clerk, neighbour.nik)
    assert response.status_code == 404  # the same answer as for an unknown NIK
    assert response.headers["Content-Type"] == "application/problem+json"


def test_an_unknown_kind_of_letter_is_refused(client, clerk, resident):
    assert ask(client, clerk, resident.nik, kind="nikah").status_code == 422


def test_the_lookup_by_nik_and_the_reading_of_a_letter_are_audited(client, bearer, clerk, resident):
    letter = ask(client, clerk, resident.nik).json
    client.get(f"{API}/letters/{letter['id']}", headers=clerk)
    assert audit_count(client, bearer, "resident.read_personal") == 1
    assert audit_count(client, bearer, "suratdesa_letter.read") == 1


def test_a_clerk_sees_only_the_letters_of_their_desa(
    client, bearer, clerk, resident, make_resident
):
    ask(client, bearer(CLERK, TROBAYAN), make_resident(desa=TROBAYAN).nik)
    ask(client, clerk, resident.nik)
    listed = client.get(f"{API}/letters", headers=clerk).json
    assert [letter["desa_code"] for letter in listed["items"]] == [KEDEN]


# --- issuing ---------------------------------------------------------------------


def test_an_issued_letter_is_a_verifiable_document(client, clerk, resident):
    letter = issued(client, clerk, resident.nik)
    assert letter["issued_at"]
    page = client.get(f"/verify/{letter['verification_code']}").get_data(as_text=True)
    assert "Valid" in page or "Sah" in page


def test_an_issued_letter_prints_as_a_pdf(client, clerk, resident):
    letter = issued(client, clerk, resident.nik)
    response = client.get(f"{API}/letters/{letter['id']}/pdf", headers=clerk)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


def test_a_letter_prints_only_once_it_is_issued(client, clerk, resident):
    letter = ask(client, clerk, resident.nik).json
    assert client.get(f"{API}/letters/{letter['id']}/pdf", headers=clerk).status_code == 409


def test_a_letter_is_issued_only_once(client, clerk, resident):
    letter = issued(client, clerk, resident.nik)
    again = client.post(f"{API}/letters/{letter['id']}/issue", headers=clerk)
    assert again.status_code == 409


def test_the_resident_is_told_by_email_when_the_letter_is_issued(client, bearer, clerk, resident):
    letter = ask(client, clerk, resident.nik, email="siti@example.org").json
    client.post(f"{API}/letters/{letter['id']}/issue", headers=clerk)
    assert audit_count(client, bearer, "delivery.queue") == 1


# --- fees --------------------------------------------------------------------------


def test_a_fee_is_announced_to_billing(db_session, make_user, resident):
    clerk = actor_of(db_session, make_user(CLERK, KEDEN).username)
    with record_hook_calls(db_session) as calls:
        letter = services.request_letter(
            db_session, clerk, nik=resident.nik, kind="usaha", purpose="KUR", fee=10_000
        )
    (fee,) = [kw["fee"] for name, kw in calls if name == "pamong_on_fee_due"]
    assert (fee.amount, fee.unit_code, fee.tracking_number) == (
        10_000,
        KEDEN,
        letter.tracking_number,
    )
    assert fee.reference == f"suratdesa_letter:{letter.id}"


def test_a_free_letter_announces_no_fee(db_session, make_user, resident):
    clerk = actor_of(db_session, make_user(CLERK, KEDEN).username)
    with record_hook_calls(db_session) as calls:
        services.request_letter(db_session, clerk, nik=resident.nik, kind="usaha", purpose="KUR")
    assert "pamong_on_fee_due" not in [name for name, _kwargs in calls]


# --- the page ----------------------------------------------------------------------


def test_a_clerk_serves_a_resident_from_the_pages(client, login_as, resident):
    login_as(CLERK, KEDEN)
    page = client.get("/suratdesa/").get_data(as_text=True)
    assert "Surat keterangan" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "nik": resident.nik, "kind": "usaha", "purpose": "Pengajuan KUR"}
    page = client.post("/suratdesa/letters", data=form, follow_redirects=True)
    assert "Permohonan terdaftar" in page.get_data(as_text=True)
    issue_url = re.search(r'action="(/suratdesa/letters/\d+/issue)"', page.get_data(as_text=True))
    page = client.post(issue_url.group(1), data={"csrf_token": token}, follow_redirects=True)
    assert "Surat sudah diterbitkan." in page.get_data(as_text=True)


def test_the_page_needs_the_view_permission(client, login_as):
    login_as("viewer")
    assert client.get("/suratdesa/").status_code == 403


# --- the command line and the demo data -------------------------------------------


def test_the_monthly_recap_reaches_the_kecamatan(app, client, login_as, clerk, resident):
    issued(client, clerk, resident.nik)
    login_as("viewer", KALIJAMBE)  # someone at the kecamatan office receives it
    month = regency_today(app).strftime("%Y-%m")
    result = run_cli(app, "suratdesa", "recap", "--month", month)
    assert result.exit_code == 0, result.output
    assert "1 recaps sent" in result.output
    assert "Rekap surat keterangan" in client.get("/messages/").get_data(as_text=True)


def test_the_recap_refuses_a_bad_month(app):
    result = run_cli(app, "suratdesa", "recap", "--month", "Januari")
    assert result.exit_code == 2
    assert "is not a month" in result.output


def test_the_demo_gives_a_desa_a_clerk_and_letters(db_session, make_resident):
    for name in ("Ani", "Budi", "Cici", "Dodi"):
        make_resident(desa=KEDEN, name=f"{name} Santoso")
    context = DemoContext(
        region="33.14",
        root=get_unit(db_session, "33.14"),
        offices={},
        kecamatan=[get_unit(db_session, KALIJAMBE)],
    )
    seed(db_session, context)
    db_session.commit()
    assert list(context.staff) == ["carik.keden"]
    letters = db_session.scalars(services.letters_query(actor_of(db_session, "carik.keden"))).all()
    assert sorted(letter.issued_at is not None for letter in letters) == [False, True, True, True]

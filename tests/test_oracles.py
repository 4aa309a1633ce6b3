"""No personal-data oracles (issue 12, item 3).

A staff member out of scope learns nothing about a NIK held elsewhere:
registering it, taking a KTP application for it and the duplicate queue
answer as if the resident did not exist.
"""

from __future__ import annotations

from datetime import date

import pytest
from accounts_testing import (
    KALIJAMBE,
    KEDEN,
    PLUPUH,
    PLUPUH_DESA,
    SRAGEN,
    account,
    bearer_of,
    log_in,
)
from sqlalchemy import select

from pamong.identity.models import DuplicateCandidate
from pamong.identity.synthetic import make_nik
from pamong.testing import build_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    application = build_app(tmp_path_factory.mktemp("instance"), ["ktp"])
    yield application
    application.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def kalijambe_registrar(app):
    return account(app, f"registrar@{KALIJAMBE}")


def registration(nik, name="Warga Baru"):
    return {
        "nik": nik,
        "name": name,
        "birth_place": "Sragen",
        "birth_date": "1990-08-12",
        "sex": "M",
        "domicile_code": KEDEN,
    }


def without(text, *secrets):
    return not any(secret in text for secret in secrets)


# --- registration of a NIK registered already -----------------------------------------------


def test_registering_a_nik_held_elsewhere_answers_as_for_one_held_here(
    client, app, make_resident, kalijambe_registrar
):
    here = make_resident(desa=KEDEN, name="Sri Wahyuni Keden")
    elsewhere = make_resident(desa=PLUPUH_DESA, name="Sri Wahyuni Plupuh")
    headers = bearer_of(app, kalijambe_registrar)
    answers = []
    for resident in (here, elsewhere):
        response = client.post(
            "/api/v1/residents", json=registration(resident.nik), headers=headers
        )
        assert response.status_code == 409
        answers.append(response.get_data(as_text=True).replace(resident.nik, "NIK"))
    assert answers[0] == answers[1]


def test_the_conflict_names_no_resident_domicile_or_unit(
    client, app, make_resident, kalijambe_registrar
):
    elsewhere = make_resident(desa=PLUPUH_DESA, name="Rahasia Tersimpan")
    response = client.post(
        "/api/v1/residents",
        json=registration(elsewhere.nik, name="Orang Lain"),
        headers={**bearer_of(app, kalijambe_registrar), "Accept-Language": "en"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and response.json["type"] == "urn:pamong:problem:nik-exists"
    assert without(body, "Rahasia", "Tersimpan", "Plupuh", PLUPUH_DESA, PLUPUH)


# --- KTP intake -----------------------------------------------------------------------------


def test_ktp_intake_for_a_resident_elsewhere_answers_as_for_an_unknown_nik(
    client, app, make_resident
):
    officer = account(app, f"ktp_officer@{KALIJAMBE}")
    elsewhere = make_resident(desa=PLUPUH_DESA, name="Penduduk Plupuh")
    unknown = make_nik(KALIJAMBE, date(1990, 8, 12), "M", 9999)
    headers = bearer_of(app, officer)
    answers = []
    for nik in (elsewhere.nik, unknown):
        response = client.post(
            "/api/v1/ktp/applications",
            json={"nik": nik, "kecamatan_code": KALIJAMBE, "reason": "new"},
            headers=headers,
        )
        answers.append((response.status_code, response.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    assert without(answers[0][1], "Plupuh", PLUPUH)


def test_a_regency_ktp_officer_is_still_sent_to_the_domicile_kecamatan(client, app, make_resident):
    officer = account(app, f"ktp_officer@{SRAGEN}")
    resident = make_resident(desa=PLUPUH_DESA, name="Penduduk Plupuh Dua")
    response = client.post(
        "/api/v1/ktp/applications",
        json={"nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "new"},
        headers=bearer_of(app, officer),
    )
    assert response.status_code == 422
    assert response.json["type"] == "urn:pamong:problem:not-domicile-kecamatan"


# --- the duplicate-review queue -------------------------------------------------------------


def pair(app, make_resident, name, first_desa, second_desa):
    """Two residents who look like one person; returns the queued candidate's id."""
    born = date(1971, 3, 9)
    first = make_resident(desa=first_desa, name=name, birth_date=born, birth_place="Gemolong")
    second = make_resident(desa=second_desa, name=name, birth_date=born, birth_place="Gemolong")
    with app.extensions["pamong"].db.session() as session:
        return session.scalar(
            select(DuplicateCandidate.id).where(
                DuplicateCandidate.resident_id == min(first.id, second.id),
                DuplicateCandidate.other_resident_id == max(first.id, second.id),
            )
        )


def queued_ids(client, headers):
    response = client.get("/api/v1/duplicates?per_page=100", headers=headers)
    return {item["id"] for item in response.json["items"]}


def test_the_queue_shows_pairs_inside_the_reviewer_subtree(
    client, app, make_resident, kalijambe_registrar
):
    inside = pair(app, make_resident, "Kembar Dalam", KEDEN, f"{KALIJAMBE}.2002")
    assert inside in queued_ids(client, bearer_of(app, kalijambe_registrar))


def test_the_queue_hides_pairs_reaching_outside_the_subtree(
    client, app, make_resident, kalijambe_registrar
):
    across = pair(app, make_resident, "Kembar Lintas", KEDEN, PLUPUH_DESA)
    assert across not in queued_ids(client, bearer_of(app, kalijambe_registrar))
    regency = account(app, f"registrar@{SRAGEN}")
    assert across in queued_ids(client, bearer_of(app, regency))


def test_the_queue_page_names_no_resident_outside_the_subtree(
    client, app, make_resident, kalijambe_registrar
):
    pair(app, make_resident, "Kembar Halaman", KEDEN, PLUPUH_DESA)
    log_in(client, kalijambe_registrar)
    page = client.get("/duplicates").get_data(as_text=True)
    assert "Kembar Halaman" not in page


def test_a_pair_reaching_outside_cannot_be_resolved(
    client, app, make_resident, kalijambe_registrar
):
    across = pair(app, make_resident, "Kembar Putus", KEDEN, PLUPUH_DESA)
    response = client.post(
        f"/api/v1/duplicates/{across}",
        json={"status": "distinct", "note": ""},
        headers=bearer_of(app, kalijambe_registrar),
    )
    assert response.status_code == 404
    assert response.json["type"] == "urn:pamong:problem:duplicate-not-found"

"""The tariff master pages and API: dated decrees, copied items, edits before they are in force."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rsud_testing import DECREE_DAY, HOSPITAL, wib

from pamong.plugin import Actor, Conflict, regency_today

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")
SYSTEM = Actor.system("test")
API = "/api/v1/rsud"
OLD = "Perbup Sragen 12/2025"


def _new(db, person, number="Perbup Sragen 5/2027", days=30, **kw):
    from pamong_plugins.rsud import tariffs

    with db.transaction() as session:
        row = tariffs.new_decree(
            session,
            person("rsud_admin"),
            hospital_code=HOSPITAL,
            number=number,
            basis=kw.pop("basis", "perbup"),
            valid_from=regency_today() + timedelta(days=days),
            **kw,
        )
        return row.decree.id, row.items, row.editable


def _decree(db, person, decree_id):
    from pamong_plugins.rsud import tariffs

    with db.transaction() as session:
        row, items = tariffs.get_decree(session, person("rsud_admin"), HOSPITAL, decree_id)
        return (
            row.decree.valid_from,
            row.decree.valid_until,
            {(t.service_code, t.klass): t for t in items},
        )


def _old_id(db):
    from sqlalchemy import select

    from pamong_plugins.rsud.models import RsudTariffDecree

    with db.transaction() as session:
        return session.scalar(select(RsudTariffDecree.id).where(RsudTariffDecree.number == OLD))


def test_a_new_decree_copies_the_previous_items_and_ends_it(db, hospital, person):
    new_id, items, editable = _new(db, person)
    assert items == 14 and editable  # every item of the fixture's decree
    start, _until, prices = _decree(db, person, new_id)
    assert prices[("LAB-DL", "III")].price == 55_000
    _from, until, _items = _decree(db, person, _old_id(db))
    assert until == start - timedelta(days=1)


def test_prices_of_a_decree_not_yet_in_force_change_and_apply_from_its_start(
    db, hospital, person, patient
):
    from pamong_plugins.rsud import services, tariffs

    new_id, _items, _editable = _new(db, person, days=1)
    start, _until, prices = _decree(db, person, new_id)
    with db.transaction() as session:
        tariffs.update_tariff(
            session,
            person("rsud_admin"),
            hospital_code=HOSPITAL,
            tariff_id=prices[("LAB-DL", "III")].id,
            jasa_sarana=50_000,
            jasa_medis=12_000,
            jasa_paramedis=6_000,
        )
    with db.transaction() as session:
        assert services.tariff_for(session, "LAB-DL", "III", start).price == 68_000
        assert services.tariff_for(session, "LAB-DL", "III", start - timedelta(days=1)).price == (
            55_000
        )


def test_a_decree_in_force_or_used_by_charges_keeps_its_prices(db, hospital, person, patient):
    from pamong_plugins.rsud import services, tariffs

    _from, _until, prices = _decree(db, person, _old_id(db))
    with db.transaction() as session, pytest.raises(Conflict) as error:
        tariffs.update_tariff(
            session,
            person("rsud_admin"),
            hospital_code=HOSPITAL,
            tariff_id=prices[("LAB-DL", "III")].id,
            jasa_sarana=1,
            jasa_medis=0,
            jasa_paramedis=0,
        )
    assert error.value.slug == "decree-in-force"
    day = DECREE_DAY + timedelta(days=40)
    with db.transaction() as session:
        number = services.open_encounter(
            session, SYSTEM, mrn=patient(), kind="emergency", at=wib(day, 9)
        ).number
        services.post_charge(
            session, SYSTEM, number, service_code="LAB-DL", unit="lab", service_date=day
        )
    with db.transaction() as session, pytest.raises(Conflict) as error:
        tariffs.update_tariff(
            session,
            person("rsud_admin"),
            hospital_code=HOSPITAL,
            tariff_id=prices[("LAB-DL", "III")].id,
            jasa_sarana=1,
            jasa_medis=0,
            jasa_paramedis=0,
        )
    assert error.value.slug == "decree-used"
    # a successor may not start before a charge its predecessor priced
    with db.transaction() as session, pytest.raises(Conflict) as error:
        services.add_decree(
            session,
            SYSTEM,
            hospital_code=HOSPITAL,
            number="Perbup mundur",
            basis="perbup",
            valid_from=day,
        )
    assert error.value.slug == "decree-overlaps"


def test_overlapping_validity_is_refused(db, hospital, person):
    from pamong_plugins.rsud import services

    _new(db, person, days=30)
    with db.transaction() as session, pytest.raises(Conflict) as error:
        services.add_decree(
            session,
            SYSTEM,
            hospital_code=HOSPITAL,
            number="Perbup tumpang tindih",
            basis="perbup",
            valid_from=date(2026, 2, 1),
            valid_until=date(2026, 3, 1),
        )
    assert error.value.slug == "decree-overlaps"
    # another basis (Perda, class III) may run beside a Perbup
    _new(db, person, number="Perda Sragen 2/2027", days=30, basis="perda")


def test_the_api_lists_adds_and_edits(client, bearer, hospital):
    admin = bearer("rsud_admin", HOSPITAL)
    listed = client.get(f"{API}/decrees?hospital={HOSPITAL}", headers=admin)
    assert listed.status_code == 200 and listed.json[0]["number"] == OLD
    assert listed.json[0]["in_force"] and not listed.json[0]["editable"]
    start = (regency_today() + timedelta(days=10)).isoformat()
    made = client.post(
        f"{API}/decrees",
        json={
            "hospital_code": HOSPITAL,
            "number": "Perbup Sragen 9/2027",
            "basis": "perbup",
            "valid_from": start,
        },
        headers=admin,
    )
    assert made.status_code == 201 and made.json["items"] == 14 and made.json["editable"]
    decree_id = made.json["id"]
    detail = client.get(f"{API}/decrees/{decree_id}?hospital={HOSPITAL}", headers=admin)
    lab = next(
        t for t in detail.json["tariffs"] if (t["service_code"], t["klass"]) == ("LAB-DL", "II")
    )
    edited = client.put(
        f"{API}/tariffs/{lab['id']}",
        json={
            "hospital_code": HOSPITAL,
            "jasa_sarana": 47_000,
            "jasa_medis": 10_000,
            "jasa_paramedis": 5_000,
        },
        headers=admin,
    )
    assert edited.status_code == 200 and edited.json["price"] == 62_000
    added = client.post(
        f"{API}/decrees/{decree_id}/tariffs",
        json={
            "hospital_code": HOSPITAL,
            "service_code": "CT-SCAN",
            "name": "CT scan kepala",
            "unit": "radiology",
            "klass": "III",
            "bucket": "radiologi",
            "jasa_sarana": 600_000,
            "jasa_medis": 150_000,
            "jasa_paramedis": 50_000,
        },
        headers=admin,
    )
    assert added.status_code == 201 and added.json["price"] == 800_000
    overlap = client.post(
        f"{API}/decrees",
        json={
            "hospital_code": HOSPITAL,
            "number": "Perbup X",
            "basis": "perbup",
            "valid_from": "2026-02-01",
            "valid_until": "2026-02-10",
        },
        headers=admin,
    )
    assert overlap.status_code == 409 and overlap.json["type"].endswith("decree-overlaps")
    old = listed.json[0]["id"]
    old_lab = client.get(f"{API}/decrees/{old}?hospital={HOSPITAL}", headers=admin).json
    refused = client.put(
        f"{API}/tariffs/{old_lab['tariffs'][0]['id']}",
        json={"hospital_code": HOSPITAL, "jasa_sarana": 1, "jasa_medis": 0, "jasa_paramedis": 0},
        headers=admin,
    )
    assert refused.status_code == 409
    bad = client.put(
        f"{API}/tariffs/{lab['id']}",
        json={"hospital_code": HOSPITAL, "jasa_sarana": -1, "jasa_medis": 0, "jasa_paramedis": 0},
        headers=admin,
    )
    assert bad.status_code == 422
    clerk = bearer("rsud_registration", HOSPITAL)
    assert client.get(f"{API}/decrees?hospital={HOSPITAL}", headers=clerk).status_code == 403


def test_the_pages_list_create_and_edit(client, login_as, hospital):
    client.application.config["WTF_CSRF_ENABLED"] = False
    login_as("rsud_admin", HOSPITAL)
    page = client.get(f"/rsud/decrees?hospital={HOSPITAL}").data.decode()
    assert OLD in page and "Master tarif" in page  # Indonesian first
    start = (regency_today() + timedelta(days=20)).isoformat()
    made = client.post(
        "/rsud/decrees",
        data={
            "hospital": HOSPITAL,
            "number": "Perbup Sragen 1/2028",
            "basis": "perbup",
            "valid_from": start,
        },
    )
    assert made.status_code == 302 and "/rsud/decrees/" in made.location
    detail = client.get(made.location).data.decode()
    assert "Perbup Sragen 1/2028" in detail and "/rsud/tariffs/" in detail
    bad = client.post(
        "/rsud/decrees",
        data={"hospital": HOSPITAL, "number": "Perbup Y", "basis": "perbup", "valid_from": "x"},
    )
    assert bad.status_code == 302  # flashed and sent back, never a 500

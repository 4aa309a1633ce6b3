"""The REST API and the pages: the demo flow, problem+json, privacy of diagnoses, FHIR."""

from __future__ import annotations

from datetime import date

import pytest
from rsud_testing import HOSPITAL, OTHER, wib
from sqlalchemy import select

from pamong.plugin import Actor

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")
API = "/api/v1/rsud"
SEP = "0301R0010326V000777"


def test_register_admit_upgrade_charge_discharge_and_bill_through_the_api(
    client, bearer, hospital, make_resident
):
    resident = make_resident(name="Sri Wahyuni", sex="F", birth_date=date(1970, 5, 6))
    desk = bearer("rsud_registration", HOSPITAL)
    made = client.post(
        f"{API}/patients",
        json={
            "hospital_code": HOSPITAL,
            "nik": resident.nik,
            "payer": "bpjs",
            "bpjs_number": "0001234567890",
            "bpjs_class": "III",
        },
        headers=desk,
    )
    assert made.status_code == 201, made.json
    assert made.json["nik_verified"] and made.json["name"] == "Sri Wahyuni"
    assert "*" in made.json["nik"]
    mrn = made.json["mrn"]
    stay = client.post(
        f"{API}/encounters",
        json={
            "mrn": mrn,
            "kind": "inpatient",
            "ward_code": "MAWAR",
            "bed_code": "MAWAR-01",
            "sep_number": SEP,
        },
        headers=desk,
    )
    assert stay.status_code == 201, stay.json
    number = stay.json["number"]
    moved = client.post(
        f"{API}/encounters/{number}/transfer",
        json={"ward_code": "MELATI", "bed_code": "MELATI-02"},
        headers=desk,
    )
    assert moved.status_code == 200 and moved.json["klass"] == "II"
    for role, code, unit in (
        ("rsud_charge", "LAB-DL", "lab"),
        ("rsud_charge", "VISITE", "ward"),
        ("rsud_charge", "OBAT-PCT", "pharmacy"),
    ):
        posted = client.post(
            f"{API}/encounters/{number}/charges",
            json={"service_code": code, "unit": unit, "quantity": 2},
            headers=bearer(role, HOSPITAL),
        )
        assert posted.status_code == 201, posted.json
    interim = client.get(f"{API}/encounters/{number}/bill", headers=desk)
    assert interim.status_code == 200 and not interim.json["final"]
    out = client.post(f"{API}/encounters/{number}/discharge", json={"status": "home"}, headers=desk)
    assert out.status_code == 200 and out.json["status"] == "closed"
    casemix = bearer("rsud_casemix", HOSPITAL)
    claim = client.put(
        f"{API}/encounters/{number}/claim",
        json={
            "sep_number": SEP,
            "inacbg_code": "J-4-16-I",
            "cbg_amount": 2_800_000,
            "cbg_upgraded_amount": 3_360_000,
            "upgrade_class": "II",
            "upgrade_days": 1,
            "upgrade_payer": "patient",
            "status": "final",
        },
        headers=casemix,
    )
    assert claim.status_code == 200 and claim.json["total"] == 2_800_000
    cashier = bearer("rsud_cashier", HOSPITAL)
    settled = client.post(f"{API}/encounters/{number}/settle", headers=cashier)
    assert settled.status_code == 200 and settled.json["balance"] == 560_000
    invoice = settled.json["invoice_number"]
    opened = client.post(
        "/api/v1/billing/sessions",
        json={"unit_code": HOSPITAL, "opening_float": 0},
        headers=cashier,
    )
    assert opened.status_code == 201
    paid = client.post(
        "/api/v1/billing/payments",
        json={"invoice_number": invoice, "amount": 560_000},
        headers=cashier,
    )
    assert paid.status_code == 201 and paid.json["invoice_status"] == "paid"
    bundle = client.get(f"{API}/encounters/{number}/fhir", headers=casemix)
    assert bundle.status_code == 200
    kinds = [e["resource"]["resourceType"] for e in bundle.json["entry"]]
    assert kinds[:2] == ["Patient", "Encounter"] and "Claim" in kinds and "Coverage" in kinds


@pytest.mark.parametrize(
    "change",
    [
        {"bpjs_number": "123"},
        {"payer": "alien"},
        {"hospital_code": "99.99"},
        {"birth_date": "1990-02-30"},
        {"bpjs_class": "IV"},
    ],
)
def test_bad_registrations_are_problem_json(client, bearer, hospital, change):
    body = {
        "hospital_code": HOSPITAL,
        "name": "Budi",
        "sex": "M",
        "payer": "bpjs",
        "bpjs_number": "0009876543210",
        "bpjs_class": "III",
        **change,
    }
    answer = client.post(
        f"{API}/patients", json=body, headers=bearer("rsud_registration", HOSPITAL)
    )
    assert 400 <= answer.status_code < 500
    assert answer.mimetype == "application/problem+json"


def test_a_charge_on_a_closed_encounter_is_a_409(client, bearer, hospital, patient):
    from pamong_plugins.rsud import services

    mrn = patient()
    db = client.application.extensions["pamong"].db
    with db.transaction() as session:
        e = services.open_encounter(
            session, Actor.system("t"), mrn=mrn, kind="outpatient", poli="Poli Dalam"
        )
        services.discharge(session, Actor.system("t"), e.number, status="home")
        number = e.number
    answer = client.post(
        f"{API}/encounters/{number}/charges",
        json={"service_code": "LAB-DL", "unit": "lab"},
        headers=bearer("rsud_charge", HOSPITAL),
    )
    assert answer.status_code == 409 and answer.json["type"].endswith("encounter-closed")


def test_diagnoses_need_their_own_permission_and_every_read_is_audited(
    client, bearer, hospital, patient
):
    from pamong.audit.models import AuditEntry
    from pamong_plugins.rsud import services

    db = client.application.extensions["pamong"].db
    with db.transaction() as session:
        number = services.open_encounter(
            session, Actor.system("t"), mrn=patient(), kind="emergency"
        ).number
    casemix = bearer("rsud_casemix", HOSPITAL)
    bad = client.put(
        f"{API}/encounters/{number}/diagnoses", json={"codes": ["XYZ"]}, headers=casemix
    )
    assert bad.status_code == 422
    put = client.put(
        f"{API}/encounters/{number}/diagnoses", json={"codes": ["a09", "I10"]}, headers=casemix
    )
    assert put.status_code == 200 and put.json["codes"] == ["A09", "I10"]
    assert (
        client.get(
            f"{API}/encounters/{number}/diagnoses", headers=bearer("rsud_registration", HOSPITAL)
        ).status_code
        == 403
    )
    assert "diagnoses" not in client.get(f"{API}/encounters/{number}", headers=casemix).json
    got = client.get(f"{API}/encounters/{number}/diagnoses", headers=casemix)
    assert got.json["codes"] == ["A09", "I10"]
    with db.transaction() as session:
        reads = session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "rsud_encounters")
        ).all()
        assert any("rsud.diagnoses" in str(r.detail) for r in reads)


def test_another_units_staff_cannot_see_an_encounter(client, bearer, hospital, patient):
    from pamong_plugins.rsud import services

    db = client.application.extensions["pamong"].db
    with db.transaction() as session:
        number = services.open_encounter(
            session, Actor.system("t"), mrn=patient(), kind="emergency"
        ).number
    answer = client.get(f"{API}/encounters/{number}", headers=bearer("rsud_registration", OTHER))
    assert answer.status_code == 404


def test_the_indicator_report_counts_a_month_of_stays(client, bearer, hospital, patient):
    from pamong_plugins.rsud import services

    system = Actor.system("t")
    db = client.application.extensions["pamong"].db
    mrns = [patient() for _n in range(3)]
    with db.transaction() as session:
        for n, (days, status) in enumerate(((3, "home"), (5, "died_after_48h"), (2, "home"))):
            mrn = mrns[n]
            e = services.open_encounter(
                session,
                system,
                mrn=mrn,
                kind="inpatient",
                ward_code="MAWAR",
                bed_code=f"MAWAR-0{n + 1}",
                at=wib(date(2026, 4, 1 + n), 10),
            )
            services.discharge(
                session, system, e.number, status=status, at=wib(date(2026, 4, 1 + n + days), 9)
            )
    answer = client.get(
        f"{API}/reports/indicators?hospital={HOSPITAL}&month=2026-04",
        headers=bearer("rsud_report", HOSPITAL),
    )
    assert answer.status_code == 200, answer.json
    mawar = next(w for w in answer.json["wards"] if w["ward"] == "MAWAR")
    assert mawar["beds"] == 4 and mawar["patient_days"] == 10 and mawar["discharges"] == 3
    assert mawar["alos"] == 3.33 and mawar["bor"] == 8.33 and mawar["gdr"] == 333.33
    assert answer.json["total"]["beds"] == 11


def test_the_pages_render_for_the_desks(client, login_as, hospital, patient):
    from pamong_plugins.rsud import services

    mrn = patient()
    db = client.application.extensions["pamong"].db
    with db.transaction() as session:
        number = services.open_encounter(
            session,
            Actor.system("t"),
            mrn=mrn,
            kind="inpatient",
            ward_code="MAWAR",
            bed_code="MAWAR-01",
        ).number
    login_as("admin")
    for url in (
        "/rsud/",
        f"/rsud/?q={mrn}",
        f"/rsud/patients/{mrn}",
        f"/rsud/encounters/{number}",
        f"/rsud/beds?hospital={HOSPITAL}",
        f"/rsud/indicators?hospital={HOSPITAL}&month=2026-04",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
    board = client.get(f"/rsud/beds?hospital={HOSPITAL}").data.decode()
    assert "MAWAR-01" in board and "Papan tempat tidur" in board  # Indonesian first


def test_a_charge_through_the_page_form(client, login_as, hospital, patient):
    from pamong_plugins.rsud import services

    client.application.config["WTF_CSRF_ENABLED"] = False
    mrn = patient()
    db = client.application.extensions["pamong"].db
    with db.transaction() as session:
        number = services.open_encounter(
            session, Actor.system("t"), mrn=mrn, kind="outpatient", poli="Poli Anak"
        ).number
    login_as("rsud_charge", HOSPITAL)
    answer = client.post(
        f"/rsud/encounters/{number}/charges",
        data={"service_code": "LAB-DL", "unit": "lab", "quantity": "1"},
    )
    assert answer.status_code == 302
    bad = client.post(
        f"/rsud/encounters/{number}/charges",
        data={"service_code": "NOPE", "unit": "lab", "quantity": "1"},
    )
    assert bad.status_code == 302  # flashed and sent back, never a 500


def test_the_revenue_report_sums_charges_by_payer_unit_month_and_doctor(
    client, bearer, hospital, patient
):
    from pamong_plugins.rsud import services

    system = Actor.system("t")
    db = client.application.extensions["pamong"].db
    mrn = patient()
    with db.transaction() as session:
        e = services.open_encounter(
            session,
            system,
            mrn=mrn,
            kind="outpatient",
            poli="Poli Dalam",
            at=wib(date(2026, 2, 3), 9),
        )
        services.post_charge(
            session,
            system,
            e.number,
            service_code="LAB-DL",
            unit="lab",
            performed_by="dr. Hartono",
            now=wib(date(2026, 2, 3), 10),
        )
    answer = client.get(
        f"{API}/reports/revenue?hospital={HOSPITAL}&year=2026",
        headers=bearer("rsud_report", HOSPITAL),
    )
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["total"] == 25_000 + 55_000 and body["by_payer"] == {"umum": 80_000}
    assert body["by_unit"] == {"lab": 55_000, "registration": 25_000}
    assert body["by_month"] == {"2026-02": 80_000}
    assert body["by_doctor"] == {"dr. Hartono|2026-02": 10_000}


def test_a_bpjs_stay_page_shows_package_upgrade_and_diagnoses_on_request(
    client, login_as, hospital, patient
):
    from pamong_plugins.rsud import services

    system = Actor.system("t")
    mrn = patient(payer="bpjs", bpjs_number="0001112223334", bpjs_class="III")
    db = client.application.extensions["pamong"].db
    with db.transaction() as session:
        number = services.open_encounter(
            session, system, mrn=mrn, kind="inpatient", ward_code="MAWAR", bed_code="MAWAR-02"
        ).number
        services.set_diagnoses(session, system, number, ["K35.8"])
        services.record_claim(
            session,
            system,
            number,
            sep_number=SEP,
            inacbg_code="I-4-10-I",
            cbg_amount=2_000_000,
            upgrade_class="II",
            cbg_upgraded_amount=2_400_000,
            upgrade_payer="patient",
            status="final",
        )
    login_as("admin")
    page = client.get(f"/rsud/encounters/{number}").data.decode()
    assert "I-4-10-I" in page and "K35.8" not in page and "•••" in page
    shown = client.get(f"/rsud/encounters/{number}?diagnoses=1").data.decode()
    assert "K35.8" in shown

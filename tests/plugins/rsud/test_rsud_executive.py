"""Executive outpatient care (poli eksekutif) of a JKN patient: a capped difference on the bill."""

from __future__ import annotations

from datetime import date

import pytest
from rsud_testing import HOSPITAL, wib

from pamong.plugin import Actor, Conflict, InvalidInput

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")
DAY = date(2026, 3, 2)
SYSTEM = Actor.system("test")
SEP = "0301R0010326V000555"
CARDS = iter(range(10**12, 10**12 + 1000))


def _visit(db, patient, *, pbi=False, executive=True, payer=""):
    from pamong_plugins.rsud import services

    mrn = patient(payer="bpjs", bpjs_number=str(next(CARDS)), bpjs_class="II", bpjs_pbi=pbi)
    with db.transaction() as session:
        return services.open_encounter(
            session,
            SYSTEM,
            mrn=mrn,
            kind="outpatient",
            poli="Poli Eksekutif Penyakit Dalam",
            executive=executive,
            payer=payer,
            sep_number=SEP,
            at=wib(DAY, 8),
        ).number


def _charge_and_close(db, number, person, labs):
    from pamong_plugins.rsud import services

    nurse = person("rsud_charge")
    with db.transaction() as session:
        for _ in range(labs):
            services.post_charge(
                session,
                nurse,
                number,
                service_code="LAB-DL",
                quantity=1,
                unit="lab",
                service_date=DAY,
                now=wib(DAY, 9),
            )
        services.discharge(session, SYSTEM, number, status="home", at=wib(DAY, 11))


def _claim(db, number, package):
    from pamong_plugins.rsud import services

    with db.transaction() as session:
        services.record_claim(
            session,
            SYSTEM,
            number,
            sep_number=SEP,
            inacbg_code="Q-5-44-0",
            cbg_amount=package,
            status="final",
        )


def test_the_difference_is_the_cost_above_the_package_capped_per_episode(db, patient, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.rsud import services

    number = _visit(db, patient)
    _charge_and_close(db, number, person, labs=20)  # 25.000 + 20 x 55.000 of real cost
    _claim(db, number, 200_000)
    with db.transaction() as session:
        bill = services.settle_bill(session, person("rsud_cashier"), number)
        assert bill.real_cost == 1_125_000 and bill.package == 200_000
        assert bill.executive_difference == 400_000 == bill.patient_share  # the cap
        assert bill.payer_covers == 725_000
        invoice = billing.invoice_status(session, bill.invoice_number)
        assert invoice.total == 400_000


def test_below_the_cap_the_patient_pays_only_the_cost_above_the_package(db, patient, person):
    from pamong_plugins.rsud import services

    number = _visit(db, patient)
    _charge_and_close(db, number, person, labs=4)  # 25.000 + 4 x 55.000 = 245.000
    _claim(db, number, 150_000)
    with db.transaction() as session:
        bill = services.interim_bill(session, SYSTEM, number)
        assert bill.executive_difference == 95_000 == bill.patient_share


def test_a_package_above_the_cost_or_a_regular_clinic_costs_the_patient_nothing(
    db, patient, person
):
    from pamong_plugins.rsud import services

    rich = _visit(db, patient)
    _charge_and_close(db, rich, person, labs=2)
    _claim(db, rich, 500_000)
    regular = _visit(db, patient, executive=False)
    _charge_and_close(db, regular, person, labs=20)
    _claim(db, regular, 200_000)
    with db.transaction() as session:
        for number in (rich, regular):
            bill = services.interim_bill(session, SYSTEM, number)
            assert bill.executive_difference == 0 == bill.patient_share


def test_the_cap_is_a_setting(app, db, patient, person, monkeypatch):
    from pamong_plugins.rsud import services

    number = _visit(db, patient)
    _charge_and_close(db, number, person, labs=20)
    _claim(db, number, 200_000)
    rsud = app.extensions["pamong"].plugin_settings("rsud")
    monkeypatch.setitem(rsud, "executive_outpatient_cap", 250_000)
    with app.app_context(), db.transaction() as session:
        assert services.interim_bill(session, SYSTEM, number).executive_difference == 250_000


def test_only_outpatients_and_not_contribution_aid_patients(db, patient):
    from pamong_plugins.rsud import services

    with pytest.raises(Conflict):
        _visit(db, patient, pbi=True)
    mrn = patient(payer="bpjs", bpjs_number=str(next(CARDS)), bpjs_class="II")
    with db.transaction() as session, pytest.raises(InvalidInput):
        services.open_encounter(
            session, SYSTEM, mrn=mrn, kind="emergency", executive=True, sep_number=SEP
        )


def test_the_api_and_the_page_show_the_executive_difference(
    client, bearer, login_as, db, hospital, patient, person
):
    mrn = patient(payer="bpjs", bpjs_number=str(next(CARDS)), bpjs_class="II")
    made = client.post(
        "/api/v1/rsud/encounters",
        json={
            "mrn": mrn,
            "kind": "outpatient",
            "poli": "Poli Eksekutif Jantung",
            "executive": True,
            "sep_number": SEP,
            "at": wib(DAY, 8).isoformat(),
        },
        headers=bearer("rsud_registration", HOSPITAL),
    )
    assert made.status_code == 201 and made.json["executive"] is True
    number = made.json["number"]
    _charge_and_close(db, number, person, labs=20)
    _claim(db, number, 200_000)
    bill = client.get(
        f"/api/v1/rsud/encounters/{number}/bill", headers=bearer("rsud_cashier", HOSPITAL)
    )
    assert bill.json["executive_difference"] == 400_000
    login_as("rsud_cashier", HOSPITAL)
    page = client.get(f"/rsud/encounters/{number}").data.decode()
    assert "poli eksekutif" in page.lower() and "Rp400.000" in page


def test_the_fhir_bundle_marks_an_executive_visit(db, patient, person):
    from pamong_plugins.rsud import fhir

    executive, regular = _visit(db, patient), _visit(db, patient, executive=False)
    for number in (executive, regular):
        _charge_and_close(db, number, person, labs=1)
    with db.transaction() as session:
        bundles = {n: fhir.encounter_bundle(session, SYSTEM, n) for n in (executive, regular)}
    encounters = {
        n: next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Encounter")
        for n, b in bundles.items()
    }
    assert encounters[executive]["serviceType"]["coding"][0]["code"] == "executive"
    assert "serviceType" not in encounters[regular]

"""``pamong rsud``: the indicators in a terminal, the E-Klaim export imported all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from rsud_testing import HOSPITAL, wib

from pamong.cli import main
from pamong.plugin import Actor

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")
SYSTEM = Actor.system("test")


def _runner(app):
    return CliRunner(env={"PAMONG_DATABASE_URL": app.extensions["pamong"].settings.database_url})


def _bpjs_stay(db, patient, card):
    from pamong_plugins.rsud import services

    mrn = patient(payer="bpjs", bpjs_number=card, bpjs_class="III")
    with db.transaction() as session:
        number = services.open_encounter(
            session,
            SYSTEM,
            mrn=mrn,
            kind="inpatient",
            ward_code="MAWAR",
            bed_code=f"MAWAR-0{card[-1]}",
            at=wib(date(2026, 5, 4), 9),
        ).number
        services.discharge(session, SYSTEM, number, status="home", at=wib(date(2026, 5, 7), 9))
    return number


def test_the_indicators_are_printed_per_ward(app, db, patient):
    _bpjs_stay(db, patient, "0000000000001")
    result = _runner(app).invoke(
        main,
        [
            "--instance",
            app.instance_path,
            "rsud",
            "indicators",
            "--hospital",
            HOSPITAL,
            "--month",
            "2026-05",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "MAWAR" in result.output and "TOTAL" in result.output


def test_an_unknown_hospital_is_a_one_line_error(app, hospital):
    result = _runner(app).invoke(
        main,
        [
            "--instance",
            app.instance_path,
            "rsud",
            "indicators",
            "--hospital",
            "99.99",
            "--month",
            "2026-05",
        ],
    )
    assert result.exit_code == 1 and "99.99" in result.output


def test_the_grouper_export_is_imported_and_keeps_the_upgrade(app, db, patient, tmp_path):
    from pamong_plugins.rsud import services

    first = _bpjs_stay(db, patient, "0000000000001")
    second = _bpjs_stay(db, patient, "0000000000002")
    with db.transaction() as session:
        services.record_claim(
            session,
            SYSTEM,
            first,
            sep_number="0301R0010526V000001",
            upgrade_class="II",
            upgrade_days=2,
            upgrade_payer="patient",
            cbg_upgraded_amount=3_000_000,
        )
    export = tmp_path / "eklaim.csv"
    export.write_text(  # saved by Excel set to Indonesian: semicolons
        "encounter;sep;inacbg;cbg;subacute;chronic;add_payment;status\n"
        f"{first};0301R0010526V000001;J-4-16-I;2500000;0;0;0;final\n"
        f"{second};0301R0010526V000002;K-4-17-I;2100000;150000;0;50000;grouped\n"
    )
    result = _runner(app).invoke(
        main, ["--instance", app.instance_path, "rsud", "import-claims", str(export)]
    )
    assert result.exit_code == 0, result.output
    with db.transaction() as session:
        one = services.claim_of(session, services.get_encounter(session, SYSTEM, first))
        two = services.claim_of(session, services.get_encounter(session, SYSTEM, second))
        assert (one.inacbg_code, one.upgrade_class, one.cbg_upgraded_amount) == (
            "J-4-16-I",
            "II",
            3_000_000,
        )
        assert two.total == 2_300_000 and two.status == "grouped"


def test_a_bad_row_is_named_and_nothing_is_recorded(app, db, patient, tmp_path):
    from pamong_plugins.rsud import services

    number = _bpjs_stay(db, patient, "0000000000003")
    export = tmp_path / "eklaim.csv"
    export.write_text(
        "encounter,sep,inacbg,cbg,subacute,chronic,add_payment,status\n"
        f"{number},0301R0010526V000003,J-4-16-I,2500000,0,0,0,final\n"
        f"{number},SHORT,J-4-16-I,abc,0,0,0,final\n"
        "RI-2026-999999,0301R0010526V000009,J-4-16-I,1,0,0,0,final\n"
    )
    result = _runner(app).invoke(
        main, ["--instance", app.instance_path, "rsud", "import-claims", str(export)]
    )
    assert result.exit_code == 1
    assert "line 3" in result.output and "line 4" in result.output
    with db.transaction() as session:
        assert services.claim_of(session, services.get_encounter(session, SYSTEM, number)) is None


def test_the_fhir_bundle_parses_with_the_r4b_models(db, patient):
    from fhir.resources.R4B.bundle import Bundle

    from pamong_plugins.rsud import fhir, services

    number = _bpjs_stay(db, patient, "0000000000004")
    with db.transaction() as session:
        services.set_diagnoses(session, SYSTEM, number, ["J18.9"])
        services.record_claim(
            session,
            SYSTEM,
            number,
            sep_number="0301R0010526V000004",
            inacbg_code="J-4-16-I",
            cbg_amount=2_500_000,
            status="final",
        )
        body = fhir.encounter_bundle(session, SYSTEM, number)
    bundle = Bundle.model_validate(body)
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds == ["Patient", "Encounter", "Condition", "Coverage", "Claim"]
    claim = bundle.entry[-1].resource
    assert claim.total.value == body["entry"][-1]["resource"]["total"]["value"]

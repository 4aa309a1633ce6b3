"""Charges, tariffs in force, reversals, the discharge bill, BPJS upgrades and deposits."""

from __future__ import annotations

from datetime import date

import pytest
from rsud_testing import HOSPITAL, wib
from sqlalchemy import select

from pamong.plugin import Actor, Conflict, InvalidInput

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")
DAY = date(2026, 3, 2)
SYSTEM = Actor.system("test")
SEP = "0301R0010326V000123"


def _admit(db, mrn, ward="MAWAR", bed="MAWAR-01", **kw):
    from pamong_plugins.rsud import services

    with db.transaction() as session:
        return services.open_encounter(
            session,
            SYSTEM,
            mrn=mrn,
            kind="inpatient",
            ward_code=ward,
            bed_code=bed,
            at=wib(DAY, 9),
            **kw,
        ).number


def _charge(db, actor, number, code, qty=1, unit="lab", day=DAY, now=None):
    from pamong_plugins.rsud import services

    with db.transaction() as session:
        c = services.post_charge(
            session,
            actor,
            number,
            service_code=code,
            quantity=qty,
            unit=unit,
            performed_by="dr. Hartono, Sp.PD",
            service_date=day,
            now=now or wib(day, 12),
        )
        return c.id, c.amount, c.jasa_sarana, c.jasa_medis, c.jasa_paramedis


def _discharge(db, number, day=5, status="home"):
    from pamong_plugins.rsud import services

    with db.transaction() as session:
        e = services.discharge(
            session, SYSTEM, number, status=status, at=wib(DAY.replace(day=day), 10)
        )
        return e.real_cost, e.patient_share


def test_a_charge_is_priced_by_class_and_split(db, person, patient):
    number = _admit(db, patient())
    _id, amount, sarana, medis, paramedis = _charge(db, person("rsud_charge"), number, "LAB-DL")
    assert (amount, sarana, medis, paramedis) == (55_000, 40_000, 10_000, 5_000)


def test_the_tariff_in_force_on_the_service_date_applies(db, person, patient):
    from pamong_plugins.rsud import services

    with db.transaction() as session:
        services.add_decree(
            session,
            SYSTEM,
            hospital_code=HOSPITAL,
            number="Perbup 3/2026",
            basis="perbup",
            valid_from=date(2026, 3, 3),
        )
        services.add_tariff(
            session,
            SYSTEM,
            hospital_code=HOSPITAL,
            decree_number="Perbup 3/2026",
            service_code="LAB-DL",
            name="Darah lengkap",
            unit="lab",
            klass="III",
            jasa_sarana=50_000,
            jasa_medis=10_000,
            jasa_paramedis=5_000,
        )
    number = _admit(db, patient())
    lab = person("rsud_charge")
    assert _charge(db, lab, number, "LAB-DL", day=DAY, now=wib(DAY.replace(day=4), 8))[1] == 55_000
    assert (
        _charge(db, lab, number, "LAB-DL", day=DAY.replace(day=3), now=wib(DAY.replace(day=4), 8))[
            1
        ]
        == 65_000
    )


def test_a_missing_tariff_for_the_class_is_a_clear_error(db, person, patient):
    number = _admit(db, patient())
    with pytest.raises(InvalidInput) as raised:
        _charge(db, person("rsud_charge"), number, "CT-SCAN")
    assert raised.value.slug == "tariff-missing"


def test_a_charge_on_a_closed_encounter_is_refused(db, person, patient):
    number = _admit(db, patient())
    _discharge(db, number)
    with pytest.raises(Conflict) as raised:
        _charge(db, person("rsud_charge"), number, "LAB-DL", now=wib(DAY.replace(day=6), 8))
    assert raised.value.slug == "encounter-closed"


def test_a_charge_is_corrected_by_one_reversal(db, person, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    lab = person("rsud_charge")
    charge_id = _charge(db, lab, number, "LAB-DL")[0]
    with db.transaction() as session:
        reversal = services.reverse_charge(session, lab, charge_id, reason="Salah pasien")
        assert reversal.amount == -55_000 and reversal.reverses_id == charge_id
    with db.transaction() as session, pytest.raises(Conflict):
        services.reverse_charge(session, lab, charge_id, reason="Lagi")
    with db.transaction() as session:
        bill = services.compute_bill(
            session, services.get_encounter(session, SYSTEM, number), now=wib(DAY, 13)
        )
        assert bill.by_unit.get("lab") == 0


def test_returned_medicine_is_deducted_but_never_below_zero(db, person, patient):
    number = _admit(db, patient())
    pharmacy = person("rsud_charge")
    _charge(db, pharmacy, number, "OBAT-PCT", qty=10, unit="pharmacy")
    assert _charge(db, pharmacy, number, "OBAT-PCT", qty=-4, unit="pharmacy")[1] == -2_000
    with pytest.raises(InvalidInput):
        _charge(db, pharmacy, number, "OBAT-PCT", qty=-7, unit="pharmacy")


def test_room_days_are_charged_per_class_segment_at_discharge(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session:
        services.transfer(
            session,
            SYSTEM,
            number,
            ward_code="MELATI",
            bed_code="MELATI-01",
            at=wib(DAY.replace(day=3), 9),
        )
    real_cost, share = _discharge(db, number, day=5)
    # registration 25.000 + class III 1 day 150.000 + class II 2 days 2 x 250.000
    assert real_cost == share == 25_000 + 150_000 + 500_000


def test_a_move_on_the_day_of_admission_charges_no_day_in_the_first_class(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())  # class III at 09:00
    with db.transaction() as session:
        services.transfer(
            session, SYSTEM, number, ward_code="MELATI", bed_code="MELATI-01", at=wib(DAY, 15)
        )
    real_cost, _share = _discharge(db, number, day=4)
    # registration 25.000 + class II 2 days (DAY 09:00 to day 4 10:00), no class III day
    assert real_cost == 25_000 + 2 * 250_000


def test_the_room_release_time_is_kept_apart_from_the_discharge(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session:
        e = services.discharge(
            session,
            SYSTEM,
            number,
            status="home",
            at=wib(DAY.replace(day=4), 18),
            room_released_at=wib(DAY.replace(day=4), 9),
        )
        assert e.room_released_at != e.discharged_at
        assert e.real_cost == 25_000 + 2 * 150_000


def _bpjs_stay(db, patient, klass="III", pbi=False):
    mrn = patient(
        payer="bpjs",
        bpjs_number=f"000{abs(hash((klass, pbi))) % 10**10:010d}",
        bpjs_class=klass,
        bpjs_pbi=pbi,
    )
    return _admit(db, mrn, sep_number=SEP)


def _claim(db, number, **kw):
    from pamong_plugins.rsud import services

    data = {
        "sep_number": SEP,
        "inacbg_code": "K-1-17-I",
        "cbg_amount": 3_000_000,
        "status": "final",
    }
    data.update(kw)
    with db.transaction() as session:
        return services.record_claim(session, SYSTEM, number, **data).total


def test_a_bpjs_patient_without_upgrade_pays_nothing(db, patient):
    from pamong_plugins.rsud import services

    number = _bpjs_stay(db, patient)
    _discharge(db, number)
    assert _claim(db, number, subacute_amount=100_000, add_payment=50_000) == 3_150_000
    with db.transaction() as session:
        bill = services.settle_bill(session, SYSTEM, number)
        assert bill.patient_share == 0 and bill.package == 3_150_000 and not bill.invoice_number


def test_an_upgrade_from_three_to_two_pays_the_package_difference(db, patient, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.rsud import services

    number = _bpjs_stay(db, patient)
    with db.transaction() as session:
        services.transfer(
            session, SYSTEM, number, ward_code="MELATI", bed_code="MELATI-01", at=wib(DAY, 15)
        )
    _discharge(db, number)
    _claim(
        db,
        number,
        cbg_upgraded_amount=3_600_000,
        upgrade_class="II",
        upgrade_days=3,
        upgrade_payer="patient",
    )
    cashier = person("rsud_cashier")
    with db.transaction() as session:
        bill = services.settle_bill(session, cashier, number)
        assert bill.upgrade_difference == 600_000 and bill.balance == 600_000
        invoice = billing.invoice_status(session, bill.invoice_number)
        assert invoice.total == 600_000 and invoice.source == "rsud"
        assert services.get_encounter(session, SYSTEM, number).patient_share == 600_000
    with db.transaction() as session:  # a second cashier gets the same invoice
        again = services.settle_bill(session, person("rsud_cashier"), number)
        assert again.invoice_number == bill.invoice_number


def test_an_upgrade_to_vip_is_capped_at_75_percent_of_class_one(db, patient):
    from pamong_plugins.rsud import services

    number = _bpjs_stay(db, patient, klass="I")
    with db.transaction() as session:
        services.transfer(
            session, SYSTEM, number, ward_code="WK", bed_code="WK-01", at=wib(DAY, 10)
        )
        for _n in range(20):
            services.post_charge(
                session,
                SYSTEM,
                number,
                service_code="VISITE",
                unit="ward",
                service_date=DAY,
                now=wib(DAY, 12),
            )
    _discharge(db, number, day=9)
    _claim(
        db,
        number,
        cbg_amount=4_000_000,
        cbg_class1_amount=4_000_000,
        upgrade_class="VIP",
        upgrade_days=7,
        upgrade_payer="supplementary_insurance",
    )
    with db.transaction() as session:
        bill = services.compute_bill(session, services.get_encounter(session, SYSTEM, number))
        assert bill.real_cost > 4_000_000 + 3_000_000
        assert bill.upgrade_difference == 3_000_000


def test_contribution_aid_patients_may_not_upgrade(db, patient):
    number = _bpjs_stay(db, patient, pbi=True)
    with pytest.raises(Conflict):
        _claim(
            db, number, upgrade_class="II", cbg_upgraded_amount=3_500_000, upgrade_payer="patient"
        )


def test_a_self_pay_deposit_is_deducted_from_the_discharge_bill(db, patient, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    cashier = person("rsud_cashier")
    with db.transaction() as session:
        deposit = services.take_deposit(session, cashier, number, amount=200_000)
        billing.open_cashier_session(session, cashier, unit_code=HOSPITAL, opening_float=0)
        billing.pay_cash(session, cashier, invoice_number=deposit.invoice_number, amount=200_000)
    _real_cost, share = _discharge(db, number, day=4)
    with db.transaction() as session:
        bill = services.settle_bill(session, cashier, number)
        assert bill.deposits_paid == 200_000 and bill.balance == share - 200_000
        assert billing.invoice_status(session, bill.invoice_number).total == share - 200_000


def test_a_deposit_larger_than_the_bill_leaves_a_refund_due(db, patient, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    cashier = person("rsud_cashier")
    with db.transaction() as session:
        deposit = services.take_deposit(session, cashier, number, amount=1_000_000)
        billing.open_cashier_session(session, cashier, unit_code=HOSPITAL, opening_float=0)
        billing.pay_cash(session, cashier, invoice_number=deposit.invoice_number, amount=1_000_000)
    _real_cost, share = _discharge(db, number, day=3)
    with db.transaction() as session:
        bill = services.settle_bill(session, cashier, number)
        assert bill.invoice_number == "" and bill.refunded == 0
        assert bill.balance == share - 1_000_000 and bill.refund_due == 1_000_000 - share


def test_the_bill_is_settled_only_after_discharge(db, patient, person):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session, pytest.raises(Conflict):
        services.settle_bill(session, person("rsud_cashier"), number)


def test_an_interim_bill_counts_room_days_so_far(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session:
        e = services.get_encounter(session, SYSTEM, number)
        bill = services.compute_bill(session, e, now=wib(DAY.replace(day=4), 12))
        assert not bill.final and bill.by_unit["ward"] == 2 * 150_000


def test_package_vs_real_cost_per_inacbg_code(db, patient, person):
    from pamong_plugins.rsud import services

    first = _bpjs_stay(db, patient)
    _discharge(db, first, day=4)
    _claim(db, first, cbg_amount=3_000_000)
    with db.transaction() as session:
        rows = services.package_vs_cost(session, person("rsud_report"), HOSPITAL, 2026)
        cost = services.get_encounter(session, SYSTEM, first).real_cost
    assert rows == [
        {
            "inacbg_code": "K-1-17-I",
            "claims": 1,
            "package": 3_000_000,
            "real_cost": cost,
            "gain": 3_000_000 - cost,
        }
    ]


def test_a_discharge_home_offers_the_survey_and_a_death_does_not(db, person, patient):
    from pamong_plugins.rsud import services
    from pamong_plugins.rsud.models import RsudEncounter

    home, died = _admit(db, patient()), _admit(db, patient(), bed="MAWAR-02")
    _discharge(db, home)
    _discharge(db, died, status="died_after_48h")
    with db.transaction() as session:
        offered = {}
        for number in (home, died):
            encounter = session.scalar(select(RsudEncounter).where(RsudEncounter.number == number))
            offered[number] = services.survey_of(session, encounter)
        assert offered[died] is None
        invitation = offered[home]
        assert (invitation.service, invitation.completed_on) == ("rsud.care", DAY.replace(day=5))

"""Stays: one open stay per patient, one patient per bed, transfers, discharge, bed board."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from rsud_testing import wib
from sqlalchemy.exc import IntegrityError

from pamong.plugin import Actor, Conflict, InvalidInput

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")
DAY = date(2026, 3, 2)
SYSTEM = Actor.system("test")


def _admit(db, mrn, ward="MAWAR", bed="MAWAR-01", at=None, **kw):
    from pamong_plugins.rsud import services

    with db.transaction() as session:
        return services.open_encounter(
            session,
            SYSTEM,
            mrn=mrn,
            kind="inpatient",
            ward_code=ward,
            bed_code=bed,
            at=at or wib(DAY, 9),
            **kw,
        ).number


def test_an_admission_takes_the_bed_and_charges_registration(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session:
        e = services.get_encounter(session, SYSTEM, number)
        assert e.number.startswith("RI-2026-") and e.bed.status == "occupied"
        assert [c.service_code for c in services.charges_of(session, e)] == ["KARCIS"]


def test_one_open_stay_per_patient(db, patient):
    mrn = patient()
    _admit(db, mrn)
    with pytest.raises(Conflict) as raised:
        _admit(db, mrn, bed="MAWAR-02", at=wib(DAY, 11))
    assert raised.value.slug == "stay-overlaps"


def test_a_stay_overlapping_an_earlier_one_is_refused(db, patient):
    from pamong_plugins.rsud import services

    mrn = patient()
    number = _admit(db, mrn)
    with db.transaction() as session:
        services.discharge(session, SYSTEM, number, status="home", at=wib(DAY.replace(day=5), 10))
    with pytest.raises(Conflict):
        _admit(db, mrn, bed="MAWAR-02", at=wib(DAY.replace(day=4), 10))


def test_two_patients_never_share_a_bed(db, patient):
    _admit(db, patient())
    with pytest.raises(Conflict) as raised:
        _admit(db, patient())
    assert raised.value.slug == "bed-not-free"


def test_the_database_keeps_one_patient_per_bed(db, patient):
    from pamong_plugins.rsud.models import RsudEncounter, RsudSegment

    number = _admit(db, patient())
    with pytest.raises(IntegrityError), db.transaction() as session:
        e = session.query(RsudEncounter).filter_by(number=number).one()
        session.add(
            RsudSegment(
                encounter_id=e.id,
                ward_id=e.ward_id,
                bed_id=e.bed_id,
                klass="III",
                start_at=wib(DAY, 10),
            )
        )
        session.flush()


def test_the_database_keeps_one_open_stay_per_patient(db, patient):
    from pamong_plugins.rsud.models import RsudEncounter

    number = _admit(db, patient())
    with pytest.raises(IntegrityError), db.transaction() as session:
        e = session.query(RsudEncounter).filter_by(number=number).one()
        session.add(
            RsudEncounter(
                number="RI-X",
                patient_id=e.patient_id,
                hospital_id=e.hospital_id,
                kind="inpatient",
                payer="umum",
                admitted_at=wib(DAY, 12),
            )
        )
        session.flush()


def test_a_transfer_to_a_higher_class_moves_bed_and_class(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session:
        e = services.transfer(
            session,
            SYSTEM,
            number,
            ward_code="MELATI",
            bed_code="MELATI-01",
            at=wib(DAY.replace(day=3), 8),
        )
        assert e.klass == "II" and [s.klass for s in e.segments] == ["III", "II"]
        assert e.segments[0].bed.status == "cleaning" and e.bed.status == "occupied"


def test_discharge_before_admission_is_refused(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session, pytest.raises(InvalidInput):
        services.discharge(session, SYSTEM, number, status="home", at=wib(DAY, 8))


def test_a_death_status_must_match_the_hours(db, patient):
    from pamong_plugins.rsud import services

    number = _admit(db, patient())
    with db.transaction() as session, pytest.raises(InvalidInput):
        services.discharge(session, SYSTEM, number, status="died_after_48h", at=wib(DAY, 20))


def test_room_days_follow_the_grace_period():
    from pamong_plugins.rsud.services import room_days

    assert room_days(wib(DAY, 9), wib(DAY, 15), 6) == 1
    assert room_days(wib(DAY, 9), wib(DAY.replace(day=3), 14), 6) == 1  # 29 h
    assert room_days(wib(DAY, 9), wib(DAY.replace(day=3), 16), 6) == 2  # 31 h
    assert room_days(wib(DAY, 9), wib(DAY.replace(day=5), 9), 6) == 3


def test_a_stay_moved_between_classes_charges_each_day_once(db):
    from pamong_plugins.rsud.services import segment_room_days

    def stay(*moments):
        return [(wib(*a), wib(*b)) for a, b in pairwise(moments)]

    next_day, third, fourth = (DAY + timedelta(days=n) for n in (1, 2, 3))
    # Moved up on the morning after admission: the first night in class III.
    assert segment_room_days(stay((DAY, 9), (next_day, 9), (fourth, 10)), 6) == [1, 2]
    # Moved on the day of admission: only the class slept in is charged.
    assert segment_room_days(stay((DAY, 9), (DAY, 14), (third, 10)), 6) == [0, 2]
    # In and out the same day through two wards: one day, in the last class.
    assert segment_room_days(stay((DAY, 8), (DAY, 11), (DAY, 17)), 6) == [0, 1]
    # In just before midnight, out just after the next one: one day in all.
    assert segment_room_days(stay((DAY, 23), (next_day, 12), (third, 0, 30)), 6) == [1, 0]
    assert segment_room_days(stay((DAY, 9), (fourth, 9)), 6) == [3]
    assert segment_room_days([], 6) == []


def test_the_bed_board_shows_free_occupied_and_cleaning(db, patient):
    from pamong_plugins.rsud import services

    first = _admit(db, patient())
    _admit(db, patient(), bed="MAWAR-02")
    with db.transaction() as session:
        services.discharge(session, SYSTEM, first, status="home", at=wib(DAY, 18))
        board = {w["code"]: w for w in services.bed_board(session, SYSTEM, "33.14.01")}
    assert (board["MAWAR"]["free"], board["MAWAR"]["occupied"], board["MAWAR"]["cleaning"]) == (
        2,
        1,
        1,
    )
    with db.transaction() as session:
        services.bed_ready(session, SYSTEM, "33.14.01", "MAWAR", "MAWAR-01")
        board = {w["code"]: w for w in services.bed_board(session, SYSTEM, "33.14.01")}
    assert board["MAWAR"]["free"] == 3

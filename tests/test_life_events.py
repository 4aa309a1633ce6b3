"""Births, deaths and moves as dated events, and the monthly mutation report per desa."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pamong.accounts.permissions import Actor
from pamong.accounts.services import actor_for, get_user
from pamong.audit.models import AuditEntry
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.identity import events
from pamong.identity.models import LifeEvent, Resident
from pamong.identity.synthetic import make_nik
from pamong.runtime import regency_today

SYSTEM = Actor.system("test")
KEDEN = "33.14.01.2001"  # Kalijambe
KEDEN_2 = "33.14.01.2002"
PLUPUH_DESA = "33.14.02.2001"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def session(ctx, db_session):
    return db_session


def officer(session, make_user, unit="33.14.01"):
    user = make_user("registrar", unit)
    return actor_for(get_user(session, user.username))


def newborn(desa=KEDEN, born=None, serial=900):
    born = born or regency_today() - timedelta(days=3)
    return {
        "nik": make_nik(desa.rsplit(".", 1)[0], born, "F", serial),
        "name": "Ayu Lestari",
        "birth_place": "Sragen",
        "birth_date": born,
        "sex": "F",
        "domicile_code": desa,
    }


def test_a_birth_registers_the_child_and_dates_the_event_at_its_desa(session):
    event = events.record_birth(session, SYSTEM, newborn(), note="Akta lahir 12/2026")
    session.commit()
    child = session.get(Resident, event.resident_id)
    assert (event.kind, event.day, event.unit.code) == ("birth", child.birth_date, KEDEN)
    assert child.status == "living"
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "resident.create" in actions and "life_event.birth" in actions


def test_a_death_is_dated_and_refused_before_birth_in_the_future_or_twice(session, make_resident):
    person = make_resident(desa=KEDEN, birth_date=date(1950, 1, 1))
    for day in (date(1949, 12, 31), regency_today() + timedelta(days=1)):
        with pytest.raises(InvalidInput):
            events.record_death(session, SYSTEM, person.nik, day=day)
        session.rollback()
    events.record_death(session, SYSTEM, person.nik, day=date(2026, 11, 3))
    session.commit()
    assert session.get(Resident, person.id).status == "deceased"
    with pytest.raises(Conflict):
        events.record_death(session, SYSTEM, person.nik, day=date(2026, 11, 4))


def test_a_move_within_the_regency_is_out_here_and_in_there(session, make_resident):
    person = make_resident(desa=KEDEN)
    events.record_move(
        session, SYSTEM, person.nik, day=date(2026, 11, 10), to_desa_code=PLUPUH_DESA
    )
    session.commit()
    kinds = [(e.kind, e.unit.code) for e in events.life_events(session, SYSTEM, person.nik)]
    assert kinds == [("move_out", KEDEN), ("move_in", PLUPUH_DESA)]
    assert session.get(Resident, person.id).domicile.code == PLUPUH_DESA


def test_a_move_out_of_the_regency_changes_the_status(session, make_resident):
    person = make_resident(desa=KEDEN)
    events.record_move(session, SYSTEM, person.nik, day=date(2026, 11, 10), to_place="Kota Solo")
    session.commit()
    assert session.get(Resident, person.id).status == "moved_out"


@pytest.mark.parametrize(
    "where",
    [
        {"to_desa_code": "35.78.01.1001"},  # a desa of another regency
        {"to_desa_code": "33.14.01"},  # a kecamatan, not a desa
        {"to_desa_code": KEDEN},  # where they live already
        {},  # nowhere
        {"to_desa_code": KEDEN_2, "to_place": "Solo"},  # both
    ],
)
def test_a_move_to_a_place_that_is_no_destination_is_refused(session, make_resident, where):
    person = make_resident(desa=KEDEN)
    with pytest.raises(InvalidInput):
        events.record_move(session, SYSTEM, person.nik, day=date(2026, 11, 10), **where)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(LifeEvent)) == 0


def test_a_kecamatan_officer_moves_only_within_their_reach(session, make_resident, make_user):
    mine, theirs = make_resident(desa=KEDEN), make_resident(desa=PLUPUH_DESA)
    actor = officer(session, make_user)
    with pytest.raises(NotFound):
        events.record_death(session, actor, theirs.nik, day=date(2026, 11, 1))
    with pytest.raises(Forbidden):
        events.record_move(
            session, actor, mine.nik, day=date(2026, 11, 1), to_desa_code=PLUPUH_DESA
        )
    session.rollback()
    events.record_move(session, actor, mine.nik, day=date(2026, 11, 1), to_desa_code=KEDEN_2)


def test_an_arrival_from_outside_is_a_registration_and_a_move_in(session):
    data = newborn(born=date(1988, 5, 5), serial=901)
    event = events.record_arrival(
        session, SYSTEM, data, day=date(2026, 11, 2), from_place="Kab. Karanganyar"
    )
    assert (event.kind, event.other_place) == ("move_in", "Kab. Karanganyar")
    with pytest.raises(InvalidInput):
        events.record_arrival(
            session, SYSTEM, newborn(serial=902), day=date(2026, 11, 2), from_place=" "
        )


def test_the_monthly_report_balances_for_every_desa(session, make_resident):
    for _ in range(3):
        make_resident(desa=KEDEN)
    leaving = make_resident(desa=KEDEN)
    dying = make_resident(desa=KEDEN_2)
    later = make_resident(desa=KEDEN_2)
    events.record_birth(session, SYSTEM, newborn(born=date(2026, 10, 5), serial=903))
    events.record_move(session, SYSTEM, leaving.nik, day=date(2026, 10, 20), to_desa_code=KEDEN_2)
    events.record_death(session, SYSTEM, dying.nik, day=date(2026, 10, 30))
    events.record_move(session, SYSTEM, later.nik, day=date(2026, 11, 2), to_place="Jakarta")
    session.commit()
    rows = {r.code: r for r in events.mutation_report(session, SYSTEM, "33.14.01", "2026-10")}
    keden, keden2 = rows[KEDEN], rows[KEDEN_2]
    assert (keden.start, keden.births, keden.moved_out, keden.end) == (4, 1, 1, 4)
    # Keden 2: two at the start, one moved in, one died; the November move is not October's.
    assert (keden2.start, keden2.moved_in, keden2.deaths, keden2.end) == (2, 1, 1, 2)
    for row in rows.values():
        assert row.end == row.start + row.births + row.moved_in - row.deaths - row.moved_out
    with pytest.raises(InvalidInput):
        events.mutation_report(session, SYSTEM, "33.14.01", "Oktober")
    with pytest.raises(NotFound):
        events.mutation_report(session, SYSTEM, "99.99", "2026-10")


def test_the_demo_gives_the_mutation_report_something_to_show(app):
    from pamong.demo import run_demo

    run_demo(app, residents=400)
    with app.app_context():
        db = app.extensions["pamong"].db
        with db.transaction() as session:
            last_month = regency_today().replace(day=1) - timedelta(days=1)
            month = last_month.isoformat()[:7]
            rows = events.mutation_report(session, SYSTEM, "33.14", month)
            total = events.total_of(rows, "33.14", "Sragen")
            assert total.births and total.end > 0
            kinds = set(session.scalars(select(LifeEvent.kind)))
    assert kinds == {"birth", "death", "move_in", "move_out"}

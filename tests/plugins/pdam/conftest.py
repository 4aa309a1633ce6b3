"""Fixtures of the PDAM tests: actors with PDAM roles, seeded tariffs, a connection in one call."""

from __future__ import annotations

from datetime import date

import pytest
from pdam_testing import KEDEN, REGENCY

from pamong.accounts import services as accounts
from pamong.plugin import Actor

SYSTEM = Actor.system("test")


@pytest.fixture
def db(app):
    return app.extensions["pamong"].db


@pytest.fixture
def person(app, make_user, db):
    """An Actor holding ``role`` at ``unit`` (for calling services directly)."""

    def make(role: str = "pdam_admin", unit: str = REGENCY):
        user = make_user(role, unit)
        with db.transaction() as session:
            return accounts.actor_for(accounts.load_user(session, user.id))

    return make


@pytest.fixture
def seeded(db):
    """The Karanganyar groups and tariffs (July 2009)."""
    from pamong_plugins.pdam import services

    with db.transaction() as session:
        services.seed_karanganyar(session, SYSTEM, date(2009, 7, 1))


@pytest.fixture
def connection(db, seeded):
    """Make a connection (group R2 in Keden unless told); returns its customer number."""
    from pamong_plugins.pdam import services

    def make(group: str = "R2", desa: str = KEDEN, **kwargs):
        with db.transaction() as session:
            row = services.create_connection(
                session,
                SYSTEM,
                holder_name=kwargs.pop("holder_name", "Budi Santoso"),
                desa_code=desa,
                group_code=group,
                address="RT 01 RW 02",
                connected_on=date(2025, 1, 1),
                **kwargs,
            )
            return row.number

    return make


@pytest.fixture
def read(db):
    """Record readings for a connection: ``read(number, "2026-01", 100)``."""
    from pamong_plugins.pdam import services

    def record(number, period, value, **kwargs):
        with db.transaction() as session:
            reading = services.record_reading(
                session,
                SYSTEM,
                number=number,
                period=period,
                value=value,
                today=kwargs.pop("today", date(2026, 11, 30)),
                **kwargs,
            )
            return reading.status, reading.consumption, reading.problem

    return record

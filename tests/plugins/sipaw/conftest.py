"""Fixtures of the SIPAW tests: the trade office, two markets, the commodity list, people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sipaw_testing import BUNDER, GEMOLONG, KEC_GEMOLONG, KEC_SRAGEN, OFFICE

from pamong.accounts import services as accounts


@pytest.fixture
def db(app):
    return app.extensions["pamong"].db


@pytest.fixture
def markets(app, db, make_org_unit):
    """The trade office with Pasar Bunder and Pasar Gemolong, and the PIHPS/SP2KP list."""
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services

    make_org_unit(OFFICE, "Dinas Perdagangan", "skpd")
    with app.app_context(), db.transaction() as session:
        services.ensure_commodities(session)
        system = Actor.system("test")
        services.add_market(
            session,
            system,
            code=BUNDER,
            name="Pasar Bunder",
            kecamatan_code=KEC_SRAGEN,
            latitude=-7.43,
            longitude=111.02,
        )
        services.add_market(
            session, system, code=GEMOLONG, name="Pasar Gemolong", kecamatan_code=KEC_GEMOLONG
        )
    return (BUNDER, GEMOLONG)


@pytest.fixture
def person(app, make_user, db):
    """An Actor holding ``role`` at ``unit`` (for calling services directly)."""

    def make(role: str, unit: str):
        user = make_user(role, unit)
        with db.transaction() as session:
            return accounts.actor_for(accounts.load_user(session, user.id))

    return make


@pytest.fixture
def enter(app, db):
    """Record observations as the system: ``enter(market, day, [(commodity, price), ...])``."""
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services

    def run(market, day, pairs, **extra):
        entries = [{"commodity": c, "price": p, **extra} for c, p in pairs]
        with app.app_context(), db.transaction() as session:
            return len(
                services.record_observations(
                    session, Actor.system("test"), market_code=market, day=day, entries=entries
                )
            )

    return run


@pytest.fixture
def publish(app, db):
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services

    def run(day, note=""):
        with app.app_context(), db.transaction() as session:
            return services.publish_day(session, Actor.system("test"), day, note=note)

    return run


@pytest.fixture
def today(app):
    from pamong.plugin import regency_today

    with app.app_context():
        return regency_today()


@pytest.fixture
def days(today):
    """Three working days ending yesterday-ish: (d1, d2, d3), all before today."""
    out, day = [], today - timedelta(days=1)
    while len(out) < 3:
        if day.weekday() < 5:
            out.append(day)
        day -= timedelta(days=1)
    return tuple(reversed(out))

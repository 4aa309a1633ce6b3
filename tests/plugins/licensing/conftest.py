"""Shared fixtures of the licensing tests: a catalogue and staff actors."""

from __future__ import annotations

from datetime import date

import pytest

from pamong.accounts.permissions import Actor
from pamong.accounts.services import actor_for, load_user


@pytest.fixture
def catalogue(app, make_org_unit):
    """The typical catalogue, a BPT office, and IMB delegated to kecamatan."""
    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.catalogue import typical_rows

    make_org_unit("33.14-BPT", "Badan Pelayanan Terpadu", "skpd", "33.14")
    with app.extensions["pamong"].db.transaction() as session:
        system = Actor.system("test")
        services.import_catalogue(session, system, typical_rows())
        services.save_signatory(
            session,
            system,
            "33.14",
            {"name": "Ir. Kepala Dinas", "nip": "197001012000031001", "position": "Kepala DPMPTSP"},
        )
        services.add_delegation(
            session,
            system,
            services.get_service_type(session, "IMB"),
            decree_number="Perbup Sragen 12/2010",
            effective_on=date(2010, 7, 1),
        )
    return app


@pytest.fixture
def actor_of(app, make_user):
    """A fresh staff actor holding ``role`` at ``unit``."""

    def make(role: str, unit: str = "33.14") -> Actor:
        user = make_user(role, unit)
        with app.extensions["pamong"].db.transaction() as session:
            return actor_for(load_user(session, user.id))

    return make

"""Fixtures of the rsud tests: a hospital with wards and a tariff master, people by role."""

from __future__ import annotations

import pytest
from rsud_testing import DECREE_DAY, HOSPITAL, TARIFFS

from pamong.accounts import services as accounts
from pamong.plugin import Actor


@pytest.fixture
def db(app):
    return app.extensions["pamong"].db


@pytest.fixture
def person(app, make_user, db):
    """An Actor holding ``role`` at ``unit`` (for calling services directly)."""

    def make(role: str = "rsud_registration", unit: str = HOSPITAL):
        user = make_user(role, unit)
        with db.transaction() as session:
            return accounts.actor_for(accounts.load_user(session, user.id))

    return make


@pytest.fixture
def hospital(db):
    """Wards (class III, II, I, VIP) with beds and one Perda/Perbup tariff master."""
    from pamong_plugins.rsud import services

    system = Actor.system("test")
    with db.transaction() as session:
        for code, name, klass, beds in (
            ("MAWAR", "Bangsal Mawar", "III", 4),
            ("MELATI", "Bangsal Melati", "II", 3),
            ("ANGGREK", "Bangsal Anggrek", "I", 2),
            ("WK", "Paviliun Wijayakusuma", "VIP", 2),
        ):
            services.add_ward(
                session,
                system,
                hospital_code=HOSPITAL,
                code=code,
                name=name,
                klass=klass,
                beds=beds,
                in_service_from=DECREE_DAY,
            )
        services.add_decree(
            session,
            system,
            hospital_code=HOSPITAL,
            number="Perbup Sragen 12/2025",
            basis="perbup",
            valid_from=DECREE_DAY,
        )
        for code, name, unit, per, bucket, prices in TARIFFS:
            for klass, (sarana, medis, paramedis) in prices.items():
                services.add_tariff(
                    session,
                    system,
                    hospital_code=HOSPITAL,
                    decree_number="Perbup Sragen 12/2025",
                    service_code=code,
                    name=name,
                    unit=unit,
                    klass=klass,
                    per=per,
                    bucket=bucket,
                    jasa_sarana=sarana,
                    jasa_medis=medis,
                    jasa_paramedis=paramedis,
                )
    return HOSPITAL


@pytest.fixture
def patient(db, person, hospital):
    """Register a patient (out-of-regency by default) and return its No. RM."""
    from pamong_plugins.rsud import services

    desk = person("rsud_registration")
    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        data = {"name": f"Pasien {n}", "sex": "F", "payer": "umum"}
        data.update(fields)
        with db.transaction() as session:
            return services.register_patient(session, desk, hospital_code=hospital, **data).mrn

    return make

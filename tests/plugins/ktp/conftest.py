"""Fixtures of the KTP tests: an officer at a kecamatan, and the counter flow in one call."""

from __future__ import annotations

import pytest
from ktp_testing import BLUE, KALIJAMBE, RED, image_bytes

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor


@pytest.fixture
def officer_at(app, make_user):
    """An Actor holding ``role`` at ``unit`` (for calling services directly)."""

    def make(unit: str = KALIJAMBE, role: str = "ktp_officer") -> Actor:
        user = make_user(role, unit)
        with app.extensions["pamong"].db.transaction() as session:
            return accounts.actor_for(accounts.load_user(session, user.id))

    return make


@pytest.fixture
def serve(app):
    """Run the counter flow for a resident up to ``stop``; returns the application id."""
    from pamong_plugins.ktp import services

    def run(actor, resident, stop="collected", reason="new", cause=None, year=None) -> int:
        db = app.extensions["pamong"].db
        with db.transaction() as session:
            application = services.apply(
                session,
                actor,
                nik=resident.nik,
                kecamatan_code=KALIJAMBE,
                reason=reason,
                replacement_cause=cause,
            )
            app_id = application.id
        steps = ["checked", "captured", "printed", "collected"]
        for step in steps[: steps.index(stop) + 1] if stop in steps else []:
            with db.transaction() as session:
                if step == "checked":
                    services.check_biodata(session, actor, app_id)
                elif step == "captured":
                    odd = (year or resident.birth_date.year) % 2
                    services.capture(
                        session,
                        actor,
                        app_id,
                        photo=image_bytes(RED if odd else BLUE),
                        signature=image_bytes((255, 255, 255), "PNG", (400, 160)),
                    )
                elif step == "printed":
                    services.print_card(session, actor, app_id)
                else:
                    services.hand_over(session, actor, app_id, collected_by=resident.name)
        return app_id

    return run

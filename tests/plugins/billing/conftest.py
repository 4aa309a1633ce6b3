"""Fixtures of the billing tests: people with billing roles, invoices made in one call."""

from __future__ import annotations

import itertools

import pytest
from billing_testing import KALIJAMBE

from pamong.accounts import services as accounts

_refs = itertools.count(1)


@pytest.fixture
def db(app):
    return app.extensions["pamong"].db


@pytest.fixture
def person(app, make_user, db):
    """An Actor holding ``role`` at ``unit`` (for calling services directly)."""

    def make(role: str = "billing_cashier", unit: str = KALIJAMBE):
        user = make_user(role, unit)
        with db.transaction() as session:
            return accounts.actor_for(accounts.load_user(session, user.id))

    return make


@pytest.fixture
def invoice(db):
    """Issue an invoice through the public API; returns its InvoiceInfo."""
    from pamong.plugin import Actor
    from pamong_plugins.billing.services import Line, Payer, create_invoice

    def make(*amounts: int, unit: str = KALIJAMBE, source: str = "test", **kwargs):
        lines = kwargs.pop("lines", None) or [
            Line(f"Retribusi {n}", amount) for n, amount in enumerate(amounts or (50_000,), 1)
        ]
        with db.transaction() as session:
            return create_invoice(
                session,
                Actor.system("test"),
                source=source,
                reference=kwargs.pop("reference", f"test:{next(_refs)}"),
                unit_code=unit,
                payer=kwargs.pop("payer", Payer("resident", "Budi Santoso", "resident:1")),
                lines=lines,
                **kwargs,
            )

    return make


@pytest.fixture
def cashier(person, db):
    """A cashier at Kalijambe with an open session (float Rp100.000)."""
    from pamong_plugins.billing import services

    actor = person("billing_cashier", KALIJAMBE)
    with db.transaction() as session:
        services.open_cashier_session(session, actor, unit_code=KALIJAMBE, opening_float=100_000)
    return actor

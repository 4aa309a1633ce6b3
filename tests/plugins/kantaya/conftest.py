"""Fixtures of the Kantaya tests: actors at units, and a KTP application recorded today."""

from __future__ import annotations

import pytest

from pamong.accounts import services as accounts


@pytest.fixture
def actor_at(app, make_user):
    """An Actor holding ``role`` at ``unit`` (for calling services directly)."""

    def make(role: str, unit: str, username: str | None = None):
        user = make_user(role, unit, username=username)
        with app.extensions["pamong"].db.transaction() as session:
            return accounts.actor_for(accounts.load_user(session, user.id))

    return make

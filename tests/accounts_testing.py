"""Helpers for the account tests: one app per module, accounts with unique names.

Building an instance (the Sragen tree, roles, schema) costs seconds, so
these modules share one app; every test makes its own accounts and
residents and never depends on what another test left behind.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from sqlalchemy import select

from pamong.accounts import services
from pamong.accounts.models import Role
from pamong.accounts.permissions import Actor
from pamong.orgunits.services import get_unit
from pamong.testing import TEST_PASSWORD

SYSTEM = Actor.system("test")
KALIJAMBE, PLUPUH, SRAGEN = "33.14.01", "33.14.02", "33.14"
KEDEN = "33.14.01.2001"  # a desa in Kalijambe
PLUPUH_DESA = "33.14.02.2001"
#: A role that manages accounts but holds only one other permission.
USER_MANAGER = "user_manager"
_names = itertools.count(1)


def ensure_user_manager_role(app: Any) -> None:
    with app.extensions["pamong"].db.transaction() as session:
        if session.scalar(select(Role.id).where(Role.name == USER_MANAGER)) is None:
            session.add(
                Role(
                    name=USER_MANAGER,
                    title="User manager",
                    permissions=["core.users.manage", "core.residents.view"],
                )
            )


def account(
    app: Any, *grants: str, email: str | None = None, home: str | None = None, prefix: str = "u"
) -> Any:
    """A new account holding ``ROLE@UNIT`` grants (none: an account without roles)."""
    name = f"{prefix}{next(_names)}"
    with app.extensions["pamong"].db.transaction() as session:
        user = services.create_user(
            session,
            SYSTEM,
            username=name,
            password=TEST_PASSWORD,
            full_name=name.title(),
            email=email,
            unit=get_unit(session, home) if home else None,
        )
        for spec in grants:
            role, _, unit = spec.partition("@")
            services.assign_role(
                session, SYSTEM, user, services.get_role(session, role), get_unit(session, unit)
            )
    return user


def actor_of(app: Any, user: Any) -> Actor:
    with app.extensions["pamong"].db.session() as session:
        return services.actor_for(services.load_user(session, user.id))


def bearer_of(app: Any, user: Any) -> dict[str, str]:
    with app.extensions["pamong"].db.transaction() as session:
        _token, plain = services.create_token(session, SYSTEM, session.merge(user), "test")
    return {"Authorization": f"Bearer {plain}"}


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client: Any, user: Any, password: str = TEST_PASSWORD) -> Any:
    """Log in through the login form, as a person does."""
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": user.username, "password": password, "csrf_token": token}
    )


def page_token(client: Any, path: str = "/staff/users") -> str:
    return csrf(client.get(path).get_data(as_text=True))

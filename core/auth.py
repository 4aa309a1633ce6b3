"""Who is calling: a logged-in staff member (web) or a bearer token (API)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import g, request
from flask_login import AnonymousUserMixin, UserMixin, current_user

from pamong.accounts.permissions import Actor
from pamong.accounts.services import actor_for, load_user, user_for_token
from pamong.db import get_session
from pamong.errors import Forbidden, Unauthorized
from pamong.i18n import gettext as _


class SessionUser(UserMixin):
    """The Flask-Login user: a staff account with its grants, loaded per request."""

    def __init__(self, user_id: int, username: str, full_name: str, actor: Actor) -> None:
        self.id = user_id
        self.username = username
        self.full_name = full_name
        self.actor = actor

    def can(self, permission: str, unit: Any = None) -> bool:
        return self.actor.can(permission, unit)


class AnonymousUser(AnonymousUserMixin):
    actor = None

    def can(self, permission: str, unit: Any = None) -> bool:
        return False


def client_ip() -> str | None:
    return request.remote_addr


def load_session_user(user_id: str) -> SessionUser | None:
    """Flask-Login's user loader."""
    try:
        uid = int(user_id)
    except ValueError:
        return None
    user = load_user(get_session(), uid)
    if user is None or not user.is_active:
        return None
    return SessionUser(user.id, user.username, user.full_name, actor_for(user, ip=client_ip()))


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_actor(optional: bool = False) -> Actor | None:
    """The actor behind the request's bearer token; 401 without a valid one."""
    if "pamong_actor" in g:
        return g.pamong_actor
    token = bearer_token()
    actor = None
    if token:
        session = get_session()
        user = user_for_token(session, token)
        if user is not None:
            session.commit()  # last_used_at
            actor = actor_for(load_user(session, user.id), ip=client_ip())  # type: ignore[arg-type]
    if actor is None and not optional:
        raise Unauthorized(_("A valid bearer token is required."))
    g.pamong_actor = actor
    return actor


def web_actor() -> Actor:
    """The logged-in staff member of a page request; 401 when nobody is logged in."""
    if not current_user.is_authenticated:
        raise Unauthorized(_("Please log in."))
    return current_user.actor


def require(actor: Actor, permission: str) -> None:
    """Refuse (403) unless the actor holds ``permission`` at some unit."""
    if not actor.can(permission):
        raise Forbidden(
            _("You need the permission %(permission)s.", permission=repr(permission)),
            permission=permission,
        )


def token_required(view: Any) -> Any:
    """Authenticate an API view before its arguments are parsed.

    Place it right below ``@blp.route``: a request without a valid token
    gets 401 even when its query or body is also wrong.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        api_actor()
        return view(*args, **kwargs)

    return wrapper

"""Who is calling: a logged-in staff member (web) or a bearer token (API)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import request
from flask_login import AnonymousUserMixin, UserMixin, current_user

from pamong.accounts.permissions import Actor
from pamong.accounts.services import TOKEN_PREFIX, actor_for, actor_for_token
from pamong.accounts.sessions import session_user
from pamong.audit.services import INVALID_TOKEN, record_security_event
from pamong.db import get_session
from pamong.errors import Forbidden, Unauthorized
from pamong.i18n import gettext as _
from pamong.web.security import current_request_id

#: Who the audit log names when nobody is logged in.
ANONYMOUS = "anonymous"


class SessionUser(UserMixin):
    """The Flask-Login user: a staff account with its grants, loaded per request.

    Its Flask-Login id is the token of its server-side session
    (:mod:`pamong.accounts.sessions`), not the user id: the cookie is good
    only while that session is open.
    """

    def __init__(
        self,
        user_id: int,
        username: str,
        full_name: str,
        actor: Actor,
        session_token: str,
        roles: tuple[tuple[Any, Any], ...] = (),
    ) -> None:
        self.id = user_id
        self.username = username
        self.full_name = full_name
        self.actor = actor
        self.session_token = session_token
        #: (Role, OrgUnit) of each of the user's role assignments, as loaded with them.
        self.roles = roles

    def get_id(self) -> str:
        return self.session_token

    def can(self, permission: str, unit: Any = None) -> bool:
        return self.actor.can(permission, unit)


class AnonymousUser(AnonymousUserMixin):
    actor = None

    def can(self, permission: str, unit: Any = None) -> bool:
        return False


def client_ip() -> str | None:
    return request.remote_addr


def load_session_user(session_token: str) -> SessionUser | None:
    """Flask-Login's user loader: the user of an open server-side session."""
    user = session_user(get_session(), session_token)
    if user is None or not user.is_active:
        return None
    actor = actor_for(user, ip=client_ip(), request_id=current_request_id())
    roles = tuple((a.role, a.org_unit) for a in user.assignments)
    return SessionUser(user.id, user.username, user.full_name, actor, session_token, roles)


def anonymous_actor(label: str = ANONYMOUS) -> Actor:
    """An actor without grants for audit entries of unauthenticated requests."""
    return Actor(username=label, ip=client_ip(), request_id=current_request_id())


def request_actor() -> Actor:
    """Whoever the current request is from: a staff session, a bearer token, or nobody."""
    actor = request.environ.get(_ACTOR_KEY)
    if actor is not None:
        return actor
    if current_user.is_authenticated:
        return current_user.actor
    return anonymous_actor()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


#: Where the bearer token's actor is kept for the rest of the request. Not on ``g``:
#: ``g`` belongs to the app context, which outlives a request when a caller (a test,
#: a job) holds one open, and the next request would inherit the previous caller.
_ACTOR_KEY = "pamong.actor"


def api_actor(optional: bool = False) -> Actor | None:
    """The actor behind the request's bearer token; 401 without a valid one."""
    if _ACTOR_KEY in request.environ:
        return request.environ[_ACTOR_KEY]
    token = bearer_token()
    actor = None
    if token:
        session = get_session()
        actor, used = actor_for_token(  # the user and grants, in one query
            session, token, ip=client_ip(), request_id=current_request_id()
        )
        if used:
            session.commit()  # last_used_at, written at most every 5 minutes
        if actor is None:
            _record_invalid_token(session, token)
    if actor is None and not optional:
        raise Unauthorized(_("A valid bearer token is required."))
    request.environ[_ACTOR_KEY] = actor
    return actor


def _record_invalid_token(session: Any, token: str) -> None:
    # The prefix is stored with every token and shown in listings: not a secret.
    shown = token[:10] if token.startswith(TOKEN_PREFIX) else ""
    record_security_event(
        session,
        anonymous_actor(),
        INVALID_TOKEN,
        object_type="api_token",
        object_id=shown or None,
        kind="bearer",
        path=request.path[:200],
    )
    session.commit()


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

"""REST: staff users, roles and API tokens."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import current_app
from sqlalchemy import select

from pamong import ratelimit
from pamong.accounts import reset, services
from pamong.accounts.links import reset_link, reset_requested_message
from pamong.accounts.models import ApiToken, Role
from pamong.accounts.schemas import (
    AcceptedSchema,
    GrantCreateSchema,
    NewTokenSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    PasswordSetSchema,
    RoleSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
)
from pamong.auth import api_actor, client_ip, require, token_required
from pamong.db import get_session
from pamong.orgunits.services import get_unit
from pamong.rest import API_PREFIX, BEARER, Blueprint
from pamong.web.roles import role_title

blp = Blueprint(
    "accounts_api",
    __name__,
    url_prefix=API_PREFIX,
    description="Staff users, roles at org units, and API tokens",
)
MANAGE = "core.users.manage"
_TOKEN_FIELDS = ("id", "name", "prefix", "user", "created_at", "last_used_at", "revoked_at")


@blp.route("/users")
@token_required
@blp.response(200, UserSchema(many=True))
@blp.doc(security=BEARER)
def list_users():
    """The staff accounts the caller manages, with their grants.

    A manager below the regency sees only accounts whose every grant lies
    in their subtrees (and accounts without grants created there).
    """
    actor = api_actor()
    require(actor, MANAGE)
    return list(get_session().scalars(services.managed_users_query(actor)))


@blp.route("/users", methods=["POST"])
@token_required
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Username taken")
def create_user(data: dict[str, Any]):
    """Create a staff user at an org unit in the caller's scope (grant roles separately)."""
    session = get_session()
    code = data.pop("org_unit")
    unit = get_unit(session, code) if code else None
    user = services.create_user(session, api_actor(), **data, unit=unit)
    session.commit()
    return user


@blp.route("/users/<username>")
@token_required
@blp.response(200, UserSchema)
@blp.doc(security=BEARER)
@blp.alt_response(404, description="Unknown user, or outside the caller's scope")
def get_user(username: str):
    """One staff account: the caller's own or one they manage."""
    return services.get_managed_user(get_session(), api_actor(), username)


@blp.route("/users/<username>/grants", methods=["POST"])
@token_required
@blp.arguments(GrantCreateSchema)
@blp.response(201, UserSchema)
@blp.doc(security=BEARER)
def grant_role(data: dict[str, Any], username: str):
    """Grant a role to a user at an org unit and its subtree.

    The caller needs ``core.users.manage`` at the unit and must hold there
    every permission of the role; nobody grants roles to themselves.
    """
    actor = api_actor()
    require(actor, MANAGE)
    session = get_session()
    user = services.get_managed_user(session, actor, username)
    services.assign_role(
        session,
        actor,
        user,
        services.get_role(session, data["role"]),
        get_unit(session, data["org_unit"]),
    )
    session.commit()
    return user


@blp.route("/users/<username>/grants/<role>/<org_unit>", methods=["DELETE"])
@token_required
@blp.response(200, UserSchema)
@blp.doc(security=BEARER)
@blp.alt_response(404, description="Unknown user or grant, or outside the caller's scope")
def revoke_role(username: str, role: str, org_unit: str):
    """Take back a role granted at an org unit."""
    actor = api_actor()
    require(actor, MANAGE)
    session = get_session()
    user = services.get_managed_user(session, actor, username)
    services.revoke_role(
        session, actor, user, services.get_role(session, role), get_unit(session, org_unit)
    )
    session.commit()
    return user


@blp.route("/users/<username>/deactivate", methods=["POST"])
@token_required
@blp.response(200, UserSchema)
@blp.doc(security=BEARER)
def deactivate_user(username: str):
    """Switch an account off: its logins, sessions and API tokens stop at once."""
    actor = api_actor()
    require(actor, MANAGE)
    session = get_session()
    user = services.deactivate_user(
        session, actor, services.get_managed_user(session, actor, username)
    )
    session.commit()
    return user


@blp.route("/users/<username>/reactivate", methods=["POST"])
@token_required
@blp.response(200, UserSchema)
@blp.doc(security=BEARER)
def reactivate_user(username: str):
    """Switch an account on again (its old API tokens stay revoked)."""
    actor = api_actor()
    require(actor, MANAGE)
    session = get_session()
    user = services.reactivate_user(
        session, actor, services.get_managed_user(session, actor, username)
    )
    session.commit()
    return user


@blp.route("/users/<username>/password", methods=["PUT"])
@token_required
@blp.arguments(PasswordSetSchema)
@blp.response(204)
@blp.doc(security=BEARER)
def set_user_password(data: dict[str, Any], username: str):
    """Give another account a new password (a manager who may act as that account)."""
    actor = api_actor()
    require(actor, MANAGE)
    session = get_session()
    user = services.get_managed_user(session, actor, username)
    services.admin_set_password(session, actor, user, data["password"])
    session.commit()


@blp.route("/users/<username>/tokens")
@token_required
@blp.response(200, TokenSchema(many=True))
@blp.doc(security=BEARER)
def list_user_tokens(username: str):
    """An account's API tokens (prefixes only), for its owner or manager."""
    actor = api_actor()
    session = get_session()
    return services.user_tokens(session, actor, services.get_managed_user(session, actor, username))


@blp.route("/password-reset", methods=["POST"])
@ratelimit.public
@blp.arguments(PasswordResetRequestSchema)
@blp.response(202, AcceptedSchema)
@blp.alt_response(429, description="Too many requests from this address")
def request_password_reset(data: dict[str, Any]):
    """Forgotten password: e-mail a one-time reset link. No login.

    The answer is the same whether or not the account exists.
    """
    session = get_session()
    reset.request_password_reset(
        session,
        data["login"],
        link_for=reset_link,
        valid_minutes=current_app.extensions["pamong"].settings.password_reset_minutes,
        ip=client_ip(),
    )
    session.commit()
    return {"detail": reset_requested_message()}


@blp.route("/password-reset/confirm", methods=["POST"])
@ratelimit.public
@blp.arguments(PasswordResetConfirmSchema)
@blp.response(204)
@blp.alt_response(422, description="The link is invalid, used or expired, or the password weak")
@blp.alt_response(429, description="Too many requests from this address")
def confirm_password_reset(data: dict[str, Any]):
    """Set a new password with the token from an e-mailed reset link. No login."""
    session = get_session()
    reset.reset_password_with_link(session, data["token"], data["password"], ip=client_ip())
    session.commit()


@blp.route("/roles")
@token_required
@blp.response(200, RoleSchema(many=True))
@blp.doc(security=BEARER)
def list_roles():
    """Roles and the permissions each grants; titles in the request's language."""
    api_actor()
    roles = get_session().scalars(select(Role).order_by(Role.name))
    return [
        SimpleNamespace(name=r.name, title=role_title(r), permissions=r.permissions) for r in roles
    ]


@blp.route("/tokens")
@token_required
@blp.response(200, TokenSchema(many=True))
@blp.doc(security=BEARER)
def list_tokens():
    """The caller's own tokens (never the token itself, only its prefix)."""
    actor = api_actor()
    stmt = select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)
    return list(get_session().scalars(stmt))


@blp.route("/tokens", methods=["POST"])
@token_required
@blp.arguments(TokenCreateSchema, required=False)
@blp.response(201, NewTokenSchema)
@blp.doc(security=BEARER)
def create_token(data: dict[str, Any]):
    """Create a token for the caller (or, for user managers, an account they may act as)."""
    actor = api_actor()
    session = get_session()
    username = data.get("username") or actor.username
    user = services.get_managed_user(session, actor, username)
    token, plain = services.create_token(session, actor, user, data["name"])
    session.commit()
    # The plain token exists only in this response; the database keeps its hash.
    return SimpleNamespace(**{f: getattr(token, f) for f in _TOKEN_FIELDS}, token=plain)


@blp.route("/tokens/<id:token_id>", methods=["DELETE"])
@token_required
@blp.response(204)
@blp.doc(security=BEARER)
def revoke_token(token_id: int):
    """Revoke a token; it stops working at once."""
    session = get_session()
    services.revoke_token(session, api_actor(), token_id)
    session.commit()

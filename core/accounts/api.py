"""REST: staff users, roles and API tokens."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pamong.accounts import services
from pamong.accounts.models import ApiToken, Role, User
from pamong.accounts.schemas import (
    GrantCreateSchema,
    NewTokenSchema,
    RoleSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
)
from pamong.auth import api_actor, require, token_required
from pamong.db import get_session
from pamong.orgunits.services import get_unit
from pamong.rest import API_PREFIX, BEARER, Blueprint

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
    """Every staff user with their grants."""
    require(api_actor(), MANAGE)
    stmt = select(User).options(selectinload(User.assignments)).order_by(User.username)
    return list(get_session().scalars(stmt))


@blp.route("/users", methods=["POST"])
@token_required
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Username taken")
def create_user(data: dict[str, Any]):
    """Create a staff user (grant roles separately)."""
    session = get_session()
    user = services.create_user(session, api_actor(), **data)
    session.commit()
    return user


@blp.route("/users/<username>")
@token_required
@blp.response(200, UserSchema)
@blp.doc(security=BEARER)
def get_user(username: str):
    """One staff user."""
    actor = api_actor()
    session = get_session()
    user = services.get_user(session, username)
    if user.id != actor.user_id:
        require(actor, MANAGE)
    return user


@blp.route("/users/<username>/grants", methods=["POST"])
@token_required
@blp.arguments(GrantCreateSchema)
@blp.response(201, UserSchema)
@blp.doc(security=BEARER)
def grant_role(data: dict[str, Any], username: str):
    """Grant a role to a user at an org unit and its subtree."""
    actor = api_actor()
    session = get_session()
    user = services.get_user(session, username)
    require(actor, MANAGE)
    services.assign_role(
        session,
        actor,
        user,
        services.get_role(session, data["role"]),
        get_unit(session, data["org_unit"]),
    )
    session.commit()
    return user


@blp.route("/roles")
@token_required
@blp.response(200, RoleSchema(many=True))
@blp.doc(security=BEARER)
def list_roles():
    """Roles and the permissions each grants."""
    api_actor()
    return list(get_session().scalars(select(Role).order_by(Role.name)))


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
    """Create a token for the caller (or, for user managers, another user)."""
    actor = api_actor()
    session = get_session()
    username = data.get("username") or actor.username
    user = services.get_user(session, username)
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

"""Staff accounts: passwords (argon2), roles at org units, API tokens."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from pamong.accounts.models import ApiToken, PasswordResetToken, Role, RoleAssignment, User
from pamong.accounts.permissions import Actor, Grant, grants_from
from pamong.accounts.scope import (
    MANAGE,
    covers,
    holds_all,
    in_scope,
    is_regency_wide,
    managed_users_filter,
)
from pamong.accounts.sessions import end_user_sessions
from pamong.audit.services import record
from pamong.db import HotQuery, utcnow
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from pamong.hooks import RoleTemplate
from pamong.i18n import N_
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit

_hasher = PasswordHasher()
TOKEN_PREFIX = "pmg_"
MIN_PASSWORD_LENGTH = 10
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,63}$")

#: Roles every instance starts with; plugins add theirs via pamong_register_roles.
CORE_ROLES = (
    RoleTemplate("admin", N_("Administrator"), ("*",)),
    RoleTemplate(
        "registrar",
        N_("Registry officer"),
        (
            "core.residents.view",
            "core.residents.personal",
            "core.residents.register",
            "core.residents.import",
            "core.duplicates.review",
            "core.messages.send",
        ),
    ),
    RoleTemplate("viewer", N_("Viewer"), ("core.residents.view",)),
    RoleTemplate("auditor", N_("Auditor"), ("core.audit.view", "core.residents.view")),
)


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that a
    missing user takes as long as a wrong password. Computed on first use
    (about 0.1 s), not at import: ``pamong --help`` needs none."""
    return _hasher.hash("pamong-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("A password needs at least %(length)s characters.", length=MIN_PASSWORD_LENGTH),
            slug="weak-password",
        )


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    full_name: str = "",
    email: str | None = None,
    unit: OrgUnit | None = None,
) -> User:
    """Create a staff account at ``unit`` (see :mod:`pamong.accounts.scope`).

    A manager below the regency who names no unit creates the account at
    the unit where they manage users, if that is one unit.
    """
    if not actor.can(MANAGE):
        raise Forbidden(_("You may not create users."))
    if unit is not None and not actor.can(MANAGE, unit):
        raise Forbidden(_("You may not create users at this unit."))
    if unit is None and not is_regency_wide(actor):
        paths = actor.scope_paths(MANAGE)
        if len(paths) == 1:
            unit = session.scalar(select(OrgUnit).where(OrgUnit.path == paths[0]))
        if unit is None:
            raise InvalidInput(
                _("Choose the org unit the account belongs to."),
                slug="unit-required",
                field="org_unit",
            )
    username = username.strip().lower()
    if not _USERNAME_RE.match(username):
        raise InvalidInput(
            _("A username is 2-64 lower-case letters, digits, dots, dashes or underscores."),
            slug="invalid-username",
        )
    check_password_strength(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("User %(username)s exists.", username=repr(username)), slug="user-exists")
    user = User(
        username=username,
        full_name=full_name,
        email=email or None,
        password_hash=hash_password(password),
        home_unit_id=unit.id if unit is not None else None,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        "user",
        username,
        org_unit_id=unit.id if unit is not None else None,
    )
    return user


def _no_such_user(username: str) -> NotFound:
    return NotFound(_("No user %(username)s.", username=repr(username)), slug="user-not-found")


def get_user(session: Session, username: str) -> User:
    """The account with this username, unscoped (for the CLI and the system)."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise _no_such_user(username)
    return user


def get_managed_user(session: Session, actor: Actor, username: str) -> User:
    """The account if ``actor`` may see it: themselves or an account in scope.

    Outside the scope the answer is the same 404 as for an unknown username.
    """
    user = session.scalar(
        select(User)
        .options(selectinload(User.assignments))
        .where(User.username == username.strip().lower())
    )
    if user is None or not (user.id == actor.user_id or in_scope(session, actor, user)):
        raise _no_such_user(username)
    return user


def managed_users_query(actor: Actor) -> Select[tuple[User]]:
    """The accounts ``actor`` manages, by username; none without ``core.users.manage``."""
    return (
        select(User)
        .options(selectinload(User.assignments))
        .where(managed_users_filter(actor))
        .order_by(User.username)
    )


def _require_in_scope(session: Session, actor: Actor, user: User) -> None:
    """404 unless ``actor`` manages ``user`` (a manager's own account is not in scope)."""
    if actor.is_system:
        return
    if not actor.can(MANAGE) or not in_scope(session, actor, user):
        raise _no_such_user(user.username)


def _require_not_self(actor: Actor, user: User, message: str) -> None:
    if not actor.is_system and actor.user_id == user.id:
        raise Forbidden(message, slug="own-account")


def _require_may_act_as(session: Session, actor: Actor, user: User) -> None:
    """Acting as ``user`` (a token, a password) needs scope and every permission it holds."""
    _require_in_scope(session, actor, user)
    if not covers(actor, user):
        raise Forbidden(
            _("This account holds permissions you do not hold; ask a higher administrator."),
            slug="account-outranks",
        )


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this username and password, else :class:`Unauthorized`.

    An unknown username, a wrong password, a disabled account and one an
    administrator locked all raise the same error after the same argon2
    work (an unknown user is checked against a dummy hash), so neither the
    answer nor its timing tells whether an account exists. Repeated
    failures are slowed down by the caller (:mod:`pamong.ratelimit`), never
    by locking the account: that would let anyone lock the administrator out.
    """
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    now = utcnow()
    try:
        _hasher.verify(user.password_hash if user is not None else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        user = None
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    if user is None or not user.is_active or locked:
        raise Unauthorized(_("Wrong username or password."), slug="bad-credentials")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_login_at = now
    return user


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    """The one place a password is set: by its owner, the system or an entitled manager."""
    if actor.user_id != user.id and not actor.is_system:
        _require_in_scope(session, actor, user)
        if not covers(actor, user):
            raise Forbidden(_("You may not change this password."), slug="account-outranks")
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    # Whoever set it, a new password ends every login session of the account.
    end_user_sessions(session, user)
    record(session, actor, "user.set_password", "user", user.username)


def change_own_password(session: Session, actor: Actor, user: User, current: str, new: str) -> None:
    """A user changes their own password, proving the current one first."""
    if actor.user_id != user.id:
        raise Forbidden(_("You may not change this password."))
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput(
            _("The current password is wrong."), slug="wrong-password", field="current_password"
        ) from None
    set_password(session, actor, user, new)


def ensure_roles(session: Session, templates: Iterable[RoleTemplate]) -> int:
    """Create missing roles from templates; existing roles are left as admins edited them."""
    existing = set(session.scalars(select(Role.name)))
    created = 0
    for template in templates:
        if template.name not in existing:
            session.add(
                Role(
                    name=template.name,
                    title=str(template.title),
                    permissions=list(template.permissions),
                )
            )
            existing.add(template.name)
            created += 1
    session.flush()
    return created


def get_role(session: Session, name: str) -> Role:
    role = session.scalar(select(Role).where(Role.name == name))
    if role is None:
        raise NotFound(_("No role %(name)s.", name=repr(name)), slug="role-not-found")
    return role


def assign_role(
    session: Session, actor: Actor, user: User, role: Role, unit: OrgUnit
) -> RoleAssignment:
    """Grant ``role`` to ``user`` at ``unit`` and its subtree (idempotent).

    The actor must manage ``user``, hold ``core.users.manage`` at ``unit``
    and hold there every permission the role grants; nobody grants to themselves.
    """
    _require_in_scope(session, actor, user)
    _require_not_self(actor, user, _("You may not change your own roles."))
    if not actor.can(MANAGE, unit):
        raise Forbidden(_("You may not grant roles at this unit."))
    if not actor.is_system and not holds_all(actor, role.permissions, unit):
        raise Forbidden(
            _("You may only grant roles whose permissions you hold at that unit."),
            slug="role-outranks",
        )
    existing = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.role_id == role.id,
            RoleAssignment.org_unit_id == unit.id,
        )
    )
    if existing:
        return existing
    assignment = RoleAssignment(user=user, role=role, org_unit=unit)
    session.add(assignment)
    session.flush()
    record(
        session,
        actor,
        "user.grant_role",
        "user",
        user.username,
        org_unit_id=unit.id,
        role=role.name,
        unit=unit.code,
    )
    return assignment


def actor_for(user: User, *, ip: str | None = None, request_id: str | None = None) -> Actor:
    return Actor(
        username=user.username,
        user_id=user.id,
        grants=grants_from(user.assignments),
        ip=ip,
        request_id=request_id,
    )


def load_user(session: Session, user_id: int) -> User | None:
    return session.scalar(
        select(User).options(selectinload(User.assignments)).where(User.id == user_id)
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, actor: Actor, user: User, name: str = ""
) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; return it with the plain token, shown once.

    A token for someone else lets its holder act as them: only a manager who
    may act as the account (:func:`pamong.accounts.scope.covers`) creates one.
    """
    if actor.user_id != user.id:
        _require_may_act_as(session, actor, user)
    if not user.is_active:
        raise Conflict(_("The account is deactivated."), slug="user-inactive")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:100], token_hash=_token_hash(plain), prefix=plain[:10])
    session.add(token)
    session.flush()
    record(session, actor, "token.create", "user", user.username, token_id=token.id, name=name)
    return token, plain


#: One Core query, built once: a live token, its user and the user's grants, a row per grant.
_TOKEN_GRANTS = HotQuery(
    select(
        ApiToken.id,
        ApiToken.last_used_at,
        User.id.label("user_id"),
        User.username,
        User.is_active,
        Role.permissions,
        RoleAssignment.org_unit_id,
        OrgUnit.path,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)
    .outerjoin(Role, Role.id == RoleAssignment.role_id)
    .outerjoin(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    .order_by(RoleAssignment.id)
)


def actor_for_token(
    session: Session, plain: str, *, ip: str | None = None, request_id: str | None = None
) -> tuple[Actor | None, bool]:
    """The actor behind a live token of an active user (None if there is none).

    One query of columns, no ORM objects: every API call authenticates. The second
    value is True when the token's ``last_used_at`` was just updated (at
    most every 5 minutes): the caller commits that write.
    """
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None, False
    conn = session.connection()
    rows = _TOKEN_GRANTS.rows(conn, {"token_hash": _token_hash(plain)})
    if not rows or not rows[0].is_active:
        return None, False
    first, now = rows[0], utcnow()
    used = first.last_used_at is None or now - first.last_used_at > timedelta(minutes=5)
    if used:
        conn.execute(update(ApiToken).where(ApiToken.id == first.id).values(last_used_at=now))
    grants = tuple(
        Grant(frozenset(row.permissions), row.org_unit_id, row.path)
        for row in rows
        if row.org_unit_id is not None
    )
    actor = Actor(
        username=first.username,
        user_id=first.user_id,
        grants=grants,
        ip=ip,
        request_id=request_id,
    )
    return actor, used


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one token: the owner's own, or one of an account the actor manages."""
    token = session.get(ApiToken, token_id)
    if token is None or not (
        actor.user_id == token.user_id
        or (actor.can(MANAGE) and in_scope(session, actor, token.user))
    ):
        raise NotFound(_("No token %(token_id)s.", token_id=token_id), slug="token-not-found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor, "token.revoke", "user", token.user.username, token_id=token.id)
    return token


def holders_of_role(session: Session, role_name: str | Iterable[str], unit: OrgUnit) -> list[User]:
    """Active users holding ``role_name`` (or any of several) at ``unit`` or above it.

    For "tell the head of office": a camat's role at the kecamatan covers
    every desa below it, a regency-wide role covers everything. Several
    role names are asked in one query, each user once, by username.
    """
    names = [role_name] if isinstance(role_name, str) else list(role_name)
    ancestors = [unit.path[: i + 1] for i, ch in enumerate(unit.path) if ch == "/"]
    return list(
        session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(Role, Role.id == RoleAssignment.role_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(
                Role.name.in_(names),
                User.is_active.is_(True),
                OrgUnit.path.in_([*ancestors, unit.path]),
            )
            .order_by(User.username)
        ).unique()
    )


# --- account lifecycle ----------------------------------------------------------


def revoke_role(
    session: Session, actor: Actor, user: User, role: Role, unit: OrgUnit
) -> RoleAssignment:
    """Take back ``role`` at ``unit`` from ``user`` (404 if it was not granted)."""
    _require_in_scope(session, actor, user)
    _require_not_self(actor, user, _("You may not change your own roles."))
    if not actor.can(MANAGE, unit):
        raise Forbidden(_("You may not revoke roles at this unit."))
    assignment = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.role_id == role.id,
            RoleAssignment.org_unit_id == unit.id,
        )
    )
    if assignment is None:
        raise NotFound(
            _(
                "%(username)s holds no role %(role)s at %(unit)s.",
                username=user.username,
                role=role.name,
                unit=unit.code,
            ),
            slug="grant-not-found",
        )
    user.assignments.remove(assignment)
    session.flush()
    record(
        session,
        actor,
        "user.revoke_role",
        "user",
        user.username,
        org_unit_id=unit.id,
        role=role.name,
        unit=unit.code,
    )
    return assignment


def user_tokens(session: Session, actor: Actor, user: User) -> list[ApiToken]:
    """The API tokens of ``user``: the account's owner or its manager reads them."""
    if actor.user_id != user.id:
        _require_in_scope(session, actor, user)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def _revoke_all_tokens(session: Session, user: User) -> int:
    now = utcnow()
    tokens = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    return int(tokens.rowcount)  # type: ignore[attr-defined]


def deactivate_user(session: Session, actor: Actor, user: User) -> User:
    """Switch an account off: logins, sessions, API tokens and reset links stop at once.

    Its tokens are revoked for good, so reactivating the account does not
    bring them back. Its roles stay, for the record and for a reactivation.
    """
    _require_in_scope(session, actor, user)
    _require_not_self(actor, user, _("You may not deactivate your own account."))
    if not user.is_active:
        return user
    user.is_active = False
    revoked = _revoke_all_tokens(session, user)
    end_user_sessions(session, user)
    session.flush()
    record(session, actor, "user.deactivate", "user", user.username, tokens_revoked=revoked)
    return user


def reactivate_user(session: Session, actor: Actor, user: User) -> User:
    """Switch an account on again; the user logs in with their password (tokens stay revoked)."""
    _require_in_scope(session, actor, user)
    _require_not_self(actor, user, _("You may not reactivate your own account."))
    if user.is_active:
        return user
    user.is_active = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    record(session, actor, "user.reactivate", "user", user.username)
    return user


def admin_set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    """A manager gives someone else's account a new password (through :func:`set_password`).

    Managers change their own password by proving the current one, not here.
    """
    _require_not_self(actor, user, _("Change your own password on your account page."))
    _require_may_act_as(session, actor, user)
    set_password(session, actor, user, password)

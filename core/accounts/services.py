"""Staff accounts: passwords (argon2), lockout, roles at org units, API tokens."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pamong.accounts.models import ApiToken, Role, RoleAssignment, User
from pamong.accounts.permissions import Actor, grants_from
from pamong.audit.services import record
from pamong.db import utcnow
from pamong.errors import AccountLocked, Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from pamong.hooks import RoleTemplate
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit

_hasher = PasswordHasher()
TOKEN_PREFIX = "pmg_"
MIN_PASSWORD_LENGTH = 10
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,63}$")

#: Roles every instance starts with; plugins add theirs via pamong_register_roles.
CORE_ROLES = (
    RoleTemplate("admin", "Administrator", ("*",)),
    RoleTemplate(
        "registrar",
        "Registry officer",
        (
            "core.residents.view",
            "core.residents.personal",
            "core.residents.register",
            "core.residents.import",
            "core.duplicates.review",
            "core.messages.send",
        ),
    ),
    RoleTemplate("viewer", "Viewer", ("core.residents.view",)),
    RoleTemplate("auditor", "Auditor", ("core.audit.view", "core.residents.view")),
)

# A hash to verify against when the user does not exist, so that a
# missing user takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("pamong-dummy-password")


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
) -> User:
    if not actor.can("core.users.manage"):
        raise Forbidden(_("You may not create users."))
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
        username=username, full_name=full_name, email=email, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", username)
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(_("No user %(username)s.", username=repr(username)), slug="user-not-found")
    return user


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    max_failures: int = 5,
    lockout_minutes: int = 15,
) -> User:
    """Check a password; lock the account after ``max_failures`` failures in a row.

    The caller commits, so that failed attempts are counted.
    """
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    now = utcnow()
    if user is None or not user.is_active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise Unauthorized(_("Wrong username or password."), slug="bad-credentials")
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(
            _("Too many failed logins; try again later."),
            locked_until=user.locked_until.isoformat(),
        )
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
        raise Unauthorized(_("Wrong username or password."), slug="bad-credentials") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    if actor.user_id != user.id and not actor.can("core.users.manage"):
        raise Forbidden(_("You may not change this password."))
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    record(session, actor, "user.set_password", "user", user.username)


def ensure_roles(session: Session, templates: Iterable[RoleTemplate]) -> int:
    """Create missing roles from templates; existing roles are left as admins edited them."""
    existing = set(session.scalars(select(Role.name)))
    created = 0
    for template in templates:
        if template.name not in existing:
            session.add(
                Role(
                    name=template.name, title=template.title, permissions=list(template.permissions)
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
    """Grant ``role`` to ``user`` at ``unit`` and its subtree (idempotent)."""
    if not actor.can("core.users.manage", unit):
        raise Forbidden(_("You may not grant roles at this unit."))
    if "*" in role.permissions and not actor.can("*", unit) and not actor.is_system:
        raise Forbidden(_("Only a full administrator may grant the administrator role."))
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


def actor_for(user: User, *, ip: str | None = None) -> Actor:
    return Actor(
        username=user.username, user_id=user.id, grants=grants_from(user.assignments), ip=ip
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
    """Create an API token for ``user``; return it with the plain token, shown once."""
    if actor.user_id != user.id and not actor.can("core.users.manage"):
        raise Forbidden(_("You may not create tokens for this user."))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:100], token_hash=_token_hash(plain), prefix=plain[:10])
    session.add(token)
    session.flush()
    record(session, actor, "token.create", "user", user.username, token_id=token.id, name=name)
    return token, plain


def user_for_token(session: Session, plain: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _token_hash(plain), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
    return token.user


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("No token %(token_id)s.", token_id=token_id), slug="token-not-found")
    if actor.user_id != token.user_id and not actor.can("core.users.manage"):
        raise Forbidden(_("You may not revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor, "token.revoke", "user", token.user.username, token_id=token.id)
    return token


def holders_of_role(session: Session, role_name: str, unit: OrgUnit) -> list[User]:
    """Active users holding ``role_name`` at ``unit`` or at a unit above it.

    For "tell the head of office": a camat's role at the kecamatan covers
    every desa below it, a regency-wide role covers everything.
    """
    ancestors = [unit.path[: i + 1] for i, ch in enumerate(unit.path) if ch == "/"]
    return list(
        session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(Role, Role.id == RoleAssignment.role_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(
                Role.name == role_name,
                User.is_active.is_(True),
                OrgUnit.path.in_([*ancestors, unit.path]),
            )
            .order_by(User.username)
        ).unique()
    )

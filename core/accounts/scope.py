"""Which accounts a user manager may see and act on.

A manager holds ``core.users.manage`` at some units (their subtrees). The
rule, checked by every account service:

- an account is *in scope* when every one of its role grants lies inside
  the manager's subtrees; an account with no grant at all is in scope of
  regency-wide managers and of managers whose subtree holds the unit the
  account was created at (``User.home_unit_id``);
- an account out of scope does not exist for the manager (404, never 403);
- a manager grants a role only at a unit inside their subtrees and only
  if they hold each of the role's permissions at that unit themselves;
- acting *as* the account (minting its API token, setting its password)
  also needs every permission the account holds, where it holds it;
- nobody changes their own roles or switches off their own account.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from pamong.accounts.models import RoleAssignment, User
from pamong.accounts.permissions import WILDCARD, Actor
from pamong.orgunits.models import OrgUnit

MANAGE = "core.users.manage"


def is_regency_wide(actor: Actor, permission: str = MANAGE) -> bool:
    """True if ``actor`` holds ``permission`` at the root of the org-unit tree."""
    if actor.is_system:
        return True
    return any(path.count("/") == 2 for path in actor.scope_paths(permission))


def managed_users_filter(actor: Actor) -> ColumnElement[bool]:
    """A SQL condition on :class:`User` keeping the accounts in ``actor``'s scope."""
    if actor.is_system:
        return true()
    if not actor.scope_paths(MANAGE):
        return false()
    grant, grant_unit = aliased(RoleAssignment), aliased(OrgUnit)
    grant_outside = (
        exists()
        .where(grant.user_id == User.id, grant.org_unit_id == grant_unit.id)
        .where(not_(actor.scope_filter(MANAGE, grant_unit.path)))
    )
    has_grant = exists().where(RoleAssignment.user_id == User.id)
    if is_regency_wide(actor):
        without_grants: ColumnElement[bool] = true()
    else:
        home = aliased(OrgUnit)
        without_grants = exists().where(
            home.id == User.home_unit_id, actor.scope_filter(MANAGE, home.path)
        )
    return and_(not_(grant_outside), or_(has_grant, without_grants))


def in_scope(session: Session, actor: Actor, user: User) -> bool:
    """True if ``actor`` may see and manage the account ``user``."""
    if actor.is_system:
        return True
    found = session.scalar(select(User.id).where(User.id == user.id, managed_users_filter(actor)))
    return found is not None


def holds_all(actor: Actor, permissions: Iterable[str], unit: OrgUnit) -> bool:
    """True if ``actor`` holds every one of ``permissions`` at ``unit``."""
    permissions = set(permissions)
    if WILDCARD in permissions:
        return actor.can(WILDCARD, unit)
    return all(actor.can(p, unit) for p in permissions)


def covers(actor: Actor, user: User) -> bool:
    """True if ``actor`` holds every permission ``user`` holds, at each of its units."""
    if actor.is_system:
        return True
    return all(holds_all(actor, a.role.permissions, a.org_unit) for a in user.assignments)

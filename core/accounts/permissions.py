"""Permission checks: roles grant permissions at an org unit and its subtree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, true

from pamong.hooks import Permission
from pamong.orgunits.models import OrgUnit

WILDCARD = "*"

#: Permissions of the core itself (plugins declare theirs through
#: ``pamong_register_permissions``).
CORE_PERMISSIONS = (
    Permission("core.orgunits.manage", "Add and edit org units"),
    Permission("core.residents.view", "Search residents and see names and villages"),
    Permission("core.residents.personal", "See NIK, family card, birth data and address"),
    Permission("core.residents.register", "Register and edit residents"),
    Permission("core.residents.import", "Import residents from a file"),
    Permission("core.duplicates.review", "Review possible duplicate identities"),
    Permission("core.users.manage", "Manage staff accounts, roles and tokens"),
    Permission("core.audit.view", "Read the audit log"),
    Permission("core.messages.send", "Send letters, invitations and notices for a unit"),
    Permission("core.deliveries.manage", "See and retry undelivered messages"),
    Permission(
        "core.surveys.manage", "See satisfaction survey figures and comments; close periods"
    ),
)


@dataclass(frozen=True)
class Grant:
    permissions: frozenset[str]
    unit_id: int
    unit_path: str

    def allows(self, permission: str) -> bool:
        return WILDCARD in self.permissions or permission in self.permissions


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user with their grants, or the system (CLI, worker).

    Services take an ``Actor`` to check permissions and to sign audit
    records, so they never reach into the Flask request.
    """

    username: str
    user_id: int | None = None
    grants: tuple[Grant, ...] = ()
    ip: str | None = None
    #: The request being served (``X-Request-ID``), carried into audit records.
    request_id: str | None = None
    is_system: bool = False
    _cache: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(username=label, is_system=True)

    def can(self, permission: str, unit: OrgUnit | None = None) -> bool:
        """True if a grant gives ``permission`` at ``unit`` (or anywhere, if None)."""
        if self.is_system:
            return True
        paths = self.scope_paths(permission)
        if unit is None:
            return bool(paths)
        return any(unit.path.startswith(path) for path in paths)

    def can_at_path(self, permission: str, unit_path: str) -> bool:
        """:meth:`can` for a unit known by its path only (a row read without the ORM)."""
        return self.is_system or any(
            unit_path.startswith(path) for path in self.scope_paths(permission)
        )

    def scope_paths(self, permission: str) -> tuple[str, ...]:
        """Paths of the subtrees where ``permission`` is granted, outermost only."""
        if permission not in self._cache:
            paths = sorted({g.unit_path for g in self.grants if g.allows(permission)})
            outer: list[str] = []
            for path in paths:
                if not any(path.startswith(o) for o in outer):
                    outer.append(path)
            self._cache[permission] = tuple(outer)
        return self._cache[permission]

    def scope_filter(self, permission: str, path_column: ColumnElement[str]) -> ColumnElement[bool]:
        """A SQL condition keeping rows whose unit path lies in a granted subtree."""
        if self.is_system:
            return true()
        paths = self.scope_paths(permission)
        if not paths:
            return false()
        return or_(*(path_column.startswith(p, autoescape=True) for p in paths))

    def permissions(self) -> set[str]:
        return {p for g in self.grants for p in g.permissions}

    @property
    def home_unit_id(self) -> int | None:
        """The outermost unit where the actor holds any role (None for the system)."""
        if not self.grants:
            return None
        return min(self.grants, key=lambda g: (g.unit_path.count("/"), g.unit_path)).unit_id


def grants_from(assignments: Iterable[object]) -> tuple[Grant, ...]:
    return tuple(
        Grant(frozenset(a.role.permissions), a.org_unit_id, a.org_unit.path)  # type: ignore[attr-defined]
        for a in assignments
    )

"""Org-unit tree: loading a region from the bundled table, adding and querying units."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong import regions
from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit, OrgUnitKind

#: Which kinds may sit directly under which. Functional units (offices)
#: may sit under the regency, a kecamatan or another office.
ALLOWED_PARENTS: dict[OrgUnitKind, set[OrgUnitKind | None]] = {
    OrgUnitKind.REGENCY: {None},
    OrgUnitKind.KECAMATAN: {OrgUnitKind.REGENCY},
    OrgUnitKind.DESA: {OrgUnitKind.KECAMATAN},
    OrgUnitKind.KELURAHAN: {OrgUnitKind.KECAMATAN},
}
_FUNCTIONAL_PARENTS = {
    OrgUnitKind.REGENCY,
    OrgUnitKind.KECAMATAN,
    OrgUnitKind.SKPD,
    OrgUnitKind.BUMD,
    OrgUnitKind.RSUD,
}
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{0,39}$")


@dataclass(frozen=True)
class LoadResult:
    created: int
    existing: int


def _place(session: Session, unit: OrgUnit, parent: OrgUnit | None) -> None:
    unit.parent = parent
    unit.depth = 0 if parent is None else parent.depth + 1
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"


def load_region(session: Session, code: str) -> LoadResult:
    """Create the org units of a regency or city and all its kecamatan and villages.

    Idempotent: units whose code already exists are left as they are.
    """
    code = regions.normalise_code(code)
    root = regions.get_region(code)
    if root is None or root.level is not regions.RegionLevel.REGENCY:
        raise InvalidInput(
            _("%(code)s is not a regency or city code in the region table.", code=code)
        )
    existing = {c: u for c, u in session.execute(select(OrgUnit.code, OrgUnit))}
    created = 0
    for region in regions.subtree(code):
        if region.code in existing:
            continue
        if region.level is regions.RegionLevel.REGENCY:
            kind = OrgUnitKind.REGENCY
        elif region.level is regions.RegionLevel.KECAMATAN:
            kind = OrgUnitKind.KECAMATAN
        else:
            kind = OrgUnitKind.KELURAHAN if region.village_kind == "kelurahan" else OrgUnitKind.DESA
        unit = OrgUnit(code=region.code, name=region.name, kind=kind.value)
        _place(session, unit, existing.get(region.parent_code or ""))
        existing[region.code] = unit
        created += 1
    session.flush()
    return LoadResult(created=created, existing=len(existing) - created)


def get_unit(session: Session, code: str) -> OrgUnit:
    """The org unit with Kemendagri or office ``code`` (``33.14.01``); 404 if unknown."""
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound(
            _("No org unit with code %(code)s.", code=repr(code)), slug="org-unit-not-found"
        )
    return unit


def root_unit(session: Session) -> OrgUnit | None:
    """The regency (or city) at the top of the tree."""
    return session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.kind == OrgUnitKind.REGENCY)
    )


def list_units(
    session: Session,
    *,
    kind: str | None = None,
    parent_code: str | None = None,
    within_code: str | None = None,
) -> list[OrgUnit]:
    """Units filtered by kind, direct parent, or subtree, in code order."""
    stmt = select(OrgUnit)
    if kind:
        stmt = stmt.where(OrgUnit.kind == kind)
    if parent_code:
        stmt = stmt.where(OrgUnit.parent_id == get_unit(session, parent_code).id)
    if within_code:
        stmt = stmt.where(
            OrgUnit.path.startswith(get_unit(session, within_code).path, autoescape=True)
        )
    return list(session.scalars(stmt.order_by(OrgUnit.code)))


def add_unit(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: str,
    parent_code: str | None,
) -> OrgUnit:
    """Add an org unit under ``parent_code``, checking the tree's rules."""
    try:
        unit_kind = OrgUnitKind(kind)
    except ValueError:
        raise InvalidInput(
            _("Unknown org-unit kind %(kind)s.", kind=repr(kind)), slug="invalid-kind"
        ) from None
    code = code.strip()
    name = name.strip()
    if not _CODE_RE.match(code):
        raise InvalidInput(
            _("A code is 1-40 letters, digits, dots, dashes or underscores."), slug="invalid-code"
        )
    if not name:
        raise InvalidInput(_("A name is required."), slug="invalid-name")
    parent = get_unit(session, parent_code) if parent_code else None
    parent_kind = OrgUnitKind(parent.kind) if parent else None
    allowed = ALLOWED_PARENTS.get(unit_kind, _FUNCTIONAL_PARENTS)
    if parent_kind not in allowed:
        where = parent_kind.value if parent_kind else _("the top of the tree")
        raise InvalidInput(
            _("A %(kind)s cannot be placed under %(where)s.", kind=unit_kind.value, where=where),
            slug="invalid-parent",
        )
    if not actor.can("core.orgunits.manage", parent):
        raise Forbidden(_("You may not add org units here."))
    if session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise Conflict(
            _("An org unit with code %(code)s exists.", code=repr(code)), slug="org-unit-exists"
        )
    unit = OrgUnit(code=code, name=name, kind=unit_kind.value)
    _place(session, unit, parent)
    record(session, actor, "org_unit.create", "org_unit", unit.code, org_unit_id=unit.id)
    return unit

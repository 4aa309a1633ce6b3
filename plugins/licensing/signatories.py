"""Who signs permits: an official (name, NIP, position) per unit, optionally per service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, Conflict, Forbidden, InvalidInput, NotFound, OrgUnit, _, audit
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing.models import ServiceType, Signatory


def _ancestors(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """``unit`` and the units above it, nearest first."""
    chain = []
    current: OrgUnit | None = unit
    while current is not None:
        chain.append(current)
        current = session.get(OrgUnit, current.parent_id) if current.parent_id else None
    return chain


def signatory_for(session: Session, unit: OrgUnit, service_type: ServiceType) -> Signatory | None:
    """The official who signs ``service_type`` permits issued by ``unit``.

    The nearest unit (the unit itself, then those above it) with an entry
    decides; there an entry for the service wins over the unit's general one.
    """
    for candidate in _ancestors(session, unit):
        rows = session.scalars(select(Signatory).where(Signatory.org_unit_id == candidate.id))
        general = None
        for row in rows:
            if row.service_type_id == service_type.id:
                return row
            if row.service_type_id is None:
                general = row
        if general is not None:
            return general
    return None


def require_signatory(session: Session, unit: OrgUnit, service_type: ServiceType) -> Signatory:
    """The signing official, or a clear 409 naming what to configure (nothing changes)."""
    found = signatory_for(session, unit, service_type)
    if found is None:
        raise Conflict(
            _(
                "No signing official is configured for %(service)s at %(unit)s: an "
                "administrator sets one (name, NIP, position) under Permit services, "
                "Signing officials.",
                service=service_type.name,
                unit=unit.name,
            ),
            slug="no-signatory",
        )
    return found


def _text(data: Mapping[str, Any], key: str, limit: int, label: str) -> str:
    value = " ".join(str(data.get(key) or "").split())
    if not value:
        raise InvalidInput(_("%(field)s is required.", field=label), slug="invalid-signatory")
    if len(value) > limit:
        raise InvalidInput(
            _("%(field)s is at most %(limit)d characters.", field=label, limit=limit),
            slug="invalid-signatory",
        )
    return value


def save_signatory(
    session: Session,
    actor: Actor,
    unit: OrgUnit | str,
    data: Mapping[str, Any],
    service_type: ServiceType | None = None,
) -> Signatory:
    """Set who signs the permits of ``unit`` (of one ``service_type`` there, if given).

    ``unit`` is an org unit or its code.
    """
    if isinstance(unit, str):
        found = session.scalar(select(OrgUnit).where(OrgUnit.code == unit.strip()))
        if found is None:
            raise InvalidInput(
                _("No org unit %(code)s.", code=unit.strip() or "-"),
                slug="invalid-signatory",
                field="unit",
            )
        unit = found
    if not actor.can(perm.ADMIN, unit):
        raise Forbidden(_("You may not set signing officials here."), permission=perm.ADMIN)
    name = _text(data, "name", 200, _("Name"))
    nip = "".join(str(data.get("nip") or "").split())
    if not (nip.isdigit() and len(nip) == 18):
        raise InvalidInput(_("The NIP of a civil servant has 18 digits."), slug="invalid-signatory")
    position = _text(data, "position", 200, _("Position"))
    type_id = service_type.id if service_type is not None else None
    signatory = session.scalar(
        select(Signatory).where(
            Signatory.org_unit_id == unit.id,
            Signatory.service_type_id.is_(None)
            if type_id is None
            else Signatory.service_type_id == type_id,
        )
    )
    if signatory is None:
        signatory = Signatory(org_unit_id=unit.id, service_type_id=type_id)
        session.add(signatory)
    signatory.name, signatory.nip, signatory.position = name, nip, position
    session.flush()
    audit(
        session,
        actor,
        "licensing.signatory.save",
        "licensing_signatory",
        signatory.id,
        org_unit_id=unit.id,
        service=service_type.code if service_type is not None else "",
    )
    return signatory


def delete_signatory(session: Session, actor: Actor, signatory_id: int) -> None:
    signatory = session.get(Signatory, signatory_id)
    if signatory is None or not actor.can(perm.ADMIN, signatory.org_unit):
        raise NotFound(_("No such signing official."), slug="signatory-not-found")
    audit(
        session,
        actor,
        "licensing.signatory.delete",
        "licensing_signatory",
        signatory.id,
        org_unit_id=signatory.org_unit_id,
    )
    session.delete(signatory)
    session.flush()


def signatories(session: Session, actor: Actor) -> list[Signatory]:
    """The signing officials of the units the actor administers."""
    rows = session.scalars(
        select(Signatory).join(OrgUnit, OrgUnit.id == Signatory.org_unit_id).order_by(OrgUnit.path)
    )
    return [row for row in rows if actor.can(perm.ADMIN, row.org_unit)]

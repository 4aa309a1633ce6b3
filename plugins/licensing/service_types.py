"""The catalogue: service types, their delegation to kecamatan, and who handles a file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    OrgUnitKind,
    _,
    audit,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing.models import (
    FEE_RULES,
    LEVELS,
    Delegation,
    ServiceType,
)


def _clean_str(data: Mapping[str, Any], key: str, limit: int, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise InvalidInput(_("%(field)s is required.", field=key), slug="invalid-service-type")
    if len(value) > limit:
        raise InvalidInput(
            _("%(field)s is at most %(limit)d characters.", field=key, limit=limit),
            slug="invalid-service-type",
        )
    return value


def _int(data: Mapping[str, Any], key: str, default: int | None, low: int, high: int) -> int | None:
    raw = data.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a whole number.", field=key), slug="invalid-service-type"
        ) from None
    if not low <= value <= high:
        raise InvalidInput(
            _("%(field)s must be %(low)d-%(high)d.", field=key, low=low, high=high),
            slug="invalid-service-type",
        )
    return value


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "ya", "on", "y"}


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        items = value.replace("\n", ";").split(";")
    elif isinstance(value, Iterable):
        items = [str(v) for v in value]
    else:
        items = []
    return [item.strip()[:200] for item in items if item.strip()][:30]


def save_service_type(
    session: Session, actor: Actor, data: Mapping[str, Any], service_type: ServiceType | None = None
) -> ServiceType:
    """Create or update a catalogue entry from form, API or file data (validated here)."""
    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not edit the service catalogue."), permission=perm.ADMIN)
    code = _clean_str(data, "code", 40, required=True).upper()
    if not all(ch.isalnum() or ch in "-_" for ch in code):
        raise InvalidInput(
            _("The code holds letters, digits, - and _ only."), slug="invalid-service-type"
        )
    fee_rule = _clean_str(data, "fee_rule", 10) or "free"
    level = _clean_str(data, "level", 12) or "regency"
    if fee_rule not in FEE_RULES:
        raise InvalidInput(
            _("fee_rule is one of %(choices)s.", choices=", ".join(FEE_RULES)),
            slug="invalid-service-type",
        )
    if level not in LEVELS:
        raise InvalidInput(
            _("level is one of %(choices)s.", choices=", ".join(LEVELS)),
            slug="invalid-service-type",
        )
    stages = _list(data.get("stages", []))
    if set(stages) - set(perm.OPTIONAL_STAGES):
        raise InvalidInput(
            _("stages: choose from %(choices)s.", choices=", ".join(perm.OPTIONAL_STAGES)),
            slug="invalid-service-type",
        )
    clash = session.scalar(select(ServiceType).where(ServiceType.code == code))
    if clash is not None and clash is not service_type:
        raise Conflict(
            _("A service type with code %(code)s exists.", code=code), slug="service-type-exists"
        )
    created = service_type is None
    if service_type is None:
        service_type = ServiceType(code=code)
        session.add(service_type)
    service_type.code = code
    service_type.name = _clean_str(data, "name", 200, required=True)
    service_type.is_permit = _bool(data.get("is_permit", True))
    service_type.legal_basis = _clean_str(data, "legal_basis", 300)
    service_type.requirements = _list(data.get("requirements", []))
    service_type.sop_days = _int(data, "sop_days", 5, 0, 365) or 0
    service_type.fee_rule = fee_rule
    service_type.fee_amount = (
        0 if fee_rule == "free" else _int(data, "fee_amount", 0, 0, 10**12) or 0
    )
    service_type.fee_unit = _clean_str(data, "fee_unit", 20)
    service_type.validity_months = _int(data, "validity_months", None, 1, 1200)
    service_type.renewable = _bool(data.get("renewable", False))
    service_type.level = level
    service_type.stages = [s for s in perm.OPTIONAL_STAGES if s in stages]
    service_type.active = _bool(data.get("active", True))
    session.flush()
    audit(
        session,
        actor,
        "licensing.service_type.create" if created else "licensing.service_type.update",
        "licensing_service_type",
        service_type.id,
        code=code,
    )
    return service_type


def import_catalogue(session: Session, actor: Actor, rows: Iterable[Mapping[str, Any]]) -> int:
    """Create or update service types by code from file rows; all or nothing.

    A bad row raises InvalidInput naming its line (the header is line 1).
    """
    count = 0
    for line, row in enumerate(rows, start=2):
        code = str(row.get("code") or "").strip().upper()
        existing = session.scalar(select(ServiceType).where(ServiceType.code == code))
        try:
            with session.begin_nested():
                save_service_type(session, actor, row, existing)
        except InvalidInput as error:
            raise InvalidInput(
                _("Line %(line)d: %(problem)s", line=line, problem=error.detail),
                slug="invalid-import",
            ) from None
        count += 1
    return count


def add_delegation(
    session: Session,
    actor: Actor,
    service_type: ServiceType,
    *,
    decree_number: str,
    effective_on: date,
    level: str = "kecamatan",
    kecamatan: OrgUnit | None = None,
) -> Delegation:
    """Record a delegation (Perbup under PATEN) of a type to kecamatan or desa.

    With ``kecamatan`` the delegation holds there only (and, at desa level,
    for its desa); without, for every kecamatan. It replaces the open
    delegation of the same type and scope from ``effective_on``.
    """
    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not edit delegations."), permission=perm.ADMIN)
    decree_number = decree_number.strip()
    if not decree_number or len(decree_number) > 100:
        raise InvalidInput(_("A delegation needs its decree number."), slug="invalid-delegation")
    if level not in ("kecamatan", "desa"):
        raise InvalidInput(_("Delegation goes to kecamatan or desa."), slug="invalid-delegation")
    if kecamatan is not None and kecamatan.kind != OrgUnitKind.KECAMATAN.value:
        raise InvalidInput(
            _("%(unit)s is not a kecamatan.", unit=kecamatan.name), slug="invalid-delegation"
        )
    scope = kecamatan.id if kecamatan is not None else None
    for previous in service_type.delegations:
        if (
            previous.org_unit_id == scope
            and previous.ended_on is None
            and previous.effective_on < effective_on
        ):
            previous.ended_on = effective_on
    delegation = Delegation(
        service_type=service_type,
        level=level,
        decree_number=decree_number,
        effective_on=effective_on,
        org_unit_id=scope,
    )
    session.add(delegation)
    session.flush()
    audit(
        session,
        actor,
        "licensing.delegation.create",
        "licensing_service_type",
        service_type.id,
        decree=decree_number,
        level=level,
        kecamatan=kecamatan.code if kecamatan is not None else "",
    )
    return delegation


def end_delegation(
    session: Session, actor: Actor, delegation: Delegation, ended_on: date
) -> Delegation:
    """End a delegation (the bupati takes the service back) from ``ended_on``."""
    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not edit delegations."), permission=perm.ADMIN)
    if ended_on <= delegation.effective_on:
        raise InvalidInput(_("A delegation ends after it took effect."), slug="invalid-delegation")
    delegation.ended_on = ended_on
    audit(
        session,
        actor,
        "licensing.delegation.end",
        "licensing_service_type",
        delegation.service_type_id,
        decree=delegation.decree_number,
        ended_on=ended_on.isoformat(),
    )
    return delegation


def delegated_types(session: Session, day: date) -> list[tuple[ServiceType, list[Delegation]]]:
    """Service types with delegations in force on ``day``, and those delegations."""
    found = []
    for service_type in service_types(session):
        current = service_type.delegations_on(day)
        if current:
            found.append((service_type, current))
    return found


def service_types(session: Session, *, active_only: bool = False) -> list[ServiceType]:
    stmt = select(ServiceType).order_by(ServiceType.is_permit.desc(), ServiceType.name)
    if active_only:
        stmt = stmt.where(ServiceType.active.is_(True))
    return list(session.scalars(stmt))


def get_service_type(session: Session, type_id: int | str) -> ServiceType:
    if isinstance(type_id, str):
        found = session.scalar(select(ServiceType).where(ServiceType.code == type_id.upper()))
    else:
        found = session.get(ServiceType, type_id)
    if found is None:
        raise NotFound(_("No such service type."), slug="service-type-not-found")
    return found


def office_unit(session: Session, code: str = "") -> OrgUnit:
    """The regency one-stop office: the configured unit, else ``…-BPT``, else the regency."""
    stmt = select(OrgUnit)
    if code:
        unit = session.scalar(stmt.where(OrgUnit.code == code))
        if unit is not None:
            return unit
    unit = session.scalar(stmt.where(OrgUnit.code.like("%-BPT")).order_by(OrgUnit.id))
    if unit is None:
        unit = session.scalar(
            stmt.where(OrgUnit.parent_id.is_(None), OrgUnit.kind == OrgUnitKind.REGENCY.value)
        )
    if unit is None:
        raise NotFound(_("The regency has no org units yet."), slug="org-unit-not-found")
    return unit


def kecamatan_units(session: Session) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgUnitKind.KECAMATAN.value)
            .order_by(OrgUnit.name)
        )
    )


def kecamatan_by_code(session: Session, code: str) -> OrgUnit | None:
    """The kecamatan with ``code``; None for an empty code (every kecamatan), 422 if unknown."""
    code = (code or "").strip()
    if not code:
        return None
    unit = session.scalar(
        select(OrgUnit).where(OrgUnit.code == code, OrgUnit.kind == OrgUnitKind.KECAMATAN.value)
    )
    if unit is None:
        raise InvalidInput(
            _("No kecamatan %(name)s.", name=code), slug="invalid-delegation", field="kecamatan"
        )
    return unit


def forward_targets(session: Session) -> list[OrgUnit]:
    """Units a file can be forwarded to by hand: the one-stop office and the kecamatan."""
    offices = list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.code.like("%-BPT") | (OrgUnit.kind == OrgUnitKind.REGENCY.value))
            .order_by(OrgUnit.path)
        )
    )
    return [*offices, *kecamatan_units(session)]


def desa_units(session: Session) -> list[tuple[OrgUnit, list[OrgUnit]]]:
    """Each kecamatan with its desa and kelurahan, for choosing where a desa service is."""
    kinds = (OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)
    villages: dict[int, list[OrgUnit]] = {}
    for unit in session.scalars(
        select(OrgUnit).where(OrgUnit.kind.in_(kinds)).order_by(OrgUnit.name)
    ):
        if unit.parent_id is not None:
            villages.setdefault(unit.parent_id, []).append(unit)
    return [(k, villages.get(k.id, [])) for k in kecamatan_units(session)]


def handling_unit(
    session: Session, service_type: ServiceType, area_code: str, day: date, office_code: str = ""
) -> OrgUnit:
    """Who handles a file: the office, or the kecamatan/desa of ``area_code`` if delegated.

    Delegation is per service and per kecamatan: the kecamatan of the
    location (``area_code``, a kecamatan or desa code) decides.
    """
    area_code = (area_code or "").strip()
    kecamatan_code = area_code.rsplit(".", 1)[0] if area_code.count(".") == 3 else area_code
    kecamatan = (
        session.scalar(
            select(OrgUnit).where(
                OrgUnit.code == kecamatan_code, OrgUnit.kind == OrgUnitKind.KECAMATAN.value
            )
        )
        if kecamatan_code
        else None
    )
    level = service_type.level_on(day, kecamatan.id if kecamatan is not None else None)
    if level == "regency":
        return office_unit(session, office_code)
    if level == "kecamatan":
        unit = kecamatan
    else:
        unit = session.scalar(
            select(OrgUnit).where(
                OrgUnit.code == area_code,
                OrgUnit.kind.in_((OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)),
            )
        )
    if unit is None:
        where = _("kecamatan") if level == "kecamatan" else _("desa")
        raise InvalidInput(
            _(
                "%(service)s is issued by the %(level)s: choose the %(level)s of the location.",
                service=service_type.name,
                level=where,
            ),
            slug="invalid-area",
        )
    return unit


def _delegation_row(
    session: Session, row: Mapping[str, Any]
) -> tuple[ServiceType, str, str, date, list[OrgUnit | None]]:
    code = str(row.get("code") or "").strip().upper()
    service_type = session.scalar(select(ServiceType).where(ServiceType.code == code))
    if service_type is None:
        raise InvalidInput(
            _("No service type %(code)s in the catalogue.", code=code or "-"),
            slug="invalid-delegation",
        )
    raw_day = str(row.get("effective_on") or "").strip()
    try:
        effective_on = date.fromisoformat(raw_day)
    except ValueError:
        raise InvalidInput(
            _("effective_on must be a date (YYYY-MM-DD)."), slug="invalid-delegation"
        ) from None
    scopes: list[OrgUnit | None] = []
    for code_or_name in _list(row.get("kecamatan", "")):
        unit = session.scalar(
            select(OrgUnit).where(
                OrgUnit.kind == OrgUnitKind.KECAMATAN.value,
                (OrgUnit.code == code_or_name) | (OrgUnit.name == code_or_name),
            )
        )
        if unit is None:
            raise InvalidInput(
                _("No kecamatan %(name)s.", name=code_or_name), slug="invalid-delegation"
            )
        scopes.append(unit)
    level = str(row.get("level") or "kecamatan").strip().lower()
    decree = str(row.get("decree_number") or "")
    return service_type, level, decree, effective_on, scopes or [None]


def import_delegations(session: Session, actor: Actor, rows: Iterable[Mapping[str, Any]]) -> int:
    """Record delegations from file rows (code, level, decree_number, effective_on,
    kecamatan: codes or names separated by ``;``, empty for every kecamatan); all or nothing.

    A delegation already recorded (same type, scope, decree and date) is
    skipped, so a file can be loaded again. Returns how many were recorded.
    """
    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not edit delegations."), permission=perm.ADMIN)
    count = 0
    for line, row in enumerate(rows, start=2):
        try:
            with session.begin_nested():
                service_type, level, decree, effective_on, scopes = _delegation_row(session, row)
                for kecamatan in scopes:
                    scope = kecamatan.id if kecamatan is not None else None
                    if any(
                        d.org_unit_id == scope
                        and d.decree_number == decree.strip()
                        and d.effective_on == effective_on
                        for d in service_type.delegations
                    ):
                        continue
                    add_delegation(
                        session,
                        actor,
                        service_type,
                        decree_number=decree,
                        effective_on=effective_on,
                        level=level,
                        kecamatan=kecamatan,
                    )
                    count += 1
        except InvalidInput as error:
            raise InvalidInput(
                _("Line %(line)d: %(problem)s", line=line, problem=error.detail),
                slug="invalid-import",
            ) from None
    return count

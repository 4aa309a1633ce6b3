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
        raise InvalidInput(f"{key} is required.", slug="invalid-service-type")
    if len(value) > limit:
        raise InvalidInput(f"{key} is at most {limit} characters.", slug="invalid-service-type")
    return value


def _int(data: Mapping[str, Any], key: str, default: int | None, low: int, high: int) -> int | None:
    raw = data.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InvalidInput(f"{key} must be a whole number.", slug="invalid-service-type") from None
    if not low <= value <= high:
        raise InvalidInput(f"{key} must be {low}-{high}.", slug="invalid-service-type")
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
        raise Forbidden("You may not edit the service catalogue.", permission=perm.ADMIN)
    code = _clean_str(data, "code", 40, required=True).upper()
    if not all(ch.isalnum() or ch in "-_" for ch in code):
        raise InvalidInput("code: letters, digits, - and _ only.", slug="invalid-service-type")
    fee_rule = _clean_str(data, "fee_rule", 10) or "free"
    level = _clean_str(data, "level", 12) or "regency"
    if fee_rule not in FEE_RULES:
        raise InvalidInput(
            f"fee_rule is one of {', '.join(FEE_RULES)}.", slug="invalid-service-type"
        )
    if level not in LEVELS:
        raise InvalidInput(f"level is one of {', '.join(LEVELS)}.", slug="invalid-service-type")
    stages = _list(data.get("stages", []))
    if set(stages) - set(perm.OPTIONAL_STAGES):
        raise InvalidInput(
            f"stages: choose from {', '.join(perm.OPTIONAL_STAGES)}.", slug="invalid-service-type"
        )
    clash = session.scalar(select(ServiceType).where(ServiceType.code == code))
    if clash is not None and clash is not service_type:
        raise Conflict(f"A service type with code {code} exists.", slug="service-type-exists")
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
            raise InvalidInput(f"Line {line}: {error.detail}", slug="invalid-import") from None
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
) -> Delegation:
    """Record a delegation (Perbup under PATEN) of a type to kecamatan or desa."""
    if not actor.can(perm.ADMIN):
        raise Forbidden("You may not edit delegations.", permission=perm.ADMIN)
    decree_number = decree_number.strip()
    if not decree_number or len(decree_number) > 100:
        raise InvalidInput("A delegation needs its decree number.", slug="invalid-delegation")
    if level not in ("kecamatan", "desa"):
        raise InvalidInput("Delegation goes to kecamatan or desa.", slug="invalid-delegation")
    for previous in service_type.delegations:
        if previous.ended_on is None and previous.effective_on < effective_on:
            previous.ended_on = effective_on
    delegation = Delegation(
        service_type=service_type,
        level=level,
        decree_number=decree_number,
        effective_on=effective_on,
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
    )
    return delegation


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
        raise NotFound("No such service type.", slug="service-type-not-found")
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
        raise NotFound("The regency has no org units yet.", slug="org-unit-not-found")
    return unit


def kecamatan_units(session: Session) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgUnitKind.KECAMATAN.value)
            .order_by(OrgUnit.name)
        )
    )


def handling_unit(
    session: Session, service_type: ServiceType, area_code: str, day: date, office_code: str = ""
) -> OrgUnit:
    """Who handles a file: the office, or the kecamatan/desa of ``area_code`` if delegated."""
    level = service_type.level_on(day)
    if level == "regency":
        return office_unit(session, office_code)
    kinds = (
        (OrgUnitKind.KECAMATAN.value,)
        if level == "kecamatan"
        else (OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)
    )
    area_code = (area_code or "").strip()
    if level == "kecamatan" and area_code.count(".") == 3:
        area_code = area_code.rsplit(".", 1)[0]  # a desa code: its kecamatan
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == area_code, OrgUnit.kind.in_(kinds)))
    if unit is None:
        raise InvalidInput(
            f"{service_type.name} is issued by the {level}: choose the {level} of the location.",
            slug="invalid-area",
        )
    return unit

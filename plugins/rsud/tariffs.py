"""The tariff master kept by ``rsud.admin``: dated decrees and the prices they hold.

A new decree starts from a copy of the previous one's items (of the same
basis: Perda for class III, Perbup for the rest); its prices may be edited
until it comes into force, and never once a charge used it. Validity
periods of one basis never overlap (see :func:`services.add_decree`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, Conflict, InvalidInput, NotFound, _, get_unit, regency_today
from pamong_plugins.rsud import permissions as perm
from pamong_plugins.rsud import services
from pamong_plugins.rsud.models import (
    BUCKETS,
    TARIFF_PER,
    RsudCharge,
    RsudTariff,
    RsudTariffDecree,
)


@dataclass(frozen=True)
class DecreeRow:
    """A decree as the tariff master lists it."""

    decree: RsudTariffDecree
    items: int
    in_force: bool
    used: bool

    @property
    def editable(self) -> bool:
        """Prices may change only before the decree is in force and before any charge used it."""
        return not self.used and self.decree.valid_from > regency_today()


def _admin(session: Session, actor: Actor, hospital_code: str) -> None:
    services._require(actor, perm.ADMIN, get_unit(session, hospital_code))


def _used(session: Session, decree: RsudTariffDecree) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    RsudCharge.tariff_id == RsudTariff.id, RsudTariff.decree_id == decree.id
                )
            )
        )
    )


def _row(session: Session, decree: RsudTariffDecree, today: date) -> DecreeRow:
    items = len(items_of(session, decree))
    in_force = decree.valid_from <= today and (
        decree.valid_until is None or decree.valid_until >= today
    )
    return DecreeRow(decree, items, in_force, _used(session, decree))


def items_of(session: Session, decree: RsudTariffDecree) -> list[RsudTariff]:
    return list(
        session.scalars(
            select(RsudTariff)
            .where(RsudTariff.decree_id == decree.id)
            .order_by(RsudTariff.unit, RsudTariff.service_code, RsudTariff.klass)
        )
    )


def decrees(session: Session, actor: Actor, hospital_code: str) -> list[DecreeRow]:
    """Every decree, newest first, with its item count and whether it is in force or used."""
    _admin(session, actor, hospital_code)
    today = regency_today()
    rows = session.scalars(
        select(RsudTariffDecree).order_by(
            RsudTariffDecree.valid_from.desc(), RsudTariffDecree.basis
        )
    )
    return [_row(session, decree, today) for decree in rows]


def get_decree(
    session: Session, actor: Actor, hospital_code: str, decree_id: int
) -> tuple[DecreeRow, list[RsudTariff]]:
    """A decree and its items."""
    _admin(session, actor, hospital_code)
    decree = session.get(RsudTariffDecree, decree_id)
    if decree is None:
        raise NotFound(_("No such tariff decree."), slug="decree-not-found")
    return _row(session, decree, regency_today()), items_of(session, decree)


def new_decree(
    session: Session,
    actor: Actor,
    *,
    hospital_code: str,
    number: str,
    basis: str,
    valid_from: date,
    valid_until: date | None = None,
    copy_from: int | None = None,
) -> DecreeRow:
    """A new dated decree holding a copy of the previous decree's items.

    The copy comes from ``copy_from`` (a decree id) or else from the latest
    decree of the same basis that starts earlier; its prices can then be
    edited until the new decree comes into force.
    """
    _admin(session, actor, hospital_code)
    if copy_from is not None:
        source = session.get(RsudTariffDecree, copy_from)
        if source is None:
            raise NotFound(_("No such tariff decree."), slug="decree-not-found")
    else:
        source = session.scalar(
            select(RsudTariffDecree)
            .where(RsudTariffDecree.basis == basis, RsudTariffDecree.valid_from < valid_from)
            .order_by(RsudTariffDecree.valid_from.desc())
            .limit(1)
        )
    decree = services.add_decree(
        session,
        actor,
        hospital_code=hospital_code,
        number=number,
        basis=basis,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    copied = items_of(session, source) if source is not None else []
    for item in copied:
        session.add(
            RsudTariff(
                decree_id=decree.id,
                service_code=item.service_code,
                name=item.name,
                unit=item.unit,
                klass=item.klass,
                per=item.per,
                bucket=item.bucket,
                jasa_sarana=item.jasa_sarana,
                jasa_medis=item.jasa_medis,
                jasa_paramedis=item.jasa_paramedis,
            )
        )
    session.flush()
    unit = get_unit(session, hospital_code)
    services._audit(
        session,
        actor,
        "decree.add",
        "rsud_tariff_decree",
        decree.id,
        unit.id,
        number=decree.number,
        valid_from=valid_from.isoformat(),
        copied_from=source.number if source is not None else "",
        items=len(copied),
    )
    return _row(session, decree, regency_today())


def _editable(session: Session, decree: RsudTariffDecree) -> None:
    row = _row(session, decree, regency_today())
    if row.used:
        raise Conflict(
            _("Charges already used decree %(n)s: its prices stay.", n=decree.number),
            slug="decree-used",
        )
    if not row.editable:
        raise Conflict(
            _("Decree %(n)s is in force: record a new decree instead.", n=decree.number),
            slug="decree-in-force",
        )


def update_tariff(
    session: Session,
    actor: Actor,
    *,
    hospital_code: str,
    tariff_id: int,
    jasa_sarana: int,
    jasa_medis: int,
    jasa_paramedis: int,
    name: str = "",
) -> RsudTariff:
    """Change an item's prices (and name) in a decree not yet in force and never used."""
    _admin(session, actor, hospital_code)
    tariff = session.get(RsudTariff, tariff_id, with_for_update=True)
    if tariff is None:
        raise NotFound(_("No such tariff."), slug="tariff-not-found")
    _editable(session, tariff.decree)
    services.check_tariff_parts(jasa_sarana, jasa_medis, jasa_paramedis)
    before: dict[str, Any] = {
        "jasa_sarana": tariff.jasa_sarana,
        "jasa_medis": tariff.jasa_medis,
        "jasa_paramedis": tariff.jasa_paramedis,
    }
    tariff.jasa_sarana, tariff.jasa_medis, tariff.jasa_paramedis = (
        jasa_sarana,
        jasa_medis,
        jasa_paramedis,
    )
    if name.strip():
        tariff.name = name.strip()[:160]
    session.flush()
    services._audit(
        session,
        actor,
        "tariff.update",
        "rsud_tariff",
        tariff.id,
        get_unit(session, hospital_code).id,
        decree=tariff.decree.number,
        service=tariff.service_code,
        klass=tariff.klass,
        before=before,
        after={
            "jasa_sarana": jasa_sarana,
            "jasa_medis": jasa_medis,
            "jasa_paramedis": jasa_paramedis,
        },
    )
    return tariff


def add_item(
    session: Session, actor: Actor, *, hospital_code: str, decree_id: int, **item: Any
) -> RsudTariff:
    """A new item in a decree not yet in force (the per and the E-Klaim bucket checked)."""
    row, _items = get_decree(session, actor, hospital_code, decree_id)
    _editable(session, row.decree)
    if item.get("per", "action") not in TARIFF_PER:
        raise InvalidInput(
            _("A tariff is per one of: %(p)s.", p=", ".join(TARIFF_PER)), slug="invalid-per"
        )
    if item.get("bucket", BUCKETS[0]) not in BUCKETS:
        raise InvalidInput(
            _("The E-Klaim bucket is one of: %(b)s.", b=", ".join(BUCKETS)), slug="invalid-bucket"
        )
    tariff = services.add_tariff(
        session, actor, hospital_code=hospital_code, decree_number=row.decree.number, **item
    )
    services._audit(
        session,
        actor,
        "tariff.add",
        "rsud_tariff",
        tariff.id,
        get_unit(session, hospital_code).id,
        decree=row.decree.number,
        service=tariff.service_code,
        klass=tariff.klass,
        price=tariff.price,
    )
    return tariff

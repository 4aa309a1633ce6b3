"""The PDAM's rules: connections, tariff decrees, readings, the bill run, arrears, NRW.

Every function takes a ``Session`` and an ``Actor`` and checks the actor's
permission at the connection's desa (a scoped user never reaches above its
subtree). Bills are invoices of the billing plugin, made through its public
module only.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    Resident,
    ResidentStatus,
    _,
    audit,
    clean_nik,
    csv_dict_reader,
    insert_rows,
    mask_name,
    record_personal_read,
    utcnow,
)
from pamong_plugins.billing import services as billing
from pamong_plugins.pdam.models import (
    Condition,
    ConnectionStatus,
    PdamBill,
    PdamConnection,
    PdamGroup,
    PdamReading,
    PdamStatusChange,
    PdamTariff,
    PdamWorkOrder,
    PdamZoneInput,
    ReadingStatus,
)
from pamong_plugins.pdam.permissions import ADMIN, BILLING, READ, READER, REPORT
from pamong_plugins.pdam.tariffs import (
    KARANGANYAR_2009,
    block_charges,
    check_blocks,
    month_bounds,
    prorate,
    prorated_charge,
    water_charge,
)

SOURCE = "pdam"
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: Revenue account of water sales (a BUMD's own account; configurable per regency).
WATER_ACCOUNT = "4.1.04.99.01.0001"
MAX_VALUE_DIGITS = 8


# --- helpers -------------------------------------------------------------------


def _require(actor: Actor, permission: str, unit: OrgUnit | None = None) -> None:
    if not actor.can(permission, unit):
        raise Forbidden(
            _("You need the permission %(permission)s here.", permission=repr(permission)),
            permission=permission,
        )


def _can_read(actor: Actor, unit: OrgUnit) -> bool:
    return any(actor.can(p, unit) for p in READ)


def _audit(
    session: Session, actor: Actor, action: str, ident: Any, unit_id: int | None, **data: Any
) -> None:
    audit(session, actor, f"pdam.{action}", "pdam_connection", ident, org_unit_id=unit_id, **data)


def _desa(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == (code or "").strip()))
    if unit is None or unit.kind not in ("desa", "kelurahan"):
        raise InvalidInput(
            _("%(code)s is not a desa or kelurahan.", code=repr(code)),
            slug="unknown-desa",
            field="desa_code",
        )
    return unit


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def check_period(period: str, today: date) -> tuple[date, date]:
    """The month's first and last day; a future month is refused."""
    try:
        first, last = month_bounds((period or "").strip())
    except ValueError:
        raise InvalidInput(
            _("%(period)s is not a month (YYYY-MM).", period=repr(period)),
            slug="invalid-period",
            field="period",
        ) from None
    if first > today:
        raise InvalidInput(
            _("%(period)s is in the future.", period=period), slug="future-period", field="period"
        )
    return first, last


def previous_period(period: str, back: int = 1) -> str:
    year, month = (int(p) for p in period.split("-"))
    index = year * 12 + month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _check_code() -> str:
    return "".join(secrets.choice(CHECK_ALPHABET) for _ in range(6))


# --- groups and tariffs --------------------------------------------------------------


@dataclass(frozen=True)
class TariffInput:
    group_code: str
    valid_from: date
    blocks: Sequence[Sequence[int | None]]
    valid_until: date | None = None
    minimum_m3: int = 0
    fixed_charge: int = 0
    maintenance_charge: int = 0
    admin_charge: int = 0
    late_fee: int = 0
    decree: str = ""


def save_group(
    session: Session, actor: Actor, code: str, name: str, payer_kind: str = "resident"
) -> PdamGroup:
    _require(actor, ADMIN)
    code = (code or "").strip().upper()
    if not code or len(code) > 10 or not name.strip():
        raise InvalidInput(
            _("A group needs a code (up to 10 characters) and a name."), slug="invalid-group"
        )
    if payer_kind not in ("resident", "business", "institution", "other"):
        raise InvalidInput(
            _("Unknown payer kind %(kind)s.", kind=repr(payer_kind)), slug="invalid-group"
        )
    group = session.get(PdamGroup, code) or PdamGroup(code=code)
    group.name, group.payer_kind = name.strip()[:80], payer_kind
    session.add(group)
    session.flush()
    return group


def groups(session: Session) -> list[PdamGroup]:
    return list(session.scalars(select(PdamGroup).order_by(PdamGroup.code)))


def _money(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**10:
        raise InvalidInput(
            _("%(what)s must be whole rupiah.", what=what), slug="invalid-amount", field=what
        )
    return value


def add_tariff(session: Session, actor: Actor, data: TariffInput) -> PdamTariff:
    """Record a tariff decree for a group.

    The group's open-ended decree that started earlier ends the day before
    the new one starts (a new decree takes effect on its date); any other
    overlap of validity is refused.
    """
    _require(actor, ADMIN)
    group = session.get(PdamGroup, (data.group_code or "").upper())
    if group is None:
        raise InvalidInput(
            _("No customer group %(code)s.", code=repr(data.group_code)), slug="unknown-group"
        )
    try:
        blocks = check_blocks(data.blocks)
    except ValueError as error:
        raise InvalidInput(
            _("Bad tariff blocks: %(problem)s", problem=str(error)),
            slug="invalid-blocks",
            field="blocks",
        ) from None
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise InvalidInput(_("The tariff ends before it starts."), slug="invalid-validity")
    if (
        isinstance(data.minimum_m3, bool)
        or not isinstance(data.minimum_m3, int)
        or not 0 <= data.minimum_m3 <= 1000
    ):
        raise InvalidInput(_("The minimum volume is whole m3 (0-1000)."), slug="invalid-minimum")
    for what in ("fixed_charge", "maintenance_charge", "admin_charge", "late_fee"):
        _money(getattr(data, what), what)
    existing = list(
        session.scalars(
            select(PdamTariff).where(PdamTariff.group_code == group.code).with_for_update()
        )
    )
    new_end = data.valid_until or date.max
    for other in existing:
        other_end = other.valid_until or date.max
        if other.valid_until is None and other.valid_from < data.valid_from:
            continue  # closed below
        if other.valid_from <= new_end and data.valid_from <= other_end:
            raise Conflict(
                _(
                    "The decree overlaps the tariff valid from %(start)s for group %(group)s.",
                    start=other.valid_from.isoformat(),
                    group=group.code,
                ),
                slug="tariff-overlap",
            )
    for other in existing:
        if other.valid_until is None and other.valid_from < data.valid_from:
            if data.valid_until is not None:
                raise Conflict(
                    _("A decree inside an open-ended tariff needs no end date."),
                    slug="tariff-overlap",
                )
            other.valid_until = data.valid_from - timedelta(days=1)
    tariff = PdamTariff(
        group_code=group.code,
        decree=(data.decree or "").strip()[:200],
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        blocks=[list(b) for b in blocks],
        minimum_m3=data.minimum_m3,
        fixed_charge=data.fixed_charge,
        maintenance_charge=data.maintenance_charge,
        admin_charge=data.admin_charge,
        late_fee=data.late_fee,
    )
    session.add(tariff)
    session.flush()
    audit(
        session,
        actor,
        "pdam.tariff.add",
        "pdam_tariff",
        tariff.id,
        group=group.code,
        valid_from=data.valid_from.isoformat(),
    )
    return tariff


def tariffs(session: Session, group_code: str | None = None) -> list[PdamTariff]:
    stmt = select(PdamTariff).order_by(PdamTariff.group_code, PdamTariff.valid_from)
    if group_code:
        stmt = stmt.where(PdamTariff.group_code == group_code.upper())
    return list(session.scalars(stmt))


def seed_karanganyar(session: Session, actor: Actor, valid_from: date = date(2009, 7, 1)) -> int:
    """The PDAM Karanganyar table (Jul 2009) as groups and decrees; returns decrees added."""
    _require(actor, ADMIN)
    kinds = {
        "IP": "institution",
        "SE": "institution",
        "NK": "business",
        "NB": "business",
        "IK": "business",
        "SU": "other",
    }
    added = 0
    for code, (name, prices) in KARANGANYAR_2009.items():
        save_group(session, actor, code, name, kinds.get(code, "resident"))
        if session.scalar(select(PdamTariff.id).where(PdamTariff.group_code == code)) is not None:
            continue
        blocks = [(10, prices[0]), (20, prices[1]), (30, prices[2]), (None, prices[3])]
        add_tariff(
            session,
            actor,
            TariffInput(
                group_code=code,
                valid_from=valid_from,
                blocks=blocks,
                minimum_m3=10,
                fixed_charge=11_500 if code not in ("SU", "SK") else 5_000,
                maintenance_charge=2_500,
                admin_charge=1_500,
                late_fee=10_000,
                decree="Tarif PDAM Karanganyar Juli 2009",
            ),
        )
        added += 1
    return added


def tariffs_for(session: Session, group_code: str, first: date, last: date) -> list[PdamTariff]:
    return list(
        session.scalars(
            select(PdamTariff)
            .where(
                PdamTariff.group_code == group_code,
                PdamTariff.valid_from <= last,
                (PdamTariff.valid_until.is_(None)) | (PdamTariff.valid_until >= first),
            )
            .order_by(PdamTariff.valid_from)
        )
    )


@dataclass(frozen=True)
class Charge:
    """What a month's volume costs, line by line."""

    lines: tuple[tuple[str, int], ...]
    water: int
    fixed: int

    @property
    def total(self) -> int:
        return self.water + self.fixed


def compute_charge(in_force: Sequence[PdamTariff], first: date, last: date, m3: int) -> Charge:
    """Block lines and fixed charges of ``m3`` over the month ``first..last``.

    One decree: a line per block. A decree change inside the month: each
    decree's charge weighted by the days it was in force.
    """
    if not in_force:
        raise InvalidInput(
            _("No tariff is in force for this group in the month."), slug="no-tariff"
        )
    try:
        parts = prorate(first, last, [(t.valid_from, t.valid_until) for t in in_force])
    except ValueError:
        raise InvalidInput(
            _("The tariffs do not cover every day of the month."), slug="no-tariff"
        ) from None
    lines: list[tuple[str, int]] = []
    if len(parts) == 1:
        tariff = in_force[parts[0][0]]
        lower = 0
        for inside, price, charge, upper in block_charges(
            tariff.blocks, m3, minimum_m3=tariff.minimum_m3
        ):
            label = f"{lower + 1}-{upper}" if upper is not None else f">{lower}"
            lines.append((f"Air {label} m3: {inside} x Rp{price:,}".replace(",", "."), charge))
            lower = upper or lower
        water = sum(amount for _label, amount in lines)
    else:
        charges = [water_charge(t.blocks, m3, minimum_m3=t.minimum_m3) for t in in_force]
        water = prorated_charge(charges, parts)
        spans = ", ".join(
            f"{days} hari {in_force[i].decree or in_force[i].valid_from}" for i, days in parts
        )
        lines.append((f"Air {m3} m3 (prorata: {spans})", water))
    current = in_force[parts[-1][0]]
    fixed = 0
    for label, amount in (
        ("Biaya beban", current.fixed_charge),
        ("Pemeliharaan meter", current.maintenance_charge),
        ("Administrasi", current.admin_charge),
    ):
        if amount:
            lines.append((label, amount))
            fixed += amount
    return Charge(tuple(lines), water, fixed)


# --- connections ---------------------------------------------------------------------


def _next_number(session: Session, desa: OrgUnit) -> str:
    prefix = desa.code.replace(".", "")[-6:]
    last = session.scalar(
        select(func.max(PdamConnection.number)).where(PdamConnection.number.startswith(prefix))
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def create_connection(
    session: Session,
    actor: Actor,
    *,
    holder_name: str,
    desa_code: str,
    group_code: str,
    address: str = "",
    holder_kind: str = "resident",
    holder_nik: str = "",
    meter_serial: str = "",
    meter_size: str = "1/2",
    meter_digits: int = 5,
    zone: str = "",
    connected_on: date | None = None,
    number: str = "",
    now: datetime | None = None,
) -> PdamConnection:
    """A new active connection in a desa (``pdam.admin`` there)."""
    desa = _desa(session, desa_code)
    _require(actor, ADMIN, desa)
    group = session.get(PdamGroup, (group_code or "").upper())
    if group is None:
        raise InvalidInput(
            _("No customer group %(code)s.", code=repr(group_code)),
            slug="unknown-group",
            field="group_code",
        )
    if not (holder_name or "").strip():
        raise InvalidInput(
            _("The holder's name is required."), slug="invalid-holder", field="holder_name"
        )
    if holder_kind not in ("resident", "business", "institution", "other"):
        raise InvalidInput(
            _("Unknown holder kind %(kind)s.", kind=repr(holder_kind)), slug="invalid-holder"
        )
    nik = clean_nik(holder_nik) if holder_nik else ""
    if nik and (len(nik) != 16 or not nik.isdigit()):
        raise InvalidInput(_("A NIK has 16 digits."), slug="invalid-nik", field="holder_nik")
    if (
        isinstance(meter_digits, bool)
        or not isinstance(meter_digits, int)
        or not 3 <= meter_digits <= MAX_VALUE_DIGITS
    ):
        raise InvalidInput(
            _("A meter has 3 to 8 digits."), slug="invalid-meter", field="meter_digits"
        )
    number = (number or "").strip() or _next_number(session, desa)
    if session.scalar(select(PdamConnection.id).where(PdamConnection.number == number)):
        raise Conflict(
            _("Customer number %(number)s exists.", number=number), slug="connection-exists"
        )
    now = now or utcnow()
    day = connected_on or now.date()
    connection = PdamConnection(
        number=number,
        holder_kind=holder_kind,
        holder_name=holder_name.strip()[:200],
        holder_nik=nik,
        address=(address or "").strip()[:300],
        desa=desa,
        desa_id=desa.id,
        group_code=group.code,
        zone=(zone or "").strip()[:20] or desa.code.rsplit(".", 1)[0],
        meter_serial=(meter_serial or "").strip()[:30],
        meter_size=(meter_size or "1/2").strip()[:10],
        meter_digits=meter_digits,
        status=ConnectionStatus.ACTIVE.value,
        connected_on=day,
        check_code=_check_code(),
    )
    connection.history.append(
        PdamStatusChange(
            status=ConnectionStatus.ACTIVE.value,
            effective_on=day,
            reason="new connection",
            at=now,
            by_id=actor.user_id,
        )
    )
    session.add(connection)
    session.flush()
    _audit(session, actor, "connection.create", number, desa.id, group=group.code)
    return connection


def get_connection(
    session: Session, actor: Actor, number: str, *, personal: bool = False
) -> PdamConnection:
    """One connection (404 outside the actor's units); ``personal`` audits the holder's NIK read."""
    connection = session.scalar(
        select(PdamConnection).where(PdamConnection.number == (number or "").strip())
    )
    if connection is None or not _can_read(actor, connection.desa):
        raise NotFound(
            _("No connection has the number %(number)s.", number=number),
            slug="connection-not-found",
        )
    if personal and connection.holder_nik:
        record_personal_read(
            session,
            actor,
            subject=("pdam_connection", connection.id),
            unit=connection.desa_id,
            purpose="pdam.connection",
            fields=("holder_nik", "address"),
        )
    return connection


def connections_query(
    actor: Actor,
    *,
    desa_code: str | None = None,
    status: str | None = None,
    group: str | None = None,
    search: str | None = None,
) -> Select[tuple[PdamConnection]]:
    stmt = (
        select(PdamConnection)
        .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
        .where(
            actor.scope_filter(READER, OrgUnit.path)
            | actor.scope_filter(BILLING, OrgUnit.path)
            | actor.scope_filter(ADMIN, OrgUnit.path)
            | actor.scope_filter(REPORT, OrgUnit.path)
        )
        .order_by(PdamConnection.number)
    )
    if desa_code:
        stmt = stmt.where(OrgUnit.code == desa_code)
    if status:
        stmt = stmt.where(PdamConnection.status == status)
    if group:
        stmt = stmt.where(PdamConnection.group_code == group.upper())
    if search:
        stmt = stmt.where(PdamConnection.number.startswith(search.strip()))
    return stmt


def set_status(
    session: Session,
    actor: Actor,
    number: str,
    status: str,
    *,
    reason: str,
    effective_on: date | None = None,
    now: datetime | None = None,
) -> PdamConnection:
    """Seal, reconnect or close a connection (``pdam.billing`` or ``pdam.admin`` at its desa)."""
    connection = get_connection(session, actor, number)
    if not (actor.can(BILLING, connection.desa) or actor.can(ADMIN, connection.desa)):
        _require(actor, BILLING, connection.desa)
    if status not in {s.value for s in ConnectionStatus}:
        raise InvalidInput(
            _("Unknown status %(status)s.", status=repr(status)), slug="invalid-status"
        )
    if connection.status == ConnectionStatus.CLOSED:
        raise Conflict(_("The connection is closed."), slug="connection-closed")
    if status == connection.status:
        raise Conflict(
            _("The connection is already %(status)s.", status=status), slug="same-status"
        )
    now = now or utcnow()
    connection.status = status
    connection.history.append(
        PdamStatusChange(
            status=status,
            effective_on=effective_on or now.date(),
            reason=(reason or "").strip()[:300],
            at=now,
            by_id=actor.user_id,
        )
    )
    session.flush()
    _audit(session, actor, "connection.status", number, connection.desa_id, status=status)
    return connection


# --- readings ------------------------------------------------------------------------


def _history(session: Session, connection_id: int, period: str, months: int) -> list[PdamReading]:
    return list(
        session.scalars(
            select(PdamReading)
            .where(
                PdamReading.connection_id == connection_id,
                PdamReading.period < period,
                PdamReading.period >= previous_period(period, months),
                PdamReading.status == ReadingStatus.ACCEPTED.value,
            )
            .order_by(PdamReading.period.desc())
        )
    )


def _last_value(session: Session, connection_id: int, period: str) -> int | None:
    return session.scalar(
        select(PdamReading.value)
        .where(
            PdamReading.connection_id == connection_id,
            PdamReading.period < period,
            PdamReading.value.is_not(None),
            PdamReading.status == ReadingStatus.ACCEPTED.value,
        )
        .order_by(PdamReading.period.desc())
        .limit(1)
    )


def estimate(history: Sequence[PdamReading]) -> int:
    """Average of the last 3 months' consumption (0 without history)."""
    recent = [r.consumption for r in history[:3]]
    return round(sum(recent) / len(recent)) if recent else 0


def parse_value(raw: Any) -> int | None:
    """A meter index from a form, JSON or CSV: digits only (letters and signs are refused)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InvalidInput(_("A reading is a whole number."), slug="invalid-reading", field="value")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not text.isdigit() or not text.isascii():
            raise InvalidInput(
                _("%(value)s is not a meter reading (digits only).", value=repr(text[:20])),
                slug="invalid-reading",
                field="value",
            )
        value = int(text)
    if value < 0:
        raise InvalidInput(
            _("A reading cannot be negative."), slug="invalid-reading", field="value"
        )
    return value


def record_reading(
    session: Session,
    actor: Actor,
    *,
    number: str,
    period: str,
    value: Any,
    condition: str = Condition.WORKING.value,
    rollover: bool = False,
    read_on: date | None = None,
    source: str = "page",
    today: date | None = None,
    now: datetime | None = None,
) -> PdamReading:
    """Record a month's reading; suspicious ones are held for review, not billed.

    Held: below the previous index (unless a rollover of its digits or a
    reset meter is recorded), over 3x the 6-month average, zero for the
    third month running, or for a sealed or closed connection. A stuck,
    broken or missing meter gets the 3-month average as an estimate.
    """
    now = now or utcnow()
    today = today or now.date()
    connection = get_connection(session, actor, number)
    _require(actor, READER, connection.desa)
    check_period(period, today)
    if condition not in {c.value for c in Condition}:
        raise InvalidInput(
            _("Unknown meter condition %(c)s.", c=repr(condition)),
            slug="invalid-condition",
            field="condition",
        )
    index = parse_value(value)
    if index is not None and index >= 10**connection.meter_digits:
        raise InvalidInput(
            _(
                "The meter has %(digits)d digits: %(value)d cannot be on it.",
                digits=connection.meter_digits,
                value=index,
            ),
            slug="invalid-reading",
            field="value",
        )
    if index is None and condition in (Condition.WORKING.value, Condition.RESET.value):
        raise InvalidInput(
            _("A working meter needs its reading."), slug="missing-reading", field="value"
        )
    billed = session.scalar(
        select(PdamBill.id).where(
            PdamBill.connection_id == connection.id, PdamBill.period == period
        )
    )
    if billed is not None:
        raise Conflict(
            _("%(period)s is billed already for %(number)s.", period=period, number=number),
            slug="already-billed",
        )
    reading = session.scalar(
        select(PdamReading).where(
            PdamReading.connection_id == connection.id, PdamReading.period == period
        )
    )
    history = _history(session, connection.id, period, 6)
    previous = _last_value(session, connection.id, period)
    if reading is None:
        reading = PdamReading(connection_id=connection.id, period=period)
        session.add(reading)
    problem = ""
    estimated = False
    consumption = 0
    if condition in (Condition.STUCK.value, Condition.BROKEN.value, Condition.NO_METER.value):
        consumption, estimated = estimate(history), True
    elif condition == Condition.RESET.value:
        consumption = index or 0
    elif previous is None:
        consumption = 0
    elif index < previous:
        if rollover:
            consumption = 10**connection.meter_digits - previous + index
        else:
            problem = "below-previous"
    else:
        consumption = index - previous
    if not problem and not estimated:
        used = [r.consumption for r in history if not r.estimated]
        average = sum(used) / len(used) if used else 0
        if average and consumption > 3 * average and consumption > 10:
            problem = "jump"
        elif (
            consumption == 0 and len(history) >= 2 and all(r.consumption == 0 for r in history[:2])
        ):
            problem = "zero-3-months"
    if connection.status != ConnectionStatus.ACTIVE:
        problem = "not-active"
    reading.read_on = read_on or today
    reading.value = index
    reading.consumption = consumption
    reading.condition = condition
    reading.estimated = estimated
    reading.rollover = bool(rollover)
    reading.problem = problem
    reading.status = ReadingStatus.HELD.value if problem else ReadingStatus.ACCEPTED.value
    reading.source = source[:10]
    reading.reader_id = actor.user_id
    reading.recorded_at = now
    session.flush()
    return reading


def review_reading(
    session: Session, actor: Actor, reading_id: int, *, accept: bool, consumption: int | None = None
) -> PdamReading:
    """Accept a held reading (optionally with a corrected volume) or ask for a re-read."""
    reading = session.get(PdamReading, reading_id)
    if reading is None or not _can_read(actor, reading.connection.desa):
        raise NotFound(_("No such reading."), slug="reading-not-found")
    _require(actor, BILLING, reading.connection.desa)
    if reading.status != ReadingStatus.HELD:
        raise Conflict(_("The reading is not held."), slug="not-held")
    if accept:
        if consumption is not None:
            if isinstance(consumption, bool) or not isinstance(consumption, int) or consumption < 0:
                raise InvalidInput(_("The volume is whole m3."), slug="invalid-volume")
            reading.consumption = consumption
        reading.status = ReadingStatus.ACCEPTED.value
        reading.problem = ""
    else:  # read again: it stays out of the bill until a new reading replaces it
        reading.problem = "read-again"
    session.flush()
    audit(session, actor, "pdam.reading.review", "pdam_reading", reading_id, accepted=accept)
    return reading


def held_readings(session: Session, actor: Actor, period: str | None = None) -> list[PdamReading]:
    stmt = (
        select(PdamReading)
        .join(PdamConnection, PdamConnection.id == PdamReading.connection_id)
        .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
        .where(
            PdamReading.status == ReadingStatus.HELD.value,
            actor.scope_filter(BILLING, OrgUnit.path) | actor.scope_filter(READER, OrgUnit.path),
        )
        .order_by(PdamReading.period.desc(), PdamConnection.number)
        .limit(500)
    )
    if period:
        stmt = stmt.where(PdamReading.period == period)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ImportResult:
    imported: int
    held: int
    errors: tuple[tuple[int, str], ...]


CSV_COLUMNS = ("customer_number", "period", "reading", "condition", "read_on")


def import_readings(
    session: Session, actor: Actor, text: str, *, skip_bad: bool = False, today: date | None = None
) -> ImportResult:
    """Readings from a handheld's CSV (columns :data:`CSV_COLUMNS`, a header line).

    Every bad row is reported with its line number; with any bad row nothing
    is imported unless ``skip_bad`` (then the good rows are).
    """
    _require(actor, READER)
    reader = csv_dict_reader(text)
    missing = [c for c in CSV_COLUMNS[:3] if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            _("The CSV lacks the columns: %(cols)s.", cols=", ".join(missing)), slug="invalid-csv"
        )
    errors: list[tuple[int, str]] = []
    imported = held = 0
    whole = session.begin_nested()  # rolled back when any row is bad (unless skip_bad)
    for row in reader:
        line = reader.line_num
        try:
            with session.begin_nested():
                read_on = None
                if (row.get("read_on") or "").strip():
                    try:
                        read_on = date.fromisoformat(row["read_on"].strip())
                    except ValueError:
                        raise InvalidInput(
                            _("read_on is not a date."), slug="invalid-date"
                        ) from None
                reading = record_reading(
                    session,
                    actor,
                    number=(row.get("customer_number") or "").strip(),
                    period=(row.get("period") or "").strip(),
                    value=(row.get("reading") or "").strip(),
                    condition=(row.get("condition") or "").strip() or Condition.WORKING.value,
                    read_on=read_on,
                    source="csv",
                    today=today,
                )
                imported += 1
                held += reading.status == ReadingStatus.HELD
        except (InvalidInput, NotFound, Conflict, Forbidden) as error:
            errors.append((line, error.detail))
    if errors and not skip_bad:
        whole.rollback()
        raise InvalidInput(
            _("%(count)d bad rows; nothing was imported.", count=len(errors)),
            slug="invalid-csv",
            errors=[{"line": n, "problem": p} for n, p in errors],
        )
    whole.commit()
    return ImportResult(imported, held, tuple(errors))


# --- the bill run --------------------------------------------------------------------


@dataclass
class RunResult:
    period: str
    billed: int = 0
    skipped: int = 0
    estimated: int = 0
    total: int = 0
    remaining: int = 0


def _to_bill(session: Session, actor: Actor, period: str, *columns: Any) -> Select[Any]:
    """Active connections in the actor's scope not yet billed for ``period``, by id.

    ``NOT EXISTS`` on the (connection, period) key: each connection is one
    index probe, where ``NOT IN`` rebuilt the set of the month's bills for
    every batch (quadratic over a bill run).
    """
    billed = (
        select(PdamBill.id)
        .where(PdamBill.connection_id == PdamConnection.id, PdamBill.period == period)
        .exists()
    )
    return (
        select(*(columns or (PdamConnection,)))
        .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
        .where(
            PdamConnection.status == ConnectionStatus.ACTIVE.value,
            actor.scope_filter(BILLING, OrgUnit.path),
            ~billed,
        )
        .order_by(PdamConnection.id)
    )


def _count(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def unread(session: Session, actor: Actor, period: str) -> int:
    """Active connections still to bill without an accepted reading for the month."""
    read = (
        select(PdamReading.id)
        .where(
            PdamReading.connection_id == PdamConnection.id,
            PdamReading.period == period,
            PdamReading.status == ReadingStatus.ACCEPTED.value,
        )
        .exists()
    )
    return _count(session, _to_bill(session, actor, period, PdamConnection.id).where(~read))


#: The columns of a connection the bill needs (plain rows: a batch is a thousand).
_BILL_COLUMNS = (
    PdamConnection.id,
    PdamConnection.number,
    PdamConnection.group_code,
    PdamConnection.holder_kind,
    PdamConnection.holder_name,
    PdamConnection.holder_nik,
    OrgUnit.code,
)


def bill_run(
    session: Session,
    actor: Actor,
    period: str,
    *,
    estimate_missing: bool = False,
    today: date | None = None,
    batch: int = 500,
    limit: int | None = None,
    commit: Callable[[], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    due_day: int = 20,
) -> RunResult:
    """Bill the month: one billing invoice per active connection, lines per block and fixed charge.

    Idempotent (connections billed for the month are skipped; billing keeps
    one active invoice per reference and period) and resumable: each batch
    is committed through ``commit``, so a crash loses at most one batch. A
    future month is refused; so is a month with unread connections unless
    ``estimate_missing`` (then the 3-month average is billed, marked estimated).
    The connections to bill are counted once and walked in id order
    (``progress(billed, todo)`` after each batch); ``limit`` bills at most
    that many (one step of the page or the API).
    """
    if not actor.is_system:
        _require(actor, BILLING)
    today = today or utcnow().date()
    first, last = check_period(period, today)
    if last >= today and not estimate_missing:
        raise Conflict(_("%(period)s has not ended yet.", period=period), slug="period-open")
    missing = unread(session, actor, period)
    if missing and not estimate_missing:
        raise Conflict(
            _(
                "%(count)d active connections have no accepted reading for %(period)s; "
                "read them or bill with estimates.",
                count=missing,
                period=period,
            ),
            slug="readings-open",
            unread=missing,
        )
    result = RunResult(period)
    pending = _count(session, _to_bill(session, actor, period, PdamConnection.id))
    todo = pending if limit is None else min(pending, limit)
    due = date(last.year + (last.month == 12), last.month % 12 + 1, 1) + timedelta(days=due_day - 1)
    bills = _BillMaker(session, period, first, last, due)
    after = 0  # keyset: the last connection id of the batch before
    while result.billed < todo:
        size = min(batch, todo - result.billed)
        connections = session.execute(
            _to_bill(session, actor, period, *_BILL_COLUMNS)
            .where(PdamConnection.id > after)
            .limit(size)
        ).all()
        if not connections:
            break
        after = connections[-1].id
        requests, rows = bills.make(connections)
        answers = billing.issue_invoices(session, Actor.system("pdam bill run"), requests)
        for row, answer in zip(rows, answers, strict=True):
            row["invoice_number"] = answer.number
            result.total += answer.total if answer.created else 0
            result.skipped += not answer.created
            result.estimated += row["estimated"]
        insert_rows(session, PdamBill, rows)
        result.billed += len(connections)
        if commit is not None:
            commit()
        if progress is not None:
            progress(result.billed, todo)
    result.remaining = pending - result.billed
    audit(
        session,
        actor,
        "pdam.bill_run",
        "pdam_period",
        period,
        billed=result.billed,
        total=result.total,
    )
    return result


class _BillMaker:
    """The invoice requests and bill rows of a batch of connections, for one month.

    Tariffs, groups and the invoice lines of a (group, volume) pair are
    looked up once per run: most connections of a group use a few volumes.
    """

    def __init__(self, session: Session, period: str, first: date, last: date, due: date):
        self.session, self.period, self.first, self.last, self.due = (
            session,
            period,
            first,
            last,
            due,
        )
        self.payer_kinds = {g.code: g.payer_kind for g in groups(session)}
        self.tariffs: dict[str, list[PdamTariff]] = {}
        self.charges: dict[tuple[str, int], tuple[Charge, tuple[billing.Line, ...]]] = {}

    def charge(self, group: str, m3: int) -> tuple[Charge, tuple[billing.Line, ...]]:
        key = (group, m3)
        if key not in self.charges:
            if group not in self.tariffs:
                self.tariffs[group] = tariffs_for(self.session, group, self.first, self.last)
            charge = compute_charge(self.tariffs[group], self.first, self.last, m3)
            period = self.period
            lines = tuple(
                billing.Line(label, amount, account_code=WATER_ACCOUNT, period=period)
                for label, amount in charge.lines
                if amount > 0
            ) or (billing.Line("Rekening air", 1, account_code=WATER_ACCOUNT, period=period),)
            self.charges[key] = (charge, lines)
        return self.charges[key]

    def make(self, connections: Sequence[Any]) -> tuple[list[billing.InvoiceRequest], list[dict]]:
        session, period = self.session, self.period
        ids = [c.id for c in connections]
        readings = {
            cid: (status, used, estimated)
            for cid, status, used, estimated in session.execute(
                select(
                    PdamReading.connection_id,
                    PdamReading.status,
                    PdamReading.consumption,
                    PdamReading.estimated,
                ).where(PdamReading.period == period, PdamReading.connection_id.in_(ids))
            )
        }
        history: dict[int, list[int]] = defaultdict(list)
        for cid, used in session.execute(
            select(PdamReading.connection_id, PdamReading.consumption).where(
                PdamReading.connection_id.in_(ids),
                PdamReading.period < period,
                PdamReading.period >= previous_period(period, 3),
                PdamReading.status == ReadingStatus.ACCEPTED.value,
            )
        ):
            history[cid].append(used)
        requests: list[billing.InvoiceRequest] = []
        rows: list[dict[str, Any]] = []
        for cid, number, group, holder_kind, holder_name, holder_nik, unit_code in connections:
            status, used_now, estimated_now = readings.get(cid, ("", 0, False))
            if status == ReadingStatus.ACCEPTED:
                m3, estimated = used_now, estimated_now
            else:
                used = history.get(cid, [])
                m3, estimated = (round(sum(used) / len(used)) if used else 0), True
            charge, lines = self.charge(group, m3)
            note = ", taksiran" if estimated else ""
            requests.append(
                billing.InvoiceRequest(
                    source=SOURCE,
                    reference=f"pdam_connection:{number}",
                    unit_code=unit_code,
                    payer=billing.Payer(
                        self.payer_kinds[group] if holder_kind == "resident" else holder_kind,
                        holder_name,
                        f"pdam:{number}",
                        holder_nik,
                    ),
                    lines=lines,
                    period=period,
                    due_date=self.due,
                    description=f"Rekening air {period} {number} ({m3} m3{note})",
                )
            )
            rows.append(
                {
                    "connection_id": cid,
                    "period": period,
                    "m3": m3,
                    "water": charge.water,
                    "fixed": charge.fixed,
                    "total": charge.total,
                    "estimated": estimated,
                }
            )
        return requests, rows


def bills_of(session: Session, connection: PdamConnection, months: int = 12) -> list[PdamBill]:
    return list(
        session.scalars(
            select(PdamBill)
            .where(PdamBill.connection_id == connection.id)
            .order_by(PdamBill.period.desc())
            .limit(months)
        )
    )


# --- arrears, late fees, sealing -------------------------------------------------------


def add_late_fees(session: Session, actor: Actor, today: date) -> int:
    """Add the decree's late fee once to every PDAM bill unpaid after its due date."""
    _require(actor, BILLING)
    count = 0
    bills = list(session.scalars(select(PdamBill).where(PdamBill.late_fee_added.is_(False))))
    statuses = billing.invoice_statuses(session, [b.invoice_number for b in bills])
    system = Actor.system("pdam late fees")
    for bill in bills:
        status = statuses.get(bill.invoice_number)
        if (
            status is None
            or status.status != "unpaid"
            or status.paid
            or status.due_date is None
            or status.due_date >= today
        ):
            continue
        if not actor.can(BILLING, bill.connection.desa):
            continue
        first, last = month_bounds(bill.period)
        in_force = tariffs_for(session, bill.connection.group_code, first, last)
        fee = in_force[-1].late_fee if in_force else 0
        if fee <= 0:
            continue
        billing.add_lines(
            session,
            system,
            bill.invoice_number,
            [
                billing.Line(
                    f"Denda keterlambatan {bill.period}",
                    fee,
                    account_code=WATER_ACCOUNT,
                    period=bill.period,
                )
            ],
        )
        bill.late_fee_added = True
        count += 1
    session.flush()
    return count


@dataclass(frozen=True)
class Arrear:
    number: str
    masked_name: str
    desa: str
    group: str
    status: str
    months: int
    amount: int
    oldest: str


def _unpaid(
    session: Session, actor: Actor
) -> Iterator[tuple[PdamBill, PdamConnection, OrgUnit, billing.InvoiceInfo]]:
    """Bills with something still to pay in the actor's units (``pdam.billing`` or ``.report``)."""
    if not (actor.can(BILLING) or actor.can(REPORT)):
        _require(actor, REPORT)
    rows = session.execute(
        select(PdamBill, PdamConnection, OrgUnit)
        .join(PdamConnection, PdamConnection.id == PdamBill.connection_id)
        .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
        .where(actor.scope_filter(BILLING, OrgUnit.path) | actor.scope_filter(REPORT, OrgUnit.path))
    ).all()
    statuses = billing.invoice_statuses(session, [bill.invoice_number for bill, _c, _u in rows])
    for bill, connection, unit in rows:
        info = statuses.get(bill.invoice_number)
        if info is not None and info.outstanding > 0:
            yield bill, connection, unit, info


def arrears(session: Session, actor: Actor, *, min_months: int = 1) -> list[Arrear]:
    """Connections with unpaid bills, most months first (``pdam.billing`` or ``pdam.report``)."""
    owed: dict[int, list[Any]] = {}
    for bill, connection, unit, info in _unpaid(session, actor):
        entry = owed.setdefault(connection.id, [connection, unit, 0, 0, bill.period])
        entry[2] += 1
        entry[3] += info.outstanding
        entry[4] = min(entry[4], bill.period)
    found = [
        Arrear(
            c.number,
            mask_name(c.holder_name),
            u.name,
            c.group_code,
            c.status,
            months,
            amount,
            oldest,
        )
        for c, u, months, amount, oldest in owed.values()
        if months >= min_months
    ]
    return sorted(found, key=lambda a: (-a.months, -a.amount, a.number))


def bill_list(session: Session, actor: Actor, period: str) -> list[dict[str, Any]]:
    """The month's bills in the actor's units, by customer number (the bill run's list)."""
    if not (actor.can(BILLING) or actor.can(REPORT)):
        _require(actor, REPORT)
    rows = session.execute(
        select(PdamBill, PdamConnection.number, PdamConnection.group_code, OrgUnit.name)
        .join(PdamConnection, PdamConnection.id == PdamBill.connection_id)
        .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
        .where(
            PdamBill.period == period,
            actor.scope_filter(BILLING, OrgUnit.path) | actor.scope_filter(REPORT, OrgUnit.path),
        )
        .order_by(PdamConnection.number)
    )
    return [
        {
            "customer_number": number,
            "desa": desa,
            "group": group,
            "period": bill.period,
            "m3": bill.m3,
            "estimated": bill.estimated,
            "water": bill.water,
            "fixed": bill.fixed,
            "total": bill.total,
            "invoice_number": bill.invoice_number,
        }
        for bill, number, group, desa in rows
    ]


def _household_sizes(session: Session, niks: Iterable[str]) -> dict[str, int]:
    """NIK of a holder -> living people on the holder's family card (KK) in the registry."""
    wanted = sorted(set(niks) - {""})
    kk_of: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        kk_of.update(
            (nik, kk)
            for nik, kk in session.execute(
                select(Resident.nik, Resident.kk_number).where(
                    Resident.nik.in_(wanted[start : start + 500]), Resident.kk_number.is_not(None)
                )
            )
        )
    cards = sorted(set(kk_of.values()))
    size: dict[str, int] = {}
    for start in range(0, len(cards), 500):
        size.update(
            (kk, count)
            for kk, count in session.execute(
                select(Resident.kk_number, func.count())
                .where(
                    Resident.kk_number.in_(cards[start : start + 500]),
                    Resident.status == ResidentStatus.LIVING.value,
                )
                .group_by(Resident.kk_number)
            )
        )
    return {nik: size[kk] for nik, kk in kk_of.items() if size.get(kk)}


def per_capita(session: Session, actor: Actor, period: str) -> list[dict[str, Any]]:
    """Household water use per person per day in ``period``, per desa (``pdam.report``).

    Only household connections whose holder is in the population registry
    count: their billed m3 over the living people on the holder's family
    card (KK) and the days of the month. ``connections`` is every household
    connection billed, ``linked`` those with a household in the registry.
    The last row (``desa_code`` ``*``) is the whole.
    """
    _require(actor, REPORT)
    first, last = check_period(period, date.max)  # a bad month is refused, a future one is empty
    days = (last - first).days + 1
    rows = session.execute(
        select(PdamBill.m3, PdamConnection.holder_nik, OrgUnit.code, OrgUnit.name)
        .join(PdamConnection, PdamConnection.id == PdamBill.connection_id)
        .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
        .where(
            PdamBill.period == period,
            PdamConnection.holder_kind == "resident",
            actor.scope_filter(REPORT, OrgUnit.path),
        )
    ).all()
    people = _household_sizes(session, (nik for _m3, nik, _c, _n in rows))
    totals: dict[str, dict[str, Any]] = {}
    for m3, nik, code, name in rows:
        for key, label in ((code, name), ("*", "")):
            entry = totals.setdefault(
                key,
                {
                    "desa_code": key,
                    "desa": label,
                    "connections": 0,
                    "linked": 0,
                    "persons": 0,
                    "m3": 0,
                },
            )
            entry["connections"] += 1
            if nik in people:
                entry["linked"] += 1
                entry["persons"] += people[nik]
                entry["m3"] += m3
    for entry in totals.values():
        persons = entry["persons"]
        entry["litres_per_person_day"] = (
            round(entry["m3"] * 1000 / persons / days, 1) if persons else None
        )
    whole = totals.pop("*", None)
    return sorted(totals.values(), key=lambda r: r["desa_code"]) + ([whole] if whole else [])


#: The ageing buckets of overdue bills: (key, first day, last day or None).
AGEING_BUCKETS = (("d0_30", 1, 30), ("d31_60", 31, 60), ("d61_90", 61, 90), ("d90_plus", 91, None))


def arrears_ageing(
    session: Session, actor: Actor, today: date, *, by: str = "desa"
) -> list[dict[str, Any]]:
    """Overdue rupiah per desa or customer group (``by``), aged by days past the due date.

    One row per desa (or group) with the amounts in the buckets 0-30,
    31-60, 61-90 and over 90 days overdue, the total and how many
    connections owe; the last row (``key`` ``*``) is the whole. Bills not
    yet due are not arrears and are left out.
    """
    if by not in ("desa", "group"):
        raise InvalidInput(_("Group arrears by desa or by group."), slug="invalid-grouping")
    rows: dict[str, dict[str, Any]] = {}
    owing: dict[str, set[int]] = defaultdict(set)

    def row(key: str, label: str) -> dict[str, Any]:
        blank = {"key": key, "label": label, "connections": 0, "total": 0}
        return rows.setdefault(key, blank | {b[0]: 0 for b in AGEING_BUCKETS})

    names = {g.code: g.name for g in groups(session)}
    for _bill, connection, unit, info in _unpaid(session, actor):
        days = (today - info.due_date).days if info.due_date else 0
        if days < 1:
            continue
        bucket = next(k for k, _low, high in AGEING_BUCKETS if high is None or days <= high)
        if by == "desa":
            key, label = unit.code, unit.name
        else:
            key, label = connection.group_code, names.get(connection.group_code, "")
        for entry in (row(key, label), row("*", "")):
            entry[bucket] += info.outstanding
            entry["total"] += info.outstanding
            owing[entry["key"]].add(connection.id)
    for key, entry in rows.items():
        entry["connections"] = len(owing[key])
    whole = rows.pop("*", None)
    return sorted(rows.values(), key=lambda r: (-r["total"], r["key"])) + ([whole] if whole else [])


def open_sealing_orders(
    session: Session, actor: Actor, *, min_months: int = 3, now: datetime | None = None
) -> list[PdamWorkOrder]:
    """A sealing work order for each active connection with ``min_months`` unpaid bills."""
    _require(actor, BILLING)
    now = now or utcnow()
    made = []
    for arrear in arrears(session, actor, min_months=min_months):
        connection = session.scalar(
            select(PdamConnection).where(PdamConnection.number == arrear.number)
        )
        if connection.status != ConnectionStatus.ACTIVE or not actor.can(BILLING, connection.desa):
            continue
        open_order = session.scalar(
            select(PdamWorkOrder.id).where(
                PdamWorkOrder.connection_id == connection.id, PdamWorkOrder.status == "open"
            )
        )
        if open_order is not None:
            continue
        order = PdamWorkOrder(
            connection_id=connection.id,
            kind="seal",
            arrears=arrear.amount,
            months=arrear.months,
            opened_at=now,
        )
        session.add(order)
        made.append(order)
    session.flush()
    if made:
        audit(session, actor, "pdam.sealing_orders", "pdam_work_order", made[0].id, count=len(made))
    return made


def work_orders(session: Session, actor: Actor, status: str = "open") -> list[PdamWorkOrder]:
    return list(
        session.scalars(
            select(PdamWorkOrder)
            .join(PdamConnection, PdamConnection.id == PdamWorkOrder.connection_id)
            .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
            .where(PdamWorkOrder.status == status, actor.scope_filter(BILLING, OrgUnit.path))
            .order_by(PdamWorkOrder.id)
            .limit(1000)
        )
    )


RECONNECTION_FEE = 50_000


def complete_work_order(
    session: Session, actor: Actor, order_id: int, *, now: datetime | None = None
) -> PdamWorkOrder:
    """Done in the field: a seal seals the connection; a reconnection reopens it."""
    order = session.get(PdamWorkOrder, order_id)
    if order is None or not _can_read(actor, order.connection.desa):
        raise NotFound(_("No such work order."), slug="work-order-not-found")
    _require(actor, BILLING, order.connection.desa)
    if order.status != "open":
        raise Conflict(_("The work order is done already."), slug="work-order-done")
    now = now or utcnow()
    if order.kind == "seal":
        set_status(
            session,
            actor,
            order.connection.number,
            ConnectionStatus.SEALED.value,
            reason=f"arrears {order.months} months",
            now=now,
        )
    else:
        set_status(
            session,
            actor,
            order.connection.number,
            ConnectionStatus.ACTIVE.value,
            reason="reconnected",
            now=now,
        )
    order.status, order.done_at = "done", now
    session.flush()
    return order


def request_reconnection(
    session: Session, actor: Actor, number: str, *, now: datetime | None = None
) -> PdamWorkOrder:
    """A reconnection order for a sealed connection, with its fee invoiced through billing."""
    connection = get_connection(session, actor, number)
    _require(actor, BILLING, connection.desa)
    if connection.status != ConnectionStatus.SEALED:
        raise Conflict(_("Only a sealed connection is reconnected."), slug="not-sealed")
    now = now or utcnow()
    fee = billing.create_invoice(
        session,
        Actor.system("pdam reconnection"),
        source=SOURCE,
        reference=f"pdam_reconnect:{connection.number}",
        unit_code=connection.desa.code,
        payer=billing.Payer(
            "other" if connection.holder_kind != "resident" else "resident",
            connection.holder_name,
            f"pdam:{connection.number}",
            connection.holder_nik,
        ),
        lines=[
            billing.Line("Biaya penyambungan kembali", RECONNECTION_FEE, account_code=WATER_ACCOUNT)
        ],
        period=now.strftime("%Y-%m-%d"),
        now=now,
    )
    order = PdamWorkOrder(
        connection_id=connection.id, kind="reconnect", fee_invoice=fee.number, opened_at=now
    )
    session.add(order)
    session.flush()
    return order


# --- public check and reports ------------------------------------------------------------


def public_check(session: Session, number: str, code: str) -> dict[str, Any]:
    """The last 12 months for the customer number and its check code: no personal data."""
    connection = session.scalar(
        select(PdamConnection).where(PdamConnection.number == (number or "").strip())
    )
    if connection is None or not secrets.compare_digest(
        connection.check_code, (code or "").strip().upper()
    ):
        raise NotFound(_("No bill matches that customer number and code."), slug="bill-not-found")
    bills = bills_of(session, connection, 12)
    statuses = billing.invoice_statuses(session, [b.invoice_number for b in bills])
    return {
        "number": connection.number,
        "name": mask_name(connection.holder_name),
        "desa": connection.desa.name,
        "group": connection.group_code,
        "status": connection.status,
        "bills": [
            {
                "period": b.period,
                "m3": b.m3,
                "estimated": b.estimated,
                "invoice_number": b.invoice_number,
                "check_code": statuses[b.invoice_number].check_code
                if b.invoice_number in statuses
                else "",
                "total": statuses[b.invoice_number].total
                if b.invoice_number in statuses
                else b.total,
                "outstanding": statuses[b.invoice_number].outstanding
                if b.invoice_number in statuses
                else 0,
                "status": statuses[b.invoice_number].status if b.invoice_number in statuses else "",
                "due_date": statuses[b.invoice_number].due_date
                if b.invoice_number in statuses
                else None,
            }
            for b in reversed(bills)
        ],
    }


def set_zone_input(
    session: Session, actor: Actor, zone: str, period: str, m3: int, today: date | None = None
) -> PdamZoneInput:
    """The system input volume of a supply zone in a month (from its bulk meter)."""
    _require(actor, ADMIN)
    check_period(period, today or utcnow().date())
    if isinstance(m3, bool) or not isinstance(m3, int) or m3 < 0:
        raise InvalidInput(_("The volume is whole m3."), slug="invalid-volume")
    row = session.scalar(
        select(PdamZoneInput).where(PdamZoneInput.zone == zone, PdamZoneInput.period == period)
    )
    if row is None:
        row = PdamZoneInput(zone=zone[:20], period=period, m3=m3)
        session.add(row)
    row.m3 = m3
    session.flush()
    return row


def nrw_report(session: Session, actor: Actor, periods: Iterable[str]) -> list[dict[str, Any]]:
    """Per month and zone (``*``: regency-wide): system input, billed m3, NRW m3 and %."""
    _require(actor, REPORT)
    wanted = sorted(set(periods))
    inputs = defaultdict(int)
    for zone, period, m3 in session.execute(
        select(PdamZoneInput.zone, PdamZoneInput.period, PdamZoneInput.m3).where(
            PdamZoneInput.period.in_(wanted)
        )
    ):
        inputs[(zone, period)] += m3
        inputs[("*", period)] += m3
    billed = defaultdict(int)
    for zone, period, m3 in session.execute(
        select(PdamConnection.zone, PdamBill.period, func.sum(PdamBill.m3))
        .join(PdamConnection, PdamConnection.id == PdamBill.connection_id)
        .where(PdamBill.period.in_(wanted))
        .group_by(PdamConnection.zone, PdamBill.period)
    ):
        billed[(zone, period)] += int(m3 or 0)
        billed[("*", period)] += int(m3 or 0)
    rows = []
    for zone, period in sorted(set(inputs) | set(billed), key=lambda k: (k[1], k[0] != "*", k[0])):
        system = inputs.get((zone, period), 0)
        used = billed.get((zone, period), 0)
        nrw = system - used if system else None
        rows.append(
            {
                "period": period,
                "zone": zone,
                "system_input_m3": system,
                "billed_m3": used,
                "nrw_m3": nrw,
                "nrw_percent": round(100 * nrw / system, 1) if system else None,
            }
        )
    return rows


def collection_report(
    session: Session, actor: Actor, periods: Iterable[str]
) -> list[dict[str, Any]]:
    """Per month: billed rupiah, collected, and collection efficiency (%)."""
    _require(actor, REPORT)
    wanted = sorted(set(periods))
    bills = list(session.scalars(select(PdamBill).where(PdamBill.period.in_(wanted))))
    statuses = billing.invoice_statuses(session, [b.invoice_number for b in bills])
    totals: dict[str, list[int]] = {p: [0, 0, 0] for p in wanted}
    for bill in bills:
        info = statuses.get(bill.invoice_number)
        if info is None or info.status in ("cancelled", "expired"):
            continue
        totals[bill.period][0] += info.total
        totals[bill.period][1] += info.paid
        totals[bill.period][2] += 1
    return [
        {
            "period": p,
            "bills": n,
            "billed": t,
            "collected": c,
            "efficiency_percent": round(100 * c / t, 1) if t else None,
        }
        for p, (t, c, n) in totals.items()
    ]

"""The PDAM demo: a few thousand connections in the regency's desa with a year of readings.

Built in bulk (plain INSERTs) so it stays quick: groups and the Karanganyar
tariff table, a tariff change for household group R2 in the middle of a
month (so a bill is prorated), connections across the desa (household ones
held by a member of a family card in the registry where the desa has one,
using about 130 litres a person a day, for the per-capita report), twelve months
of readings with stuck meters, a rollover and a few held jumps, zone input
volumes with a realistic 25-35% non-revenue water, the last three months
billed through the billing plugin and mostly paid at the PDAM cashier, the
last month read except for a few meters left for the phone page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    OrgUnit,
    OrgUnitKind,
    Resident,
    ResidentStatus,
    actor_of,
    add_staff,
    grant_staff_role,
    plugin_settings,
)
from pamong_plugins.billing import services as billing
from pamong_plugins.pdam import services
from pamong_plugins.pdam.models import (
    PdamBill,
    PdamConnection,
    PdamReading,
    PdamStatusChange,
    PdamZoneInput,
)
from pamong_plugins.pdam.tariffs import month_bounds

SYSTEM = Actor.system("pdam demo")
#: Group code, share of connections, mean monthly m3.
MIX = (
    ("R1", 0.25, 12),
    ("R2", 0.45, 18),
    ("R3", 0.12, 25),
    ("SU", 0.02, 30),
    ("SK", 0.02, 20),
    ("SE", 0.02, 60),
    ("IP", 0.02, 80),
    ("NK", 0.07, 35),
    ("NB", 0.02, 120),
    ("IK", 0.01, 200),
)
FIRST_NAMES = ("Budi", "Sri", "Agus", "Siti", "Joko", "Dewi", "Slamet", "Tri", "Endang", "Bambang")
LAST_NAMES = ("Santoso", "Lestari", "Wibowo", "Rahayu", "Susanto", "Wulandari", "Purnomo")
BILLED_MONTHS = 2  # the last two closed months are billed
UNREAD = 25  # meters of last month left for the phone page
LITRES_PER_PERSON_DAY = 130


def _utc(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC) - timedelta(hours=7)


def _households(session: Session) -> dict[int, list[tuple[str, str, int]]]:
    """Per desa id, one living member of each family card (KK): name, NIK and the KK's size."""
    found: dict[int, dict[str, list[Any]]] = {}
    for unit_id, kk, name, nik in session.execute(
        select(Resident.domicile_unit_id, Resident.kk_number, Resident.name, Resident.nik)
        .where(Resident.kk_number.is_not(None), Resident.status == ResidentStatus.LIVING.value)
        .order_by(Resident.id)
    ):
        found.setdefault(unit_id, {}).setdefault(kk, [name, nik, 0])[2] += 1
    return {unit_id: [tuple(c) for c in cards.values()] for unit_id, cards in found.items()}


def _count() -> int:
    try:
        return plugin_settings("pdam")["demo_connections"]
    except (KeyError, RuntimeError):
        return 2000


def seed(session: Session, context: Any, connections: int | None = None) -> None:
    """Add the PDAM demo (see the module's docstring)."""
    rng = context.rng
    today = context.today
    count = _count() if connections is None else connections
    services.seed_karanganyar(session, SYSTEM, date(2009, 7, 1))
    this_month = services.period_of(today)
    months = [services.previous_period(this_month, back) for back in range(12, 0, -1)]
    change_month = months[-3]
    first, _last = month_bounds(change_month)
    services.add_tariff(
        session,
        SYSTEM,
        services.TariffInput(
            group_code="R2",
            valid_from=first + timedelta(days=14),
            blocks=[(10, 1_950), (20, 2_400), (30, 2_800), (None, 3_200)],
            minimum_m3=10,
            fixed_charge=11_500,
            maintenance_charge=2_500,
            admin_charge=1_500,
            late_fee=10_000,
            decree="Perbup tarif air minum (demo)",
        ),
    )
    pdam_office = context.offices.get("PDAM", context.root)
    add_staff(session, context, "pdam.direktur", "Direktur PDAM", "pdam_report", context.root)
    add_staff(session, context, "pdam.admin", "Admin PDAM", "pdam_admin", context.root)
    add_staff(session, context, "pdam.tagihan", "Bagian tagihan PDAM", "pdam_billing", context.root)
    add_staff(session, context, "pdam.kasir", "Kasir PDAM", "billing_cashier", context.root)
    desas = list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind.in_((OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)))
            .order_by(OrgUnit.code)
        )
    )
    if not desas or count <= 0:
        return
    reader_kecamatan = context.kecamatan[0]
    add_staff(
        session,
        context,
        "pdam.pembaca",
        f"Pembaca meter {reader_kecamatan.name}",
        "pdam_reader",
        reader_kecamatan,
    )
    grant_staff_role(session, context, "pdam.admin", "pdam_reader", context.root)
    session.flush()

    # connections, in bulk; household holders are KK members from the registry where there are
    households = _households(session)
    weights = [share for _code, share, _mean in MIX]
    rows, means = [], []
    serial: dict[int, int] = {}
    for n in range(count):
        desa = desas[n % len(desas)] if n < len(desas) * 2 else rng.choice(desas)
        code, _share, mean = rng.choices(MIX, weights=weights)[0]
        serial[desa.id] = serial.get(desa.id, 0) + 1
        prefix = desa.code.replace(".", "")[-6:]
        business = code in ("NK", "NB", "IK")
        name = (
            f"{'CV' if business else ''} {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}".strip()
        )
        pool = households.get(desa.id)
        holder = pool.pop() if pool and code in ("R1", "R2", "R3") else None
        nik = ""
        if holder:  # a registry household uses about 130 litres a person a day
            name, nik, size = holder
            mean = max(3, round(size * LITRES_PER_PERSON_DAY * 30 / 1000))
        rows.append(
            {
                "number": f"{prefix}{serial[desa.id]:04d}",
                "holder_kind": "business"
                if business
                else ("institution" if code in ("IP", "SE") else "resident"),
                "holder_name": name,
                "holder_nik": nik,
                "address": f"RT {rng.randint(1, 9):02d} RW {rng.randint(1, 5):02d}, {desa.name}",
                "desa_id": desa.id,
                "group_code": code,
                "zone": desa.code.rsplit(".", 1)[0],
                "meter_serial": f"M{rng.randint(10**7, 10**8 - 1)}",
                "meter_size": "3/4" if code in ("NB", "IK") else "1/2",
                "meter_digits": 5 if n % 97 else 4,
                "status": "active",
                "connected_on": date(2005 + rng.randint(0, 15), rng.randint(1, 12), 1),
                "check_code": services._check_code(),
            }
        )
        means.append(mean)
    session.execute(insert(PdamConnection), rows)
    ids = dict(session.execute(select(PdamConnection.number, PdamConnection.id)).all())
    session.execute(
        insert(PdamStatusChange),
        [
            {
                "connection_id": ids[r["number"]],
                "status": "active",
                "effective_on": r["connected_on"],
                "reason": "new connection",
                "at": _utc(r["connected_on"], 9),
            }
            for r in rows
        ],
    )

    # a year of readings
    readings, zone_used = [], {}
    unread = set(rng.sample(range(count), min(UNREAD, count)))
    for n, row in enumerate(rows):
        cid, digits = ids[row["number"]], row["meter_digits"]
        value = rng.randint(0, 10**digits // 2) if digits == 5 else 10**digits - 400
        stuck_from = 9 if n % 53 == 0 else None
        for index, period in enumerate(months):
            if index == len(months) - 1 and n in unread:
                continue
            used = max(0, round(rng.gauss(means[n], means[n] * 0.25)))
            condition, estimated, status, problem = "working", False, "accepted", ""
            rolled = value + used >= 10**digits
            if stuck_from is not None and index >= stuck_from:
                condition, estimated = "stuck", True
            elif n % 211 == 0 and index == len(months) - 1:
                used, status, problem = used * 6, "held", "jump"
            value = (value + used) % 10**digits if not estimated else value
            _first, last_day = month_bounds(period)
            readings.append(
                {
                    "connection_id": cid,
                    "period": period,
                    "read_on": last_day - timedelta(days=rng.randint(0, 4)),
                    "value": None if estimated else value,
                    "consumption": used,
                    "condition": condition,
                    "estimated": estimated,
                    "rollover": rolled and not estimated,
                    "status": status,
                    "problem": problem,
                    "source": "csv",
                    "recorded_at": _utc(last_day, 14),
                }
            )
            key = (row["zone"], period)
            zone_used[key] = zone_used.get(key, 0) + used
    for start in range(0, len(readings), 5000):
        session.execute(insert(PdamReading), readings[start : start + 5000])
    session.execute(
        insert(PdamZoneInput),
        [
            {"zone": zone, "period": period, "m3": round(m3 * rng.uniform(1.33, 1.55))}
            for (zone, period), m3 in zone_used.items()
        ],
    )

    # bill the last closed months, pay most bills at the PDAM cashier
    cashier = actor_of(session, "pdam.kasir")
    for period in months[-1 - BILLED_MONTHS : -1]:
        services.bill_run(session, SYSTEM, period, estimate_missing=True, today=today, batch=1000)
    bills = list(
        session.execute(select(PdamBill.period, PdamBill.invoice_number).order_by(PdamBill.id))
    )
    statuses = billing.invoice_statuses(session, [number for _p, number in bills])
    late = set(rng.sample(range(count), max(count // 25, 1)))  # about 4% never pay
    by_period: dict[str, list[str]] = {}
    for index, (period, number) in enumerate(bills):
        if index % count in late or rng.random() < 0.06:
            continue
        by_period.setdefault(period, []).append(number)
    for period, numbers in by_period.items():
        _first, last_day = month_bounds(period)
        day = last_day + timedelta(days=10)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        if day >= today:
            continue
        opened = _utc(day, 8)
        billing.open_cashier_session(
            session, cashier, unit_code=pdam_office.code, opening_float=0, now=opened
        )
        paying = [
            billing.CashPayment(
                number,
                statuses[number].total,
                "Pelanggan",
                opened + timedelta(seconds=60 + 8 * n % 25_000),
            )
            for n, number in enumerate(numbers)
        ]
        billing.pay_cash_many(session, cashier, paying)
        cash = sum(p.amount for p in paying)
        billing.close_cashier_session(session, cashier, counted_cash=cash, now=_utc(day, 16))
    sample = session.scalar(
        select(PdamConnection).where(PdamConnection.id == ids[rows[0]["number"]])
    )
    context.samples["pdam_check"] = f"/pdam/check?number={sample.number}&code={sample.check_code}"
    _route_and_applications(session, context, reader_kecamatan, this_month)


def _route_and_applications(
    session: Session, context: Any, kecamatan: OrgUnit, this_month: str
) -> None:
    """The reader's route for this month, and new-connection files at every stage."""
    from pamong_plugins.pdam import applications, routes

    today = context.today
    near = list(
        session.scalars(
            select(PdamConnection.number)
            .join(OrgUnit, OrgUnit.id == PdamConnection.desa_id)
            .where(OrgUnit.parent_id == kecamatan.id, PdamConnection.status == "active")
            .order_by(PdamConnection.number)
            .limit(40)
        )
    )
    if near:
        routes.set_route(
            session,
            SYSTEM,
            reader="pdam.pembaca",
            period=this_month,
            numbers=near,
            name=f"{kecamatan.name} 1",
            today=today,
        )
    desa = session.scalar(
        select(OrgUnit)
        .where(
            OrgUnit.parent_id == kecamatan.id,
            OrgUnit.kind.in_((OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)),
        )
        .order_by(OrgUnit.code)
        .limit(1)
    )
    if desa is None:
        return
    admin = actor_of(session, "pdam.admin")
    files = []
    for n, (name, group) in enumerate(
        (
            ("Siti Aminah", "R2"),
            ("Warung Bu Tini", "NK"),
            ("Joko Susilo", "R1"),
            ("Sri Lestari", "R2"),
        )
    ):
        files.append(
            applications.apply(
                session,
                admin,
                applicant_name=name,
                address=f"RT 0{n + 1} RW 02",
                phone=f"08122700{n:04d}",
                desa_code=desa.code,
                group_code=group,
                channel="online" if n % 2 else "counter",
                now=_utc(today - timedelta(days=20 - 4 * n), 9),
            )
        )
    surveyed, estimated, active = files[1], files[2], files[3]
    for row in (surveyed, estimated, active):
        applications.record_survey(
            session, admin, row.id, feasible=True, note="Pipa induk dekat", distance_m=15
        )
    for row in (estimated, active):
        applications.issue_estimate(session, admin, row.id, amount=1_350_000)
    billing.pay_bank_many(  # the applicant paid at the bank: its settlement file
        session,
        SYSTEM,
        [
            billing.BankPayment(
                active.fee_invoice, 1_350_000, _utc(today - timedelta(days=3), 10), "DEMO-PSB-1"
            )
        ],
        channel="bank-file:demo",
    )
    applications.install(session, admin, active.id, meter_serial="AMC-24-01881")
    context.samples["pdam_new_connection"] = f"/track/{estimated.number}"

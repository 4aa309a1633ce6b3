"""``pamong demo``: a Sragen-like regency with offices, staff and residents.

For trainers and evaluators: every account uses one known password, the
residents are synthetic (valid NIKs, realistic names) and a few possible
duplicate identities are planted for the review queue. Each enabled
plugin adds its own data through ``pamong_register_demo_data``.
"""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.errors import InvalidInput
from pamong.identity.importer import OPTIONAL, REQUIRED
from pamong.identity.models import Resident
from pamong.identity.services import register_resident
from pamong.identity.synthetic import make_nik, synthetic_residents
from pamong.orgunits.models import OrgUnit, OrgUnitKind
from pamong.orgunits.services import add_unit, load_region, root_unit

DEMO_REGION = "33.14"
DEMO_PASSWORD = "pamong-demo-2026"
DEMO_MARKER = ".pamong-demo"

#: Offices of the demo regency: (code suffix, name, kind).
OFFICES = (
    ("BPT", "Badan Pelayanan Terpadu (DPMPTSP)", OrgUnitKind.SKPD),
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", OrgUnitKind.SKPD),
    ("KPDE", "Kantor Pengolahan Data Elektronik", OrgUnitKind.SKPD),
    ("DISDAG", "Dinas Perdagangan", OrgUnitKind.SKPD),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", OrgUnitKind.SKPD),
    ("RSUD", "RSUD dr. Soehadi Prijonegoro", OrgUnitKind.RSUD),
    ("PDAM", "PDAM Tirto Negoro", OrgUnitKind.BUMD),
)


@dataclass
class DemoContext:
    """What the core's demo created, handed to every plugin's seeder."""

    region: str
    root: OrgUnit
    offices: dict[str, OrgUnit]
    kecamatan: list[OrgUnit]
    staff: dict[str, str] = field(default_factory=dict)  # username -> description
    password: str = DEMO_PASSWORD
    rng: random.Random = field(default_factory=lambda: random.Random(3314))
    today: date = field(default_factory=date.today)
    samples: dict[str, str] = field(default_factory=dict)  # a receipt number, a QR code


def staff_username(name: str) -> str:
    """A login made of a unit's name: ``Sumberlawang`` -> ``sumberlawang`` (``op.`` + it)."""
    return "".join(ch for ch in name.lower() if ch.isalnum())[:20]


def add_staff(
    session: Session, ctx: DemoContext, username: str, title: str, role: str, unit: OrgUnit
) -> None:
    """A demo account with the demo password, holding ``role`` at ``unit``; listed at start."""
    system = Actor.system("pamong demo")
    user = accounts.create_user(
        session, system, username=username, password=ctx.password, full_name=title
    )
    accounts.assign_role(session, system, user, accounts.get_role(session, role), unit)
    ctx.staff[username] = f"{title} ({role} @ {unit.name})"


def grant_staff_role(
    session: Session, ctx: DemoContext, username: str, role: str, unit: OrgUnit
) -> None:
    """Give an existing demo account one more role (a camat who also heads licensing)."""
    system = Actor.system("pamong demo")
    user = accounts.get_user(session, username)
    accounts.assign_role(session, system, user, accounts.get_role(session, role), unit)
    if username in ctx.staff:
        ctx.staff[username] += f" + {role}"


def seed_core(session: Session, roles: list[Any]) -> DemoContext:
    """Org units, offices, roles and staff accounts for the demo regency."""
    load_region(session, DEMO_REGION)
    accounts.ensure_roles(session, roles)
    root = root_unit(session)
    assert root is not None
    system = Actor.system("pamong demo")
    offices = {
        suffix: add_unit(
            session,
            system,
            code=f"{DEMO_REGION}-{suffix}",
            name=name,
            kind=kind.value,
            parent_code=DEMO_REGION,
        )
        for suffix, name, kind in OFFICES
    }
    kecamatan = list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.parent_id == root.id, OrgUnit.kind == OrgUnitKind.KECAMATAN.value)
            .order_by(OrgUnit.code)
        )
    )
    for unit in kecamatan:
        add_unit(
            session,
            system,
            code=f"{unit.code}-PATEN",
            name=f"Loket PATEN {unit.name}",
            kind=OrgUnitKind.SERVICE_POINT.value,
            parent_code=unit.code,
        )
    ctx = DemoContext(DEMO_REGION, root, offices, kecamatan)
    add_staff(session, ctx, "admin", "Administrator", "admin", root)
    add_staff(session, ctx, "dukcapil", "Petugas Dukcapil", "registrar", root)
    add_staff(session, ctx, "inspektorat", "Auditor Inspektorat", "auditor", root)
    add_staff(session, ctx, "bupati", "Bupati Sragen", "viewer", root)
    for unit in kecamatan:
        add_staff(
            session,
            ctx,
            f"op.{staff_username(unit.name)}",
            f"Operator Kecamatan {unit.name}",
            "registrar",
            unit,
        )
    return ctx


def villages(session: Session) -> list[tuple[str, str]]:
    kinds = (OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)
    rows = session.execute(
        select(OrgUnit.code, OrgUnit.name).where(OrgUnit.kind.in_(kinds)).order_by(OrgUnit.code)
    )
    return [(code, name) for code, name in rows]


def write_residents_csv(path: Path, village_list: list[tuple[str, str]], count: int) -> None:
    """Synthetic residents as an import file (the same format `residents import` reads)."""
    columns = (*REQUIRED, *(c for c in OPTIONAL if c != "status"))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for person in synthetic_residents(village_list, count):
            row = {**person.__dict__, "birth_date": person.birth_date.isoformat()}
            writer.writerow([row[c] for c in columns])


def plant_duplicates(session: Session, ctx: DemoContext, pairs: int = 4) -> int:
    """Register the same person again under another NIK in another kecamatan."""
    planted = 0
    system = Actor.system("pamong demo")
    people = [
        ("Sri Wahyuni", "Sragen", date(1978, 3, 14), "F"),
        ("Slamet Riyadi", "Surakarta", date(1965, 11, 2), "M"),
        ("Siti Aminah", "Sragen", date(1983, 7, 21), "F"),
        ("Joko Susilo", "Karanganyar", date(1970, 1, 9), "M"),
    ]
    for index, (name, place, born, sex) in enumerate(people[:pairs]):
        for copy, unit in enumerate((ctx.kecamatan[index], ctx.kecamatan[-1 - index])):
            desa = session.scalar(
                select(OrgUnit.code)
                .where(
                    OrgUnit.parent_id == unit.id,
                    OrgUnit.kind.in_((OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)),
                )
                .order_by(OrgUnit.code)
            )
            assert desa is not None
            register_resident(
                session,
                system,
                {
                    "nik": make_nik(unit.code, born, sex, 9000 + copy),
                    "name": name.upper() if copy else name,
                    "birth_place": place,
                    "birth_date": born,
                    "sex": sex,
                    "domicile_code": desa,
                    "address": "Dukuh Krajan",
                },
            )
        planted += 1
    return planted


def seed_life_events(session: Session, village_list: list[tuple[str, str]], months: int = 3) -> int:
    """Births, deaths and moves over the last ``months``, for the mutation report.

    About what a desa of Sragen records in a month, scaled to the demo's
    population: a few births, fewer deaths, some moves between desa and out.
    """
    from pamong.identity import events
    from pamong.identity.synthetic import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES
    from pamong.runtime import regency_today

    rng = random.Random(3314)
    system = Actor.system("pamong demo")
    today = regency_today()
    first = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    span = (today - first).days
    codes = [code for code, _name in village_list]
    living = list(
        session.execute(
            select(Resident.nik, OrgUnit.code)
            .join(OrgUnit, Resident.domicile_unit_id == OrgUnit.id)
            .where(Resident.status == "living")
            .order_by(Resident.id)
        )
    )
    rng.shuffle(living)
    recorded = 0
    for index, desa in enumerate(codes[: max(1, len(codes) // 2)]):
        for serial in range(rng.randrange(1, 4)):
            born = first + timedelta(days=rng.randrange(span))
            sex = rng.choice("MF")
            given = rng.choice(FEMALE_NAMES if sex == "F" else MALE_NAMES)
            data = {
                "nik": make_nik(desa.rsplit(".", 1)[0], born, sex, 8000 + index * 4 + serial),
                "name": f"{given} {rng.choice(FAMILY_NAMES)}",
                "birth_place": "Sragen",
                "birth_date": born,
                "sex": sex,
                "domicile_code": desa,
            }
            events.record_birth(session, system, data, note=f"Akta {born:%Y}-{index:03d}{serial}")
            recorded += 1
    for nik, desa in living[: len(codes)]:
        day = first + timedelta(days=rng.randrange(span))
        roll = rng.random()
        try:
            if roll < 0.35:
                events.record_death(session, system, nik, day=day)
            elif roll < 0.8:
                target = rng.choice(codes)
                if target == desa:
                    continue
                events.record_move(session, system, nik, day=day, to_desa_code=target)
            else:
                place = rng.choice(("Kota Surakarta", "Kabupaten Karanganyar", "DKI Jakarta"))
                events.record_move(session, system, nik, day=day, to_place=place)
        except InvalidInput:  # a day before that person's birth: skip them
            continue
        recorded += 1
    return recorded


class _Silent:
    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def seed_services(session: Session, ctx: DemoContext) -> dict[str, str]:
    """Letters between units, tracked population-service files and a certificate."""
    from pamong.core_hooks import DOMICILE_CERTIFICATE, POPULATION_SERVICE
    from pamong.documents.services import issue_document, mask_name
    from pamong.messaging.services import send_message
    from pamong.tracking.services import move_to, open_item

    admin = actor_of(session, "admin")
    send_message(
        session,
        admin,
        sender_unit=ctx.root,
        kind="invitation",
        subject="Rapat koordinasi camat se-Kabupaten Sragen",
        body="Dengan hormat, para camat diundang rapat koordinasi pelayanan KTP pada hari "
        "Senin pukul 09.00 WIB di Pendopo Sukowati.",
        to_kind=OrgUnitKind.KECAMATAN.value,
    )
    send_message(
        session,
        admin,
        sender_unit=ctx.root,
        kind="notice",
        subject="Jam layanan selama cuti bersama",
        body="Loket PATEN tetap buka pukul 08.00-12.00 pada hari cuti bersama.",
        to_kind=OrgUnitKind.KECAMATAN.value,
    )
    officer = actor_of(session, f"op.{staff_username(ctx.kecamatan[0].name)}")
    send_message(
        session,
        officer,
        sender_unit=ctx.kecamatan[0],
        kind="letter",
        subject="Laporan pelayanan bulan ini",
        body="Terlampir laporan jumlah pelayanan administrasi kependudukan.",
        to_units=[ctx.offices["DUKCAPIL"].code, ctx.root.code],
    )
    numbers = []
    stages = [stage.code for stage in POPULATION_SERVICE.stages]
    for index, unit in enumerate(ctx.kecamatan):
        item = open_item(session, admin, POPULATION_SERVICE, unit, f"demo:{index}")
        for stage in stages[1 : 1 + index % len(stages)]:
            move_to(session, admin, item, POPULATION_SERVICE, stage, close=stage == stages[-1])
        numbers.append(item.number)
    certificate = issue_document(
        session,
        admin,
        DOMICILE_CERTIFICATE,
        number="470/001/2026",
        unit=ctx.kecamatan[0],
        holder_label=mask_name("Sri Wahyuni"),
    )
    return {"tracking_number": numbers[3], "verification_code": certificate.code}


def actor_of(session: Session, username: str) -> Actor:
    """The :class:`Actor` of an existing account, with its grants (for seeders)."""
    return accounts.actor_for(accounts.load_user(session, accounts.get_user(session, username).id))


def run_demo(
    app: Any,
    residents: int = 20_000,
    progress_bar: Callable[[int], Any] = lambda total: _Silent(),
) -> DemoContext:
    """Seed the app's (empty) database with the whole demo.

    ``progress_bar(total_bytes)`` returns a context manager with an
    ``update(n)`` method (``click.progressbar`` fits) for the resident import.
    """
    from pamong.identity.importer import import_residents
    from pamong.migrate import create_schema
    from pamong.runtime import regency_today
    from pamong.surveys.demo import seed_answers

    state = app.extensions["pamong"]
    seeders = state.demo_seeders()  # first: a plugin's faulty seeder stops it before any work
    create_schema(state.db, state.host)
    with state.db.transaction() as session:
        ctx = seed_core(session, state.roles)
        village_list = villages(session)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "residents.csv"
        write_residents_csv(csv_path, village_list, residents)
        with progress_bar(csv_path.stat().st_size) as bar:
            import_residents(state.db, csv_path, Actor.system("pamong demo"), progress=bar.update)
    with state.db.transaction() as session:
        session.add_all([ctx.root, *ctx.offices.values(), *ctx.kecamatan])
        plant_duplicates(session, ctx)
        ctx.samples = seed_services(session, ctx)
        for _component, seeder in seeders:
            seeder.seed(session, ctx)
        seed_answers(session, regency_today(app))  # the services' completed files answer
        seed_life_events(session, village_list)  # last: the modules' seeders want the living
    return ctx

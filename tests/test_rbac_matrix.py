"""The RBAC matrix: every endpoint and page x every role x a target inside and outside the grant.

The rules are declared in ``tests/rbac_table.py``. The endpoints come from
the app itself (its URL map and its OpenAPI document, with every installed
plugin enabled), so a new endpoint without a declared rule fails
:func:`test_every_endpoint_has_a_declared_rule`. Roles: anonymous, an
applicant of the licensing portal, the core roles at kecamatan A
(Kalijambe, 33.14.01), an administrator at the regency, and every plugin
role at kecamatan A. Targets (a resident, an application, a message…) sit
in kecamatan A (inside a kecamatan role's grant) or B (Plupuh, 33.14.02,
outside it).
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from rbac_table import ANY, REFUSED, Rule, rows
from sqlalchemy import select

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.accounts.sessions import start_session
from pamong.plugins import available_plugins
from pamong.rest import API_PREFIX
from pamong.testing import TEST_PASSWORD, build_app

A, B, REGENCY = "33.14.01", "33.14.02", "33.14"
DESA = {A: "33.14.01.2001", B: "33.14.02.2001"}
PLACE = {"in": A, "out": B}
CORE_ROLES = ("viewer", "registrar", "auditor", "admin")
PDF = b"%PDF-1.4\n% matrix\n"

ALLOWED, LOGIN, PORTAL_LOGIN = "allowed", "login", "portal login"
ROWS = rows()


@dataclass
class Role:
    label: str
    actor: Actor | None = None  # None: anonymous or the portal applicant
    cookie: str | None = None
    token: str | None = None
    applicant: bool = False
    #: The unit of the role's grant (None: no grant).
    unit: str | None = None
    #: Granted at kecamatan A only, so a target in kecamatan B is outside the grant.
    kecamatan: bool = False
    user_id: int | None = None


@dataclass
class World:
    """The app with every plugin, its roles, and targets in kecamatan A and B."""

    app: Any
    roles: list[Role] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)
    targets: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    serial: Any = field(default_factory=lambda: itertools.count(1))
    nik_serial: Any = field(default_factory=lambda: itertools.count(100))
    password_hash: str = field(default_factory=lambda: accounts.hash_password(TEST_PASSWORD))

    def target(self, name: str, where: str, role: Role) -> dict[str, Any]:
        """The values that fill the URL and body of ``name`` inside (``in``) or outside.

        A bare ``unit`` inside the grant is the unit of the role's grant itself
        (pages offer only those as "write for" units).
        """
        place = PLACE[where]
        serial = next(self.serial)
        if name == "unit":
            unit = role.unit if where == "in" and role.unit else place
            return {"unit_code": unit, "unit": self.paths[unit], "serial": serial}
        if name == "new_resident":
            nik = self.nik(place, date(1991, 2, 3), "F")
            return {"new_nik": nik, "desa_code": DESA[place], "unit": self.paths[DESA[place]]}
        if name == "account":
            return self.account(place, serial)
        values = self.targets.get((name, where)) or self.targets[(name, "in")]
        return {**values, "serial": serial}

    def account(self, place: str, serial: int) -> dict[str, Any]:
        """A fresh staff account, a viewer at ``place`` with an API token.

        Fresh for each call: user administration changes it (deactivates it,
        revokes its grant or token…).
        """
        state = self.app.extensions["pamong"]
        username = f"account-{serial}"
        with self.app.app_context(), state.db.transaction() as session:
            system = Actor.system("rbac matrix")
            user = _user(self, session, username)
            accounts.assign_role(
                session, system, user, accounts.get_role(session, "viewer"), _unit(session, place)
            )
            token, _plain = accounts.create_token(session, system, user, "account's")
            session.flush()
            token_id = token.id
        return {
            "username": username,
            "role": "viewer",
            "org_unit": place,
            "unit_code": place,
            "unit": self.paths[place],
            "token_id": token_id,
            "serial": serial,
        }

    def fresh_cookie(self, role: Role) -> str | None:
        """A new login session of ``role`` (a public page such as /logout may end one)."""
        if role.user_id is None:
            return role.cookie
        state = self.app.extensions["pamong"]
        with self.app.app_context(), state.db.transaction() as session:
            user = accounts.load_user(session, role.user_id)
            token = start_session(session, user, lifetime=timedelta(hours=2), ip="127.0.0.1")
        return _session_cookie(self.app, _user_id=token, _fresh=True)

    def nik(self, kecamatan: str, born: date, sex: str) -> str:
        from pamong.identity.synthetic import make_nik

        return make_nik(kecamatan, born, sex, next(self.nik_serial))


# -- building the world ------------------------------------------------------------


def _session_cookie(app: Any, **values: Any) -> str:
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(values)
    return client.get_cookie("session").value


def _staff_role(world: World, role: str, unit: str) -> Role:
    app = world.app
    db = app.extensions["pamong"].db
    username = f"{role}-{unit}".replace(".", "-").replace("_", "-")
    with db.transaction() as session:
        system = Actor.system("rbac matrix")
        user = _user(world, session, username)
        accounts.assign_role(
            session,
            system,
            user,
            accounts.get_role(session, role),
            _unit(session, unit),
        )
        _token, plain = accounts.create_token(session, system, user, "matrix")
        actor = accounts.actor_for(accounts.load_user(session, user.id))
        session_token = start_session(session, user, lifetime=timedelta(hours=2), ip="127.0.0.1")
    cookie = _session_cookie(app, _user_id=session_token, _fresh=True)
    return Role(
        f"{role}@{unit}",
        actor,
        cookie,
        plain,
        unit=unit,
        kecamatan=unit != REGENCY,
        user_id=user.id,
    )


def _user(world: World, session: Any, username: str) -> Any:
    """A staff user without a password hash each (argon2 is slow on purpose)."""
    from pamong.accounts.models import User

    user = User(username=username, full_name=username, password_hash=world.password_hash)
    session.add(user)
    session.flush()
    return user


def _unit(session: Any, code: str) -> Any:
    from pamong.orgunits.services import get_unit

    return get_unit(session, code)


def _register(world: World, session: Any, desa: str, name: str, **extra: Any) -> Any:
    from pamong.identity.services import register_resident

    kecamatan = desa.rsplit(".", 1)[0]
    born = date(1990, 8, 12)
    data = {
        "nik": world.nik(kecamatan, born, "M"),
        "name": name,
        "birth_place": "Sragen",
        "birth_date": born,
        "sex": "M",
        "domicile_code": desa,
        "address": "Dukuh Keden",
        **extra,
    }
    return register_resident(session, Actor.system("rbac matrix"), data)


def _image(colour: tuple[int, int, int], fmt: str, size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def _core_targets(world: World, session: Any) -> None:
    from pamong.identity.models import DuplicateCandidate
    from pamong.messaging import services as messaging
    from pamong.messaging.models import DeliveryStatus

    system = Actor.system("rbac matrix")
    for where, place in PLACE.items():
        desa = DESA[place]
        resident = _register(world, session, desa, f"Warga Tetap {where}")
        twin = _register(world, session, desa, f"Warga Kembar {where}")
        _register(world, session, desa, f"Warga Kembar {where}")
        candidate = session.scalar(
            select(DuplicateCandidate).where(
                (DuplicateCandidate.resident_id == twin.id)
                | (DuplicateCandidate.other_resident_id == twin.id)
            )
        )
        unit = {"unit": world.paths[desa]}
        world.targets[("resident", where)] = {
            "resident_id": resident.id,
            "nik": resident.nik,
            **unit,
        }
        world.targets[("duplicate", where)] = {"candidate_id": candidate.id, **unit}
        # Deaths and moves end a resident's life here: they get their own.
        mortal = _register(world, session, desa, f"Warga Pindah {where}")
        world.targets[("mortal_resident", where)] = {
            "nik": mortal.nik,
            "resident_id": mortal.id,
            **unit,
        }
        # A family card of one head, and another one whose family moves away.
        for target, serial in (("family", 1), ("mortal_family", 2)):
            kk = f"33140{len(where)}010120{serial:04d}"
            _register(world, session, desa, f"Kepala {target} {where}", kk_number=kk)
            world.targets[(target, where)] = {"kk_number": kk, **unit}
        world.targets[("mutation_unit", where)] = {
            "query": {"unit": place, "month": "2026-01"},
            "unit": world.paths[place],
        }
        world.targets[("ktp_resident", where)] = {
            "nik": _register(world, session, desa, f"Pemohon KTP {where}").nik,
            "unit_code": place,
            "unit": world.paths[place],
        }
    # Somebody at B, who receives what is sent to B (user management acts on
    # fresh accounts: World.account).
    other = _user(world, session, "other")
    accounts.assign_role(
        session, system, other, accounts.get_role(session, "viewer"), _unit(session, B)
    )
    sender = _user(world, session, "sender")
    accounts.assign_role(
        session, system, sender, accounts.get_role(session, "registrar"), _unit(session, REGENCY)
    )
    session.flush()
    writer = accounts.actor_for(accounts.load_user(session, sender.id))
    for where, to_units in (("in", [A, REGENCY]), ("out", [B])):
        message = messaging.send_message(
            session,
            writer,
            sender_unit=_unit(session, REGENCY),
            kind="letter",
            subject=f"Surat {where}",
            body="Mohon hadir.",
            to_units=to_units,
            attachments=[messaging.Upload("surat.pdf", PDF)],
        )
        unit = {"unit": world.paths[PLACE[where]]}
        world.targets[("message", where)] = {"message_id": message.id, **unit}
        world.targets[("attachment", where)] = {
            "attachment_id": message.attachments[0].id,
            **unit,
        }
    delivery = messaging.notify(
        session, system, channel="email", address="warga@example.id", subject="S", body="B"
    )
    delivery.status = DeliveryStatus.DEAD.value
    world.targets[("delivery", "in")] = {"delivery_id": delivery.id}
    world.targets[("org_unit", "in")] = {"code": A}
    world.targets[("static_file", "in")] = {"filename": "pamong.css"}
    world.targets[("swagger_asset", "in")] = {"name": "swagger-ui.css"}
    world.targets[("ktp_static_file", "in")] = {"filename": "capture.js"}
    world.targets[("reset_token", "in")] = {"token": "no-such-reset-token"}
    # Jobs run for the whole regency: their permission counts at its root only.
    jobs = [job.name for _component, job in world.app.extensions["pamong"].worker_jobs]
    world.targets[("regency", "in")] = {"unit": world.paths[REGENCY], "name": jobs[0]}
    world.targets[("stats_period", "in")] = {
        "query": {"since": "2026-01-01", "until": "2026-01-31"}
    }
    world.targets[("survey_period", "in")] = {"period": "2020-H1"}


def _ktp_targets(world: World, session: Any) -> None:
    from pamong_plugins.ktp import services as ktp

    system = Actor.system("rbac matrix")
    for where, place in PLACE.items():
        desa = DESA[place]
        resident = _register(world, session, desa, f"Pemohon Baru {where}")
        application = ktp.apply(
            session, system, nik=resident.nik, kecamatan_code=place, reason="new"
        )
        unit = {"unit": world.paths[place]}
        world.targets[("ktp_application", where)] = {"application_id": application.id, **unit}
        if where == "in":
            world.targets[("tracking_number", "in")] = {"number": application.tracking_number}
        holder = _register(world, session, desa, f"Pemegang Kartu {where}")
        served = ktp.apply(session, system, nik=holder.nik, kecamatan_code=place, reason="new")
        ktp.check_biodata(session, system, served.id)
        ktp.capture(
            session,
            system,
            served.id,
            photo=_image((200, 20, 30), "JPEG", (300, 400)),
            signature=_image((255, 255, 255), "PNG", (400, 160)),
        )
        card = ktp.print_card(session, system, served.id, validity_years=5)
        world.targets[("ktp_card", where)] = {"card_id": card.id, **unit}


def _licensing_targets(world: World, session: Any) -> None:
    from pamong_plugins.licensing import services as licensing
    from pamong_plugins.licensing.catalogue import typical_rows

    system = Actor.system("rbac matrix")
    licensing.import_catalogue(session, system, typical_rows())
    licensing.save_signatory(
        session,
        system,
        "33.14",
        {"name": "Ir. Kepala Dinas", "nip": "197001012000031001", "position": "Kepala DPMPTSP"},
    )
    imb = licensing.get_service_type(session, "IMB")
    licensing.add_delegation(
        session, system, imb, decree_number="Perbup Sragen 12/2010", effective_on=date(2010, 7, 1)
    )
    portal = licensing.register_applicant(
        session,
        {"name": "Budi Santoso", "email": "budi@example.id", "password": TEST_PASSWORD},
    )
    portal.verified_at = portal.created_at  # confirmed: may apply online
    stranger = licensing.counter_applicant(
        session, system, {"name": "CV Lain", "email": "lain@example.id"}
    )
    for where, place in PLACE.items():
        application = licensing.submit_application(
            session,
            system,
            service_type=imb,
            applicant=portal if where == "in" else stranger,
            area_code=place,
            checked=imb.requirements,
            uploads=[licensing.FileUpload(imb.requirements[0], "scan.pdf", PDF)],
        )
        while application.stage not in ("decision", "payment", "handover"):
            licensing.advance(session, system, application)
        if application.stage == "decision":
            licensing.decide(session, system, application, approve=True)
        if application.stage == "payment":
            licensing.record_payment(session, system, application, f"STS-{where}")
        token = licensing.hand_over(session, system, application)
        unit = {"unit": world.paths[place]}
        values = {"application_id": application.id, "number": application.number, **unit}
        world.targets[("lic_application", where)] = values
        world.targets[("lic_step", where)] = {**values, "action": "assign"}
        world.targets[("portal_file", where)] = values
        world.targets[("lic_permit", where)] = {"permit_id": application.permit.id, **unit}
        world.targets[("lic_upload", where)] = {
            "upload_id": application.uploads[0].id,
            **unit,
        }
        if where == "in":
            world.targets[("survey", "in")] = {"token": token}
            code = licensing.document_of(session, application.permit).code
            world.targets[("document_code", "in")] = {"code": code}
    world.targets[("lic_type", "in")] = {"type_id": imb.id}
    world.targets[("lic_delegation", "in")] = {"delegation_id": imb.delegations[0].id}
    world.targets[("lic_token", "in")] = {"token": "not-a-real-token"}
    world.targets[("lic_type_code", "in")] = {"query": {"type": "IMB"}}
    session.flush()
    world.roles.append(
        Role(
            "licensing applicant",
            cookie=_session_cookie(world.app, licensing_applicant=portal.id),
            applicant=True,
        )
    )


def _billing_targets(world: World, session: Any) -> None:
    """Per kecamatan: an unpaid invoice, a paid one, a held payment, a request, a closed day."""
    from pamong_plugins.billing import services as billing
    from pamong_plugins.billing.demo_channel import CALLBACK_PATH, bank_pay, notification_for
    from pamong_plugins.billing.settings import DEMO_SECRET

    system = Actor.system("rbac matrix")

    def invoice(place: str, ref: str) -> Any:
        return billing.create_invoice(
            session,
            system,
            source="matrix",
            reference=ref,
            unit_code=place,
            payer=billing.Payer("other", "Wajib Bayar"),
            lines=[billing.Line("Retribusi", 5000)],
        )

    def paid_by_bank(number: str, amount: int | None = None) -> Any:
        bill = billing.open_channel_bills(session, system, number)[0]
        body, headers = notification_for(
            bank_pay(session, bill.reference, amount), secret=DEMO_SECRET
        )
        answer = billing.handle_callback(
            session, "demo", method="POST", path=CALLBACK_PATH, body=body, headers=headers
        )
        return answer["payment"]

    for where, place in PLACE.items():
        unit = {"unit": world.paths[place]}
        unpaid = invoice(place, f"unpaid:{where}")
        world.targets[("billing_invoice", where)] = {"number": unpaid.number, **unit}
        paid = invoice(place, f"paid:{where}")
        world.targets[("billing_payment", where)] = {"number": paid_by_bank(paid.number), **unit}
        held = invoice(place, f"held:{where}")
        world.targets[("billing_held", where)] = {
            "number": paid_by_bank(held.number, amount=4000),
            **unit,
        }
        asked = invoice(place, f"asked:{where}")
        request = billing.request_change(
            session, system, kind="cancel", invoice_number=asked.number, reason="Dobel"
        )
        world.targets[("billing_request", where)] = {"request_id": request.id, **unit}
        closing = billing.close_day(session, system, unit_code=place, day=date(2026, 1, 2))
        world.targets[("billing_closing", where)] = {"closing_id": closing.id, **unit}
        world.targets[("billing_unit", where)] = {
            "unit_code": place,
            "query": {"unit": place, "month": "2026-01"},
            **unit,
        }
        if where == "in":
            world.targets[("billing_public", "in")] = {
                "number": unpaid.number,
                "query": {"code": unpaid.check_code},
            }
            world.targets[("billing_check", "in")] = {
                "query": {"number": unpaid.number, "code": unpaid.check_code}
            }
            world.targets[("billing_callback", "in")] = {"name": "demo"}


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 60)).save(out, "PNG")
    return out.getvalue()


def _portal_targets(world: World, session: Any) -> None:
    """A complaint routed to A and one to B, an answered one to rate, news, a page, a law."""
    from pamong_plugins.portal import complaints, content, legal

    system = Actor.system("rbac matrix")
    for where, place in PLACE.items():
        complaint, _code = complaints.submit(
            session, system, kind="complaint", category="other", title="Matrix", body="Uji"
        )
        complaints.verify(session, system, complaint.number, unit_code=place)
        world.targets[("portal_complaint", where)] = {
            "number": complaint.number,
            "unit": world.paths[place],
        }
        complaints.attach_photos(session, complaint, [_png()])
        session.flush()
        world.targets[("portal_photo", where)] = {
            "number": complaint.number,
            "photo_id": complaint.photos[0].id,
            "unit": world.paths[place],
        }
    answered, code = complaints.submit(
        session, system, kind="complaint", category="other", title="Dinilai", body="Uji"
    )
    complaints.verify(session, system, answered.number)
    complaints.answer(session, system, answered.number, "Jawaban")
    world.targets[("portal_rating", "in")] = {"number": answered.number, "access_code": code}
    post = content.save_post(session, system, title="Berita matriks", publish=True)
    world.targets[("portal_news", "in")] = {"slug": post.slug}
    content.save_page(session, system, "sejarah", "Sejarah", "Teks.")
    world.targets[("portal_page", "in")] = {"slug": "sejarah"}
    world.targets[("portal_area", "in")] = {"code": A}
    doc = legal.save_document(
        session, system, doc_type="perda", number="1", year=2020, title="Matriks"
    )
    world.targets[("portal_legal", "in")] = {"doc_id": doc.id}
    world.targets[("portal_static_file", "in")] = {"filename": "favicon.svg"}


def _sipaw_targets(world: World, session: Any) -> None:
    from pamong_plugins.sipaw import board
    from pamong_plugins.sipaw import services as sipaw

    system = Actor.system("rbac matrix")
    sipaw.ensure_commodities(session)
    for where, place in PLACE.items():
        market = sipaw.add_market(
            session, system, code=f"{place}-PSR-RBAC", name=f"Pasar {where}", kecamatan_code=place
        )
        unit = {"unit": world.paths[place]}
        world.targets[("sipaw_market", where)] = {"market": market.code, **unit}
        world.targets[("sipaw_kecamatan", where)] = {"kecamatan": place, **unit}
    world.targets[("sipaw_commodity", "in")] = {"code": "beras_medium_1"}
    post = board.add_post(
        session,
        system,
        kind="offer",
        commodity_code="beras_medium_1",
        quantity_kg=100,
        price=12_000,
        place="Pasar",
        period_from=date(2026, 1, 1),
        period_until=date(2026, 2, 1),
        organisation="Koperasi",
        contact="0812",
    )
    world.targets[("sipaw_post", "in")] = {"post_id": post.id}
    from pamong_plugins.sipaw import traders

    trader = traders.register(session, name="UD Rbac", kind="trader", phone="081200009999")
    trader.status = "pending"
    world.targets[("sipaw_trader", "in")] = {"trader_id": trader.id}


def _pdam_targets(world: World, session: Any) -> None:
    """Per kecamatan: a water connection in its first desa, a held reading, a sealing order."""
    from pamong_plugins.pdam import applications as pdam_flow
    from pamong_plugins.pdam import photos as pdam_photos
    from pamong_plugins.pdam import services as pdam
    from pamong_plugins.pdam.models import PdamWorkOrder

    system = Actor.system("rbac matrix")
    pdam.seed_karanganyar(session, system)
    today = date.today()
    for where, place in PLACE.items():
        desa = DESA[place]
        unit = {"unit": world.paths[desa]}
        world.targets[("pdam_desa", where)] = {"desa_code": desa, **unit}
        row = pdam.create_connection(
            session, system, holder_name="Wajib Bayar", desa_code=desa, group_code="R2"
        )
        world.targets[("pdam_connection", where)] = {"number": row.number, **unit}
        pdam.record_reading(
            session, system, number=row.number, period="2025-12", value=100, today=today
        )
        held = pdam.record_reading(
            session, system, number=row.number, period="2026-01", value=50, today=today
        )
        world.targets[("pdam_reading", where)] = {"reading_id": held.id, **unit}
        pdam_photos.attach(session, system, held, b"\x89PNG\r\n\x1a\n" + bytes(16))
        order = PdamWorkOrder(connection_id=row.id, kind="seal", months=3)
        session.add(order)
        session.flush()
        world.targets[("pdam_order", where)] = {"order_id": order.id, **unit}
        filed = pdam_flow.apply(
            session,
            system,
            applicant_name="Pemohon",
            address="RT 1",
            desa_code=desa,
            group_code="R1",
        )
        target = {"application_id": filed.id, "action": "survey", **unit}
        world.targets[("pdam_application", where)] = target
        if where == "in":
            world.targets[("pdam_public", "in")] = {
                "number": row.number,
                "query": {"code": row.check_code},
            }
            world.targets[("pdam_check", "in")] = {
                "query": {"number": row.number, "code": row.check_code}
            }
    world.targets[("pdam_months", "in")] = {"query": {"since": "2026-01", "until": "2026-02"}}
    world.targets[("pdam_period", "in")] = {"query": {"period": "2026-01"}}
    world.targets[("pdam_static_file", "in")] = {"filename": "read.js"}


def _rsud_targets(world: World, session: Any) -> None:
    """Per kecamatan (as the hospital's unit): a ward, a patient, an open stay, a charge."""
    from pamong_plugins.rsud import services as rsud

    system = Actor.system("rbac matrix")
    decree = rsud.add_decree(
        session,
        system,
        hospital_code=A,
        number="Perbup matriks",
        basis="perbup",
        valid_from=date(2020, 1, 1),
    )
    tariff = rsud.add_tariff(
        session,
        system,
        hospital_code=A,
        decree_number="Perbup matriks",
        service_code="LAB-DL",
        name="Darah lengkap",
        unit="lab",
        klass="III",
        jasa_sarana=40_000,
        jasa_medis=10_000,
    )
    for where, place in PLACE.items():
        unit = {"unit": world.paths[place]}
        rsud.add_ward(
            session,
            system,
            hospital_code=place,
            code="W",
            name="Bangsal",
            klass="III",
            beds=9,
            in_service_from=date(2020, 1, 1),
        )
        patient = rsud.register_patient(
            session, system, hospital_code=place, name="Pasien", sex="M"
        )
        stay = rsud.open_encounter(
            session, system, mrn=patient.mrn, kind="inpatient", ward_code="W", bed_code="W-01"
        )
        charge = rsud.post_charge(session, system, stay.number, service_code="LAB-DL", unit="lab")
        world.targets[("rsud_patient", where)] = {"mrn": patient.mrn, **unit}
        world.targets[("rsud_encounter", where)] = {"number": stay.number, **unit}
        world.targets[("rsud_charge", where)] = {"charge_id": charge.id, **unit}
        world.targets[("rsud_unit", where)] = {"query": {"hospital": place}, **unit}
        world.targets[("rsud_month", where)] = {
            "query": {"hospital": place, "month": "2026-01"},
            **unit,
        }
        world.targets[("rsud_year", where)] = {"query": {"hospital": place, "year": 2026}, **unit}
        world.targets[("rsud_decree", where)] = {
            "decree_id": decree.id,
            "tariff_id": tariff.id,
            "query": {"hospital": place},
            **unit,
        }


def _kantaya_targets(world: World, session: Any) -> None:
    """Per kecamatan: a daily report with an instruction (task) and a photo; a reserved letter."""
    from pamong_plugins.kantaya import services as kantaya

    system = Actor.system("rbac matrix")
    signer = _user(world, session, "kantaya-signer").username
    for where, place in PLACE.items():
        unit = {"unit": world.paths[place]}
        draft = kantaya.create_draft(
            session,
            system,
            unit_code=place,
            classification="000.1.2",
            subject="Undangan",
            chain=[signer],
        )
        world.targets[("kantaya_draft", where)] = {"draft_id": draft.id, **unit}
        held, _clash = kantaya.create_event(
            session,
            system,
            unit_code=place,
            title="Rapat lalu",
            starts_at=datetime(2026, 1, 5, 2, tzinfo=UTC),
            ends_at=datetime(2026, 1, 5, 3, tzinfo=UTC),
        )
        kantaya.write_minutes(
            session,
            system,
            held.id,
            body="Notulen",
            follow_ups=[{"unit_code": place, "body": "Tindak lanjuti"}],
        )
        world.targets[("kantaya_held_event", where)] = {"event_id": held.id, **unit}
        follow_up = kantaya.follow_ups_of(session, held.id)[0]
        world.targets[("kantaya_follow_up", where)] = {"follow_up_id": follow_up.id, **unit}
        report, _created = kantaya.draft_report(
            session, system, unit_code=place, day=date(2026, 1, 5)
        )
        task = kantaya.comment_on(session, system, report.id, body="Tindak lanjuti", task=True)
        photo = kantaya.add_attachment(
            session, system, report.id, filename="foto.jpg", data=b"\xff\xd8\xff\xe0 matrix"
        )
        letter = kantaya.number_letter(
            session, system, unit_code=place, classification="000.1.2", reserve=True
        )
        world.targets[("kantaya_report", where)] = {"report_id": report.id, **unit}
        world.targets[("kantaya_task", where)] = {"task_id": task.id, **unit}
        world.targets[("kantaya_attachment", where)] = {"attachment_id": photo.id, **unit}
        world.targets[("kantaya_letter", where)] = {"letter_id": letter.id, **unit}
        world.targets[("kantaya_unit", where)] = {"unit_code": place, "signer": signer, **unit}
        incoming = kantaya.register_incoming(
            session,
            system,
            unit_code=place,
            sender="Gubernur",
            number="005/1",
            letter_date=date(2026, 1, 5),
            subject="Undangan",
            scan=b"%PDF-1.4 matrix",
        )
        step = kantaya.dispose(session, system, incoming.id, to_unit_code=place, instruction="Ok")
        world.targets[("kantaya_incoming", where)] = {
            "incoming_id": incoming.id,
            "to_unit_code": place,
            **unit,
        }
        project = kantaya.create_project(
            session,
            system,
            unit_code=place,
            name="Jalan desa",
            pagu=100_000_000,
            contract_value=90_000_000,
            contractor="CV Uji",
            start_on=date(2026, 1, 5),
            end_on=date(2026, 3, 2),
        )
        world.targets[("kantaya_project", where)] = {"project_id": project.id, **unit}
        progress = kantaya.record_progress(
            session,
            system,
            project.id,
            week_on=date(2026, 1, 12),
            physical_pct=10,
            financial=0,
            photo=b"\xff\xd8\xff\xe0 matrix",
        )
        world.targets[("kantaya_progress", where)] = {"progress_id": progress.id, **unit}
        event, _clash = kantaya.create_event(
            session,
            system,
            unit_code=place,
            title="Rapat",
            starts_at=datetime(2026, 12, 10, 2, tzinfo=UTC),
            ends_at=datetime(2026, 12, 10, 3, tzinfo=UTC),
        )
        world.targets[("kantaya_event", where)] = {"event_id": event.id, **unit}
        thread = kantaya.open_thread(
            session, system, unit_code=place, topic="umum", title="Rapat", body="Isi"
        )
        world.targets[("kantaya_thread", where)] = {"thread_id": thread.id, **unit}
        world.targets[("kantaya_post", where)] = {"post_id": thread.posts[0].id, **unit}
        world.targets[("kantaya_step", where)] = {
            "step_id": step.id,
            "to_unit_code": place,
            **unit,
        }
    world.targets[("kantaya_month", "in")] = {"query": {"month": "2026-01"}}
    world.targets[("kantaya_feed", "in")] = {"token": "no-such-feed-token"}
    world.targets[("kantaya_search", "in")] = {"query": {"q": "rapat"}}
    world.targets[("kantaya_check", "in")] = {"query": {"number": "000.1.2/001/33.14/2026"}}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from pamong.orgunits.models import OrgUnit

    plugins = sorted(available_plugins())
    app = build_app(tmp_path_factory.mktemp("rbac"), plugins, embedded_delivery=False)
    app.config["WTF_CSRF_ENABLED"] = False  # the matrix is about permissions, not CSRF
    built = World(app)
    state = app.extensions["pamong"]
    plugin_roles = [r.name for r in state.roles if r.name not in CORE_ROLES]
    built.roles.append(Role("anonymous"))
    for role in CORE_ROLES:
        built.roles.append(_staff_role(built, role, A))
    built.roles.append(_staff_role(built, "admin", REGENCY))
    for role in plugin_roles:
        built.roles.append(_staff_role(built, role, A))
    with app.app_context(), state.db.transaction() as session:
        built.paths = dict(session.execute(select(OrgUnit.code, OrgUnit.path)).all())
        _core_targets(built, session)
        if "ktp" in plugins:
            _ktp_targets(built, session)
        if "licensing" in plugins:
            _licensing_targets(built, session)
        if "billing" in plugins:
            _billing_targets(built, session)
        if "portal" in plugins:
            _portal_targets(built, session)
        if "sipaw" in plugins:
            _sipaw_targets(built, session)
        if "pdam" in plugins:
            _pdam_targets(built, session)
        if "rsud" in plugins:
            _rsud_targets(built, session)
        if "kantaya" in plugins:
            _kantaya_targets(built, session)
    yield built
    state.db.dispose()


# -- what a cell expects and what it gets -----------------------------------------


def _can(actor: Actor, permission: str, unit_path: str | None) -> bool:
    if permission == ANY:
        return any(
            unit_path is None or unit_path.startswith(grant.unit_path) for grant in actor.grants
        )
    return actor.can(permission, SimpleNamespace(path=unit_path) if unit_path else None)


def expected(rule: Rule, role: Role, where: str, unit_path: str | None) -> Any:
    if rule.realm == "public":
        return ALLOWED
    if rule.realm == "applicant":
        if not role.applicant:
            return PORTAL_LOGIN
        return ALLOWED if where == "in" else rule.out
    if role.actor is None:
        return LOGIN
    unit = unit_path if rule.scoped else None
    if rule.see and not any(_can(role.actor, p, unit) for p in rule.see):
        return rule.hidden
    if any(_can(role.actor, p, unit) for p in rule.need):
        return ALLOWED
    if rule.out is not None and any(_can(role.actor, p, None) for p in rule.need):
        return rule.out
    return rule.denied


def _refusals(rule: Rule) -> set[Any]:
    found = {401, 403, LOGIN, PORTAL_LOGIN, REFUSED, rule.denied}
    if rule.out is not None:
        found.add(rule.out)
    if rule.see:
        found.add(rule.hidden)
    return found


def _url(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), path)


def observe(world: World, role: Role, method: str, path: str, rule: Rule, values: dict) -> Any:
    """Call the endpoint as ``role``; return (observed outcome, raw status)."""
    api = path.startswith(API_PREFIX)
    client = world.app.test_client()
    # A public page may end the session (/logout): public rows log in afresh.
    cookie = world.fresh_cookie(role) if rule.realm == "public" else role.cookie
    if cookie:
        client.set_cookie("session", cookie)
    headers = {"Authorization": f"Bearer {role.token}"} if role.token else {}
    kwargs: dict[str, Any] = {}
    if rule.body is not None:
        kwargs["json" if api else "data"] = rule.body(values)
    response = client.open(
        _url(path, values),
        method=method,
        query_string=values.get("query"),
        headers=headers,
        **kwargs,
    )
    status = response.status_code
    response.close()
    if api and status == 401:
        return LOGIN, status
    if status in (301, 302, 303):
        location = urlsplit(response.headers.get("Location", "")).path
        if location == "/login":
            return LOGIN, status
        if location == "/licensing/portal/login":
            return PORTAL_LOGIN, status
        if REFUSED in (rule.denied, rule.out):
            with client.session_transaction() as session:
                flashes = session.get("_flashes", [])
            if any(category == "error" for category, _text in flashes):
                return REFUSED, status
    return status, status


def _cells(world: World, rule: Rule) -> list[tuple[Role, str]]:
    roles = world.roles
    if rule.realm == "public":  # the same for everybody: a sample of each kind of caller
        roles = [
            r for r in roles if r.actor is None or r.label in ("viewer@33.14.01", "admin@33.14")
        ]
    cells = []
    for role in roles:
        cells.append((role, "in"))
        outside = role.kecamatan if rule.realm == "staff" else role.applicant
        if rule.scoped and rule.target and outside:
            cells.append((role, "out"))
    # Refusals first: an allowed write may change the target (cancel a file…).
    return sorted(cells, key=lambda cell: cell[1] == "in")


def _matches(want: Any, got: Any, status: int, rule: Rule) -> bool:
    if status >= 500:
        return False
    if want == ALLOWED:
        if rule.ok is not None:
            return status in rule.ok
        return got not in _refusals(rule)
    return got == want


@pytest.mark.parametrize(("method", "path"), sorted(ROWS, key=lambda k: (k[1], k[0])))
def test_each_role_gets_the_declared_answer(world, method, path):
    rule = ROWS[(method, path)]
    wrong = []
    for role, where in _cells(world, rule):
        values = (
            world.target(rule.target, where, role)
            if rule.target
            else {"serial": next(world.serial)}
        )
        want = expected(rule, role, where, values.get("unit"))
        got, status = observe(world, role, method, path, rule, values)
        if not _matches(want, got, status, rule):
            wrong.append(f"  {role.label:<28} target {where:<3}: expected {want}, got {got}")
    assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)


# -- every endpoint is declared ----------------------------------------------------


def _routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_endpoint_has_a_declared_rule(world):
    undeclared = sorted(_routes(world.app) - set(ROWS), key=lambda k: (k[1], k[0]))
    assert not undeclared, "declare these in tests/rbac_table.py:\n" + "\n".join(
        f'  "{method} {path}"' for method, path in undeclared
    )


def test_every_declared_rule_names_an_endpoint(world):
    stale = sorted(set(ROWS) - _routes(world.app), key=lambda k: (k[1], k[0]))
    assert not stale, "no such endpoint (remove the row):\n" + "\n".join(
        f'  "{method} {path}"' for method, path in stale
    )


def test_every_operation_of_the_openapi_document_is_declared(world):
    spec = world.app.test_client().get(f"{API_PREFIX}/openapi.json").json
    declared = {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)) for method, path in ROWS
    }
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations, "the OpenAPI document lists no operation"
    assert not operations - declared, sorted(operations - declared)


def test_the_matrix_covers_every_role_of_every_plugin(world):
    labels = {role.label for role in world.roles}
    for role in world.app.extensions["pamong"].roles:
        assert any(label.startswith(f"{role.name}@") for label in labels), role.name

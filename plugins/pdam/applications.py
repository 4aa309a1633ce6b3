"""New connections: application -> field survey -> cost estimate -> fee paid -> installation.

Each application is a file of the core tracker (``PSB-2026-000123``): the
citizen follows its stage on the public tracker, where only the stage and
the public notes show (never the name, NIK, phone or address). The
connection fee is an invoice of the billing plugin, paid at its cashier or
channels; billing reports it paid (``pamong_on_invoice_paid``) and the file
moves on. Installing the meter creates the active connection with its dated
status history, closes the file and offers the core satisfaction survey.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    InvalidInput,
    NotFound,
    OrgUnit,
    Stage,
    SurveyInvitation,
    TrackableKind,
    TrackedItem,
    _,
    _l,
    audit,
    clean_nik,
    long_date,
    move_to,
    notify_resident,
    open_item,
    record_personal_read,
    rupiah,
    survey_invitation,
    survey_link,
    utcnow,
)
from pamong_plugins.billing import services as billing
from pamong_plugins.pdam import services
from pamong_plugins.pdam.models import ApplicationStep, PdamApplication, PdamGroup
from pamong_plugins.pdam.permissions import ADMIN, READ

#: The satisfaction survey of new connections (``pamong_register_survey_services``).
SURVEY_SERVICE = "pdam.connection"
#: The invoice reference of a connection fee: ``pdam_application:<id>``.
FEE_REFERENCE = "pdam_application"
#: Days to pay the connection fee.
FEE_DUE_DAYS = 14
MAX_ESTIMATE = 100_000_000
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
OPEN_STEPS = (
    ApplicationStep.APPLIED.value,
    ApplicationStep.SURVEYED.value,
    ApplicationStep.ESTIMATED.value,
    ApplicationStep.PAID.value,
)

CONNECTION_FILE = TrackableKind(
    "PSB",
    _l("New water connection (PDAM)"),
    (
        Stage(ApplicationStep.APPLIED.value, _l("Application received")),
        Stage(ApplicationStep.SURVEYED.value, _l("Field survey done")),
        Stage(ApplicationStep.ESTIMATED.value, _l("Cost estimate issued: waiting for payment")),
        Stage(ApplicationStep.PAID.value, _l("Connection fee paid: waiting for installation")),
        Stage(ApplicationStep.ACTIVE.value, _l("Meter installed: connection active")),
        Stage(ApplicationStep.REJECTED.value, _l("Not feasible")),
    ),
)


def _audit(
    session: Session, actor: Actor, action: str, application: PdamApplication, **data: Any
) -> None:
    audit(
        session,
        actor,
        f"pdam.application.{action}",
        "pdam_application",
        application.id,
        org_unit_id=application.desa_id,
        **data,
    )


def _tracked(session: Session, application: PdamApplication) -> TrackedItem:
    return session.scalars(
        select(TrackedItem).where(TrackedItem.number == application.number)
    ).one()


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _tell_applicant(
    session: Session, actor: Actor, application: PdamApplication, body: str
) -> None:
    """An SMS (or the channel the instance has) to the applicant at each step of the file.

    In Indonesian whatever the officer's page language: it goes to a
    citizen of the regency. Nothing when the applicant left no phone.
    """
    notify_resident(
        session,
        actor,
        phone=application.phone,
        subject=f"PDAM {application.number}",
        body=f"PDAM {application.number}: {body}",
    )


# --- applying ------------------------------------------------------------------------


def apply(
    session: Session,
    actor: Actor,
    *,
    applicant_name: str,
    desa_code: str,
    group_code: str,
    address: str,
    phone: str = "",
    applicant_nik: str = "",
    meter_size: str = "1/2",
    channel: str = "counter",
    now: datetime | None = None,
) -> PdamApplication:
    """Take an application; open its tracked file.

    At the counter (``channel="counter"``) the officer needs ``pdam.admin``
    at the desa. Online, the resident applies through the public form
    (:func:`apply_online`), which calls this with a system actor.
    """
    desa = services._desa(session, desa_code)
    services._require(actor, ADMIN, desa)
    if channel not in ("counter", "online"):
        raise InvalidInput(_("Unknown channel %(c)s.", c=repr(channel)), slug="invalid-channel")
    name = _text(applicant_name, 200)
    if not name:
        raise InvalidInput(
            _("The applicant's name is required."), slug="invalid-name", field="applicant_name"
        )
    if not _text(address, 300):
        raise InvalidInput(_("The address is required."), slug="invalid-address", field="address")
    group = session.get(PdamGroup, _text(group_code, 10).upper())
    if group is None:
        raise InvalidInput(
            _("No customer group %(code)s.", code=repr(group_code)),
            slug="unknown-group",
            field="group_code",
        )
    nik = clean_nik(applicant_nik) if applicant_nik else ""
    if nik and (len(nik) != 16 or not nik.isdigit()):
        raise InvalidInput(_("A NIK has 16 digits."), slug="invalid-nik", field="applicant_nik")
    phone = re.sub(r"[\s\-.]", "", _text(phone, 30))
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput(
            _("A phone number has 8 to 15 digits."), slug="invalid-phone", field="phone"
        )
    if channel == "online" and not phone:
        raise InvalidInput(
            _("Give a phone number so that PDAM can arrange the survey."),
            slug="invalid-phone",
            field="phone",
        )
    now = now or utcnow()
    item = open_item(session, actor, CONNECTION_FILE, desa, now=now)
    application = PdamApplication(
        number=item.number,
        channel=channel,
        applicant_name=name,
        applicant_nik=nik,
        phone=phone,
        address=_text(address, 300),
        desa=desa,
        desa_id=desa.id,
        group_code=group.code,
        meter_size=_text(meter_size, 10) or "1/2",
        step=ApplicationStep.APPLIED.value,
        applied_at=now,
        applied_by_id=actor.user_id,
    )
    session.add(application)
    session.flush()
    item.reference = f"{FEE_REFERENCE}:{application.id}"
    _audit(session, actor, "create", application, channel=channel, subject_nik=nik or None)
    _tell_applicant(
        session,
        actor,
        application,
        "permohonan sambungan baru diterima. Lacak berkas dengan nomor ini; "
        "petugas akan menghubungi Anda untuk survei lapangan.",
    )
    return application


def apply_online(session: Session, **fields: Any) -> PdamApplication:
    """A resident's application from the public form (no account; rate-limited page)."""
    return apply(session, Actor.system("pdam online application"), channel="online", **fields)


# --- reading -------------------------------------------------------------------------


def applications_query(actor: Actor, *, step: str | None = None) -> Select[tuple[PdamApplication]]:
    """Applications in the actor's units, newest first."""
    stmt = (
        select(PdamApplication)
        .join(OrgUnit, OrgUnit.id == PdamApplication.desa_id)
        .where(or_(*(actor.scope_filter(p, OrgUnit.path) for p in READ)))
        .order_by(PdamApplication.applied_at.desc(), PdamApplication.id.desc())
    )
    if step:
        stmt = stmt.where(PdamApplication.step == step)
    return stmt


def get_application(
    session: Session, actor: Actor, application_id: int, *, personal: bool = True
) -> PdamApplication:
    """One application (404 outside the actor's units); ``personal`` audits the read."""
    application = session.get(PdamApplication, application_id)
    if application is None or not services._can_read(actor, application.desa):
        raise NotFound(_("No such connection application."), slug="application-not-found")
    if personal:
        record_personal_read(
            session,
            actor,
            subject=("pdam_application", application.id),
            resident=application.applicant_nik or None,
            unit=application.desa_id,
            purpose="pdam.application",
            fields=("applicant_nik", "phone", "address"),
        )
    return application


def desa_choices(session: Session, actor: Actor | None = None) -> list[OrgUnit]:
    """The desa and kelurahan an application may name (``actor``: where they hold pdam.admin)."""
    stmt = select(OrgUnit).where(OrgUnit.kind.in_(("desa", "kelurahan"))).order_by(OrgUnit.name)
    if actor is not None:
        stmt = stmt.where(actor.scope_filter(ADMIN, OrgUnit.path))
    return list(session.scalars(stmt))


def steps_of(session: Session, application: PdamApplication) -> list[Any]:
    """The dated steps of the application's tracked file, oldest first."""
    return list(_tracked(session, application).history)


def _for_step(
    session: Session, actor: Actor, application_id: int, *steps: ApplicationStep
) -> PdamApplication:
    application = get_application(session, actor, application_id, personal=False)
    services._require(actor, ADMIN, application.desa)
    if application.step not in steps:
        raise Conflict(
            _(
                "The application is at step %(step)s; this needs %(allowed)s.",
                step=application.step,
                allowed=", ".join(s.value for s in steps),
            ),
            slug="wrong-step",
        )
    return application


# --- the steps -----------------------------------------------------------------------


def record_survey(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    feasible: bool,
    note: str = "",
    distance_m: int = 0,
    now: datetime | None = None,
) -> PdamApplication:
    """The field survey: feasible moves on to the estimate; not feasible rejects the file."""
    application = _for_step(session, actor, application_id, ApplicationStep.APPLIED)
    if isinstance(distance_m, bool) or not isinstance(distance_m, int) or distance_m < 0:
        raise InvalidInput(_("The distance is whole metres, 0 or more."), slug="invalid-distance")
    now = now or utcnow()
    application.survey_note = _text(note, 300)
    application.distance_m = distance_m
    application.surveyed_at = now
    if not feasible:
        if not application.survey_note:
            raise InvalidInput(
                _("Say why the connection is not feasible."), slug="reason-required", field="note"
            )
        return _reject(session, actor, application, application.survey_note, now)
    application.step = ApplicationStep.SURVEYED.value
    move_to(
        session, actor, _tracked(session, application), CONNECTION_FILE, application.step, now=now
    )
    _audit(session, actor, "survey", application, distance_m=distance_m)
    _tell_applicant(session, actor, application, "survei lapangan selesai; rincian biaya menyusul.")
    return application


def issue_estimate(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    amount: int,
    now: datetime | None = None,
) -> PdamApplication:
    """The cost estimate, invoiced through billing as the connection fee (due in 14 days)."""
    application = _for_step(session, actor, application_id, ApplicationStep.SURVEYED)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_ESTIMATE:
        raise InvalidInput(
            _("The estimate is whole rupiah, more than 0."), slug="invalid-amount", field="amount"
        )
    now = now or utcnow()
    group = session.get(PdamGroup, application.group_code)
    invoice = billing.create_invoice(
        session,
        Actor.system("pdam new connection"),
        source=services.SOURCE,
        reference=f"{FEE_REFERENCE}:{application.id}",
        unit_code=application.desa.code,
        payer=billing.Payer(
            "resident" if application.applicant_nik else (group.payer_kind if group else "other"),
            application.applicant_name,
            f"pdam_application:{application.id}",
            application.applicant_nik,
        ),
        lines=[
            billing.Line("Biaya pasang sambungan baru", amount, account_code=services.WATER_ACCOUNT)
        ],
        description=f"Sambungan baru {application.number}",
        tracking_number=application.number,
        due_date=now.date() + timedelta(days=FEE_DUE_DAYS),
        now=now,
    )
    application.estimate = amount
    application.fee_invoice = invoice.number
    application.estimated_at = now
    application.step = ApplicationStep.ESTIMATED.value
    move_to(
        session,
        actor,
        _tracked(session, application),
        CONNECTION_FILE,
        application.step,
        public_note=_("Pay invoice %(number)s at a PDAM or bank counter.", number=invoice.number),
        now=now,
    )
    _audit(session, actor, "estimate", application, amount=amount, invoice=invoice.number)
    _tell_applicant(
        session,
        actor,
        application,
        f"biaya pasang {rupiah(amount)}. Bayar tagihan {invoice.number} di loket PDAM "
        f"atau bank paling lambat {long_date(invoice.due_date)}.",
    )
    return application


def fee_paid(session: Session, invoice: Any) -> PdamApplication | None:
    """Billing reports an invoice paid (``pamong_on_invoice_paid``): the fee of a new connection."""
    kind, _sep, ident = (invoice.reference or "").partition(":")
    if invoice.source != services.SOURCE or kind != FEE_REFERENCE or not ident.isdigit():
        return None
    application = session.get(PdamApplication, int(ident))
    if application is None or application.step != ApplicationStep.ESTIMATED:
        return application
    system = Actor.system("billing")
    application.paid_at = invoice.paid_at or utcnow()
    application.step = ApplicationStep.PAID.value
    move_to(session, system, _tracked(session, application), CONNECTION_FILE, application.step)
    _audit(session, system, "paid", application, invoice=invoice.number)
    _tell_applicant(
        session, system, application, "biaya pasang sudah lunas; petugas akan memasang meter."
    )
    return application


def fee_cancelled(session: Session, invoice: Any) -> PdamApplication | None:
    """The fee invoice was cancelled before payment: the file waits for a new estimate."""
    kind, _sep, ident = (invoice.reference or "").partition(":")
    if invoice.source != services.SOURCE or kind != FEE_REFERENCE or not ident.isdigit():
        return None
    application = session.get(PdamApplication, int(ident))
    if application is None or application.step != ApplicationStep.ESTIMATED:
        return application
    system = Actor.system("billing")
    application.step = ApplicationStep.SURVEYED.value
    application.fee_invoice = ""
    move_to(session, system, _tracked(session, application), CONNECTION_FILE, application.step)
    _audit(session, system, "fee_cancelled", application, invoice=invoice.number)
    return application


def install(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    meter_serial: str,
    meter_size: str = "",
    meter_digits: int = 5,
    zone: str = "",
    installed_on: date | None = None,
    now: datetime | None = None,
) -> PdamApplication:
    """The meter is installed: the connection becomes active; the file closes with a survey link."""
    application = _for_step(session, actor, application_id, ApplicationStep.PAID)
    serial = _text(meter_serial, 30)
    if not serial:
        raise InvalidInput(
            _("The meter's serial number is required."),
            slug="invalid-meter",
            field="meter_serial",
        )
    now = now or utcnow()
    day = installed_on or now.date()
    if day > now.date() + timedelta(days=1):
        raise InvalidInput(
            _("The installation date is in the future."), slug="invalid-date", field="installed_on"
        )
    group = session.get(PdamGroup, application.group_code)
    connection = services.create_connection(
        session,
        actor,
        holder_name=application.applicant_name,
        holder_kind="resident" if application.applicant_nik else group.payer_kind,
        holder_nik=application.applicant_nik,
        address=application.address,
        desa_code=application.desa.code,
        group_code=application.group_code,
        meter_serial=serial,
        meter_size=_text(meter_size, 10) or application.meter_size,
        meter_digits=meter_digits,
        zone=zone,
        connected_on=day,
        now=now,
    )
    connection.history[0].reason = f"new connection ({application.number})"
    application.connection = connection
    application.connection_id = connection.id
    application.meter_serial = serial
    application.meter_size = connection.meter_size
    application.installed_at = now
    application.step = ApplicationStep.ACTIVE.value
    move_to(
        session,
        actor,
        _tracked(session, application),
        CONNECTION_FILE,
        application.step,
        public_note=_("Your customer number is %(number)s.", number=connection.number),
        close=True,
        now=now,
    )
    _audit(session, actor, "install", application, connection=connection.number)
    # The applicant is offered the satisfaction survey with the active connection.
    survey = survey_link(
        session,
        service=SURVEY_SERVICE,
        unit=application.desa,
        reference=f"{FEE_REFERENCE}:{application.id}",
        completed_on=day,
    )
    _tell_applicant(
        session,
        actor,
        application,
        f"meter terpasang, sambungan aktif. Nomor pelanggan Anda {connection.number}. "
        f"Mohon isi survei kepuasan: {survey}",
    )
    return application


def _reject(
    session: Session, actor: Actor, application: PdamApplication, reason: str, now: datetime
) -> PdamApplication:
    application.step = ApplicationStep.REJECTED.value
    application.reject_reason = reason
    move_to(
        session,
        actor,
        _tracked(session, application),
        CONNECTION_FILE,
        application.step,
        note=reason,
        public_note=_("Ask the PDAM office for the reason."),
        close=True,
        now=now,
    )
    _audit(session, actor, "reject", application)
    _tell_applicant(
        session,
        actor,
        application,
        "permohonan tidak dapat dilayani. Tanyakan alasannya di kantor PDAM.",
    )
    return application


def reject(
    session: Session, actor: Actor, application_id: int, *, reason: str, now: datetime | None = None
) -> PdamApplication:
    """Refuse an application before its fee is invoiced (cancel the invoice first otherwise)."""
    application = _for_step(
        session, actor, application_id, ApplicationStep.APPLIED, ApplicationStep.SURVEYED
    )
    if not _text(reason, 300):
        raise InvalidInput(_("Give the reason."), slug="reason-required", field="reason")
    return _reject(session, actor, application, _text(reason, 300), now or utcnow())


def survey_of(session: Session, application: PdamApplication) -> SurveyInvitation | None:
    """The survey invitation given with the active connection (None before)."""
    return survey_invitation(
        session, service=SURVEY_SERVICE, reference=f"{FEE_REFERENCE}:{application.id}"
    )

"""Business rules of the one-stop office: catalogue, intake, workflow, permits, surveys.

Every function takes a SQLAlchemy ``Session`` and, where someone acts, a
:class:`pamong.accounts.permissions.Actor`; none touches the Flask request.
Online applicants act through :func:`applicant_actor` (no staff grants).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    FeeDue,
    Forbidden,
    InvalidInput,
    IssuedDocument,
    NotFound,
    OrgUnit,
    OrgUnitKind,
    TrackedItem,
    Unauthorized,
    User,
    audit,
    hook_relay,
    issue_document,
    mask_name,
    move_to,
    notify,
    open_item,
    record_personal_read,
    regency_today,
    working_days_between,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing.ikm import RULES
from pamong_plugins.licensing.models import (
    FEE_RULES,
    LEVELS,
    Applicant,
    Application,
    Delegation,
    Permit,
    ServiceType,
    SurveyResponse,
    Upload,
)
from pamong_plugins.licensing.sla import SlaStatus, sla_status

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SURVEY_RULE = "permenpanrb-14-2017"
_hasher = PasswordHasher()
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"))


# --- catalogue ------------------------------------------------------------------


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


# --- applicants -----------------------------------------------------------------


def applicant_actor(applicant: Applicant) -> Actor:
    """The actor of an online applicant: no staff grants, named in the audit log."""
    return Actor(username=f"applicant:{applicant.id}")


def _applicant_fields(data: Mapping[str, Any]) -> dict[str, str]:
    kind = str(data.get("kind") or "person").strip()
    if kind not in ("person", "business"):
        raise InvalidInput("kind is person or business.", slug="invalid-applicant")
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("The applicant's name is required.", slug="invalid-applicant")
    id_number = "".join(ch for ch in str(data.get("id_number") or "") if ch.isalnum())[:30]
    email = str(data.get("email") or "").strip().lower()[:200]
    if email and ("@" not in email or " " in email):
        raise InvalidInput("The e-mail address is not valid.", slug="invalid-applicant")
    return {
        "kind": kind,
        "name": name,
        "id_number": id_number,
        "email": email,
        "phone": str(data.get("phone") or "").strip()[:30],
        "address": str(data.get("address") or "").strip()[:300],
    }


def register_applicant(session: Session, data: Mapping[str, Any]) -> Applicant:
    """Open an online applicant account (person or business) with e-mail and password."""
    fields = _applicant_fields(data)
    if not fields["email"]:
        raise InvalidInput("An online account needs an e-mail address.", slug="invalid-applicant")
    password = str(data.get("password") or "")
    if len(password) < 10:
        raise InvalidInput("The password needs at least 10 characters.", slug="weak-password")
    if session.scalar(select(Applicant.id).where(Applicant.email == fields["email"])):
        raise Conflict("An account with this e-mail address exists.", slug="applicant-exists")
    applicant = Applicant(**fields, password_hash=_hasher.hash(password))
    session.add(applicant)
    session.flush()
    audit(
        session,
        applicant_actor(applicant),
        "licensing.applicant.register",
        "licensing_applicant",
        applicant.id,
    )
    return applicant


def authenticate_applicant(session: Session, email: str, password: str) -> Applicant:
    """The applicant with this e-mail and password, or Unauthorized."""
    applicant = session.scalar(
        select(Applicant).where(Applicant.email == email.strip().lower()[:200])
    )
    try:
        if applicant is None or not applicant.password_hash:
            _hasher.hash(password or "x")  # same work either way
            raise VerificationError
        _hasher.verify(applicant.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("Wrong e-mail or password.") from None
    return applicant


def counter_applicant(session: Session, actor: Actor, data: Mapping[str, Any]) -> Applicant:
    """The applicant of a counter application: found by e-mail or ID number, else created."""
    fields = _applicant_fields(data)
    applicant = None
    if fields["email"]:
        applicant = session.scalar(select(Applicant).where(Applicant.email == fields["email"]))
    if applicant is None and fields["id_number"]:
        applicant = session.scalar(
            select(Applicant).where(Applicant.id_number == fields["id_number"]).limit(1)
        )
    if applicant is None:
        applicant = Applicant(**{**fields, "email": fields["email"] or None})
        session.add(applicant)
        session.flush()
    return applicant


# --- intake ---------------------------------------------------------------------


@dataclass(frozen=True)
class FileUpload:
    """An uploaded file for one requirement of the checklist."""

    requirement: str
    filename: str
    data: bytes


def upload_type(upload: FileUpload, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The content type of an acceptable upload (PDF or JPEG, by its bytes), else 422."""
    if len(upload.data) == 0:
        raise InvalidInput(f"{upload.filename} is empty.", slug="upload-empty")
    if len(upload.data) > max_bytes:
        raise InvalidInput(
            f"{upload.filename} is larger than {max_bytes // 1024} KB.", slug="upload-too-large"
        )
    for signature, content_type in _SIGNATURES:
        if upload.data.startswith(signature):
            return content_type
    raise InvalidInput(f"{upload.filename}: only PDF and JPEG files.", slug="upload-type")


def _flow(service_type: ServiceType) -> list[str]:
    """The stages a file of this type goes through, in order."""
    return [perm.VERIFICATION, *service_type.stages, perm.DECISION]


def _attach(application: Application, uploads: Iterable[FileUpload], max_bytes: int) -> None:
    requirements = set(application.service_type.requirements)
    for upload in uploads:
        if upload.requirement not in requirements:
            raise InvalidInput(
                f"{upload.requirement!r} is not a requirement of this service.",
                slug="unknown-requirement",
            )
        content_type = upload_type(upload, max_bytes)
        application.uploads.append(
            Upload(
                requirement=upload.requirement,
                filename=upload.filename[-200:] or "document",
                content_type=content_type,
                size=len(upload.data),
                data=upload.data,
            )
        )


def missing_requirements(application: Application, checked: Iterable[str] = ()) -> list[str]:
    have = {u.requirement for u in application.uploads} | set(checked)
    return [r for r in application.service_type.requirements if r not in have]


def submit_application(
    session: Session,
    actor: Actor,
    *,
    service_type: ServiceType,
    applicant: Applicant,
    area_code: str = "",
    description: str = "",
    quantity: int = 1,
    uploads: Iterable[FileUpload] = (),
    checked: Iterable[str] = (),
    channel: str = "counter",
    today: date | None = None,
    renewal_of: Application | None = None,
    office_code: str = "",
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    now: datetime | None = None,
) -> Application:
    """Receive a complete application: a tracking number, its unit and its due date.

    At the counter, staff tick the papers they saw (``checked``) and may
    scan them; online, every requirement needs an uploaded file.
    """
    today = today or regency_today()
    if not service_type.active:
        raise InvalidInput("This service is not offered any more.", slug="inactive-service")
    if channel not in ("counter", "online"):
        raise InvalidInput("channel is counter or online.", slug="invalid-channel")
    if not 1 <= quantity <= 1_000_000:
        raise InvalidInput("quantity must be 1-1000000.", slug="invalid-quantity")
    unit = handling_unit(session, service_type, area_code, today, office_code)
    if channel == "counter" and not actor.can(perm.INTAKE, unit):
        raise Forbidden("You may not take applications for this unit.", permission=perm.INTAKE)
    application = Application(
        service_type=service_type,
        applicant=applicant,
        org_unit=unit,
        channel=channel,
        description=description.strip()[:500],
        quantity=quantity,
        fee_amount=service_type.fee_for(quantity),
        received_on=today,
        renewal_of_id=renewal_of.id if renewal_of else None,
    )
    _attach(application, uploads, max_upload_bytes)
    missing = missing_requirements(application, checked if channel == "counter" else ())
    if missing:
        raise InvalidInput(
            "The file is incomplete; missing: " + "; ".join(missing) + ".",
            slug="incomplete-file",
            missing=missing,
        )
    item = open_item(
        session,
        actor,
        perm.LICENSE_FILE,
        unit,
        reference="licensing_application:new",
        now=now,
    )
    application.number = item.number
    application.tracked_item_id = item.id
    session.add(application)
    session.flush()
    item.reference = f"licensing_application:{application.id}"
    audit(
        session,
        actor,
        "licensing.application.submit",
        "licensing_application",
        application.id,
        org_unit_id=unit.id,
        number=item.number,
        channel=channel,
    )
    _tell_applicant(
        session,
        actor,
        application,
        f"Berkas {application.number} diterima",
        f"Permohonan {service_type.name} Anda diterima dengan nomor {application.number}. "
        f"Lacak berkas di halaman lacak berkas dengan nomor ini.",
    )
    return application


def _tell_applicant(
    session: Session, actor: Actor, application: Application, subject: str, body: str
) -> None:
    """Notify the applicant by e-mail through the core outbox (if they gave an address)."""
    email = application.applicant.email
    if email:
        notify(session, actor, channel="email", address=email, subject=subject, body=body)


# --- workflow -------------------------------------------------------------------


def get_application(
    session: Session, actor: Actor, application_id: int, *, purpose: str | None = None
) -> Application:
    """An application the actor may see (404 otherwise, so numbers leak nothing).

    With a ``purpose`` the caller is about to show the applicant's personal
    data (ID number, address, uploaded documents): the read is recorded.
    """
    application = session.get(Application, application_id)
    if application is None or not actor.can(perm.VIEW, application.org_unit):
        raise NotFound("No such application.", slug="application-not-found")
    if purpose:
        record_applicant_read(session, actor, application, purpose)
    return application


def record_applicant_read(
    session: Session, actor: Actor, application: Application, purpose: str
) -> None:
    """Audit that ``actor`` was shown the applicant's personal data on ``application``."""
    applicant = application.applicant
    record_personal_read(
        session,
        actor,
        subject=("licensing_application", application.id),
        resident=applicant.id_number if applicant.kind == "person" else None,
        unit=application.org_unit_id,
        purpose=purpose,
    )


def _item(session: Session, application: Application) -> TrackedItem:
    item = session.get(TrackedItem, application.tracked_item_id)
    assert item is not None
    return item


def _require(actor: Actor, permission: str, application: Application) -> None:
    if not actor.can(permission, application.org_unit):
        raise Forbidden(
            f"You need {permission} at {application.org_unit.name}.", permission=permission
        )


def _expect(application: Application, *stages: str) -> None:
    if application.stage not in stages:
        raise Conflict(
            f"{application.number} is at stage {application.stage!r}; "
            f"this step needs {' or '.join(stages)}.",
            slug="wrong-stage",
        )


def _move(
    session: Session,
    actor: Actor,
    application: Application,
    stage: str,
    note: str = "",
    *,
    close: bool = False,
) -> None:
    move_to(
        session, actor, _item(session, application), perm.LICENSE_FILE, stage, note, close=close
    )
    application.stage = stage
    words = perm.STAGE_WORDS.get(stage, stage)
    _tell_applicant(
        session,
        actor,
        application,
        f"Berkas {application.number}: {words}",
        f"Status permohonan {application.service_type.name} nomor {application.number}: "
        f"{words}." + (f"\n{note}" if note else ""),
    )


def next_stage(application: Application) -> str | None:
    """The stage after the current one in the type's flow (None at or after decision)."""
    if application.stage == perm.RECEIVED:
        return perm.VERIFICATION
    flow = _flow(application.service_type)
    if application.stage in flow[:-1]:
        return flow[flow.index(application.stage) + 1]
    return None


#: Who may move a file on from each stage.
_ADVANCE_PERMISSION = {
    perm.RECEIVED: perm.VERIFY,
    perm.VERIFICATION: perm.VERIFY,
    perm.INSPECTION: perm.INSPECT,
    perm.MEETING: perm.INSPECT,
}


def advance(session: Session, actor: Actor, application: Application, note: str = "") -> str:
    """Move a file to the next stage of its type (verification, inspection, meeting…)."""
    target = next_stage(application)
    if target is None:
        raise Conflict(f"{application.number} cannot move on from here.", slug="wrong-stage")
    _require(actor, _ADVANCE_PERMISSION[application.stage], application)
    _move(session, actor, application, target, note)
    return target


def assign(session: Session, actor: Actor, application: Application, username: str) -> None:
    """Give a file to a staff member (who must work at the file's unit or above)."""
    _require(actor, perm.VERIFY, application)
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise InvalidInput(f"No staff user {username!r}.", slug="invalid-assignee")
    application.assigned_to_id = user.id
    audit(
        session,
        actor,
        "licensing.application.assign",
        "licensing_application",
        application.id,
        org_unit_id=application.org_unit_id,
        assignee=user.username,
    )


def return_to_applicant(
    session: Session, actor: Actor, application: Application, reason: str, today: date | None = None
) -> None:
    """Send a file back for missing documents; the SLA clock stops until it returns."""
    _require(actor, perm.VERIFY, application)
    _expect(application, perm.RECEIVED, perm.VERIFICATION, perm.INSPECTION)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say what is missing.", slug="reason-required")
    application.returned_from = application.stage
    application.return_reason = reason[:500]
    application.paused_since = today or regency_today()
    _move(session, actor, application, perm.RETURNED, reason[:300])


def resume(
    session: Session,
    actor: Actor,
    application: Application,
    uploads: Iterable[FileUpload] = (),
    today: date | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
) -> None:
    """The applicant brought the missing documents: the file and its clock go on."""
    if actor.grants or actor.is_system:
        _require(actor, perm.INTAKE, application)
    _expect(application, perm.RETURNED)
    _attach(application, uploads, max_upload_bytes)
    today = today or regency_today()

    if application.paused_since is not None:
        application.paused_days += working_days_between(application.paused_since, today)
    application.paused_since = None
    _move(session, actor, application, application.returned_from or perm.VERIFICATION)
    application.returned_from = ""


def decide(
    session: Session,
    actor: Actor,
    application: Application,
    *,
    approve: bool,
    reason: str = "",
    today: date | None = None,
) -> None:
    """Approve (then levy or issue) or refuse with reasons; the SLA clock stops here."""
    _require(actor, perm.DECIDE, application)
    _expect(application, perm.DECISION)
    today = today or regency_today()
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput("A refusal states its reasons.", slug="reason-required")
    application.decided_on = today
    application.decision = "approved" if approve else "refused"
    application.days_used = sla_of(application, today).days_used
    if not approve:
        application.refusal_reason = reason[:500]
        application.finished_on = today
        _move(session, actor, application, perm.REFUSED, reason[:300], close=True)
        return
    if application.fee_amount > 0:
        _move(session, actor, application, perm.PAYMENT, reason[:300])
        stype = application.service_type
        hook_relay(session).pamong_on_fee_due(
            fee=FeeDue(
                source="licensing",
                reference=f"licensing_application:{application.id}",
                amount=application.fee_amount,
                description=f"Retribusi {stype.name} ({application.number})",
                unit_code=application.org_unit.code,
                payer_ref=f"applicant:{application.applicant_id}",
                payer_name=application.applicant.name,
                legal_basis=stype.legal_basis,
                tracking_number=application.number,
                due_date=today + timedelta(days=30),
            ),
            session=session,
        )
        return
    issue_permit(session, actor, application, today=today)
    _move(session, actor, application, perm.HANDOVER, reason[:300])


def record_payment(
    session: Session,
    actor: Actor,
    application: Application,
    reference: str,
    today: date | None = None,
    *,
    through_billing_only: bool = False,
) -> Permit:
    """The levy is paid: the permit is issued and waits for handover.

    With ``through_billing_only`` staff cannot type a payment in: only
    billing's ``pamong_on_invoice_paid`` (a system actor) records it.
    """
    _require(actor, perm.INTAKE, application)
    _expect(application, perm.PAYMENT)
    if through_billing_only and not actor.is_system:
        raise Conflict(
            "The levy is paid at the cashier or by bank: billing records it.",
            slug="paid-through-billing",
        )
    reference = reference.strip()
    if not reference:
        raise InvalidInput("Give the payment receipt reference.", slug="reference-required")
    today = today or regency_today()
    application.paid_on = today
    application.payment_ref = reference[:100]
    permit = issue_permit(session, actor, application, today=today)
    _move(session, actor, application, perm.HANDOVER)
    return permit


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def levy_paid(session: Session, invoice: Any) -> Permit | None:
    """Billing reports a levy paid (``pamong_on_invoice_paid``): issue the permit for handover."""
    kind, _sep, ident = invoice.reference.partition(":")
    if invoice.source != "licensing" or kind != "licensing_application" or not ident.isdigit():
        return None
    application = session.get(Application, int(ident))
    if application is None or application.stage != perm.PAYMENT:
        return None
    return record_payment(
        session, Actor.system("billing"), application, invoice.number, regency_today()
    )


def issue_permit(
    session: Session, actor: Actor, application: Application, today: date | None = None
) -> Permit:
    """Number the permit and register it as a core document (verifiable by QR)."""
    if application.permit is not None:
        return application.permit
    today = today or regency_today()
    stype = application.service_type
    number = f"503/{application.id:05d}/{stype.code}/{today.year}"
    valid_until = _add_months(today, stype.validity_months) if stype.validity_months else None
    document = issue_document(
        session,
        actor,
        perm.PERMIT_DOCUMENT,
        number=number,
        unit=application.org_unit,
        holder_ref=f"applicant:{application.applicant_id}",
        holder_label=mask_name(application.applicant.name),
        valid_until=valid_until,
        now=datetime(today.year, today.month, today.day, 3, tzinfo=UTC),
    )
    permit = Permit(
        application=application,
        number=number,
        document_id=document.id,
        holder=application.applicant.name,
        issued_on=today,
        valid_until=valid_until,
    )
    session.add(permit)
    session.flush()
    return permit


def hand_over(
    session: Session,
    actor: Actor,
    application: Application,
    today: date | None = None,
    *,
    public_url: str = "",
) -> str:
    """Hand the permit over and close the file; the applicant gets the survey link.

    ``public_url`` (the site's address, e.g. ``https://sragenkab.go.id``)
    makes the link in the notification absolute.
    """
    _require(actor, perm.INTAKE, application)
    _expect(application, perm.HANDOVER)
    application.finished_on = today or regency_today()
    application.survey_token = secrets.token_urlsafe(24)
    _move(session, actor, application, perm.DONE, close=True)
    _tell_applicant(
        session,
        actor,
        application,
        f"Survei kepuasan {application.number}",
        "Terima kasih. Mohon isi survei kepuasan masyarakat (9 unsur) di tautan: "
        f"{public_url.rstrip('/')}/licensing/survey/{application.survey_token}",
    )
    return application.survey_token


def document_of(session: Session, permit: Permit) -> IssuedDocument:
    document = session.get(IssuedDocument, permit.document_id)
    assert document is not None
    return document


def renew(
    session: Session, actor: Actor, permit: Permit, *, channel: str = "counter", **kwargs: Any
) -> Application:
    """Renewal: a new application of the same type, linked to the permit's application."""
    previous = permit.application
    if not previous.service_type.renewable:
        raise InvalidInput("This permit is not renewable.", slug="not-renewable")
    area = kwargs.pop("area_code", "") or previous.org_unit.code
    return submit_application(
        session,
        actor,
        service_type=previous.service_type,
        applicant=previous.applicant,
        area_code=area,
        description=kwargs.pop("description", "") or f"Perpanjangan {permit.number}",
        quantity=previous.quantity,
        channel=channel,
        renewal_of=previous,
        **kwargs,
    )


def sla_of(application: Application, today: date | None = None) -> SlaStatus:
    return sla_status(
        received_on=application.received_on,
        sop_days=application.service_type.sop_days,
        today=today or regency_today(),
        paused_days=application.paused_days,
        paused_since=application.paused_since,
        finished_on=application.decided_on,
    )


def applications_query(
    actor: Actor,
    *,
    stage: str = "",
    service_type_id: int | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    open_only: bool = False,
) -> Select[tuple[Application]]:
    """Applications within the actor's ``licensing.view`` scope, newest first."""
    stmt = (
        select(Application)
        .join(OrgUnit, OrgUnit.id == Application.org_unit_id)
        .where(actor.scope_filter(perm.VIEW, OrgUnit.path))
    )
    if stage:
        stmt = stmt.where(Application.stage == stage)
    if service_type_id:
        stmt = stmt.where(Application.service_type_id == service_type_id)
    if received_from:
        stmt = stmt.where(Application.received_on >= received_from)
    if received_to:
        stmt = stmt.where(Application.received_on <= received_to)
    if open_only:
        stmt = stmt.where(Application.finished_on.is_(None))
    return stmt.order_by(Application.id.desc())


def application_by_number(session: Session, number: str) -> Application | None:
    return session.scalar(select(Application).where(Application.number == number.strip().upper()))


# --- survey -----------------------------------------------------------------------


def survey_application(session: Session, token: str) -> Application:
    application = None
    if 16 <= len(token) <= 64:
        application = session.scalar(select(Application).where(Application.survey_token == token))
    if application is None:
        raise NotFound("No survey for this link.", slug="survey-not-found")
    return application


def submit_survey(
    session: Session,
    token: str,
    answers: list[int],
    comment: str = "",
    today: date | None = None,
    rule: str = SURVEY_RULE,
) -> SurveyResponse:
    """Record the applicant's answers (1-4 for each element); one response per application."""
    application = survey_application(session, token)
    elements = RULES[rule].elements
    if len(answers) != elements or any(
        isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= 4 for a in answers
    ):
        raise InvalidInput(
            f"Answer each of the {elements} elements with 1-4.", slug="invalid-survey"
        )
    exists = session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.application_id == application.id)
    )
    if exists:
        raise Conflict("This application's survey was already answered.", slug="survey-answered")
    response = SurveyResponse(
        application_id=application.id,
        service_type_id=application.service_type_id,
        org_unit_id=application.org_unit_id,
        rule=rule,
        answers=list(answers),
        comment=comment.strip()[:2000],
        answered_on=today or regency_today(),
    )
    session.add(response)
    session.flush()
    return response


def survey_answered(session: Session, application: Application) -> bool:
    return bool(
        session.scalar(
            select(SurveyResponse.id).where(SurveyResponse.application_id == application.id)
        )
    )

"""Intake: an application with its uploads gets a receipt number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Forbidden,
    InvalidInput,
    _,
    audit,
    clean_filename,
    notify_resident,
    open_item,
    regency_today,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing.models import (
    Applicant,
    Application,
    ServiceType,
    Upload,
)
from pamong_plugins.licensing.service_types import handling_unit

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True)
class FileUpload:
    """An uploaded file for one requirement of the checklist."""

    requirement: str
    filename: str
    data: bytes


def upload_type(upload: FileUpload, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The content type of an acceptable upload (PDF or JPEG, by its bytes), else 422."""
    if len(upload.data) == 0:
        raise InvalidInput(_("%(file)s is empty.", file=upload.filename), slug="upload-empty")
    if len(upload.data) > max_bytes:
        raise InvalidInput(
            _("%(file)s is larger than %(kb)d KB.", file=upload.filename, kb=max_bytes // 1024),
            slug="upload-too-large",
        )
    for signature, content_type in _SIGNATURES:
        if upload.data.startswith(signature):
            return content_type
    raise InvalidInput(
        _("%(file)s: only PDF and JPEG files.", file=upload.filename), slug="upload-type"
    )


def stage_flow(service_type: ServiceType) -> list[str]:
    """The stages a file of this type goes through, in order."""
    return [perm.VERIFICATION, *service_type.stages, perm.DECISION]


def attach_uploads(application: Application, uploads: Iterable[FileUpload], max_bytes: int) -> None:
    requirements = set(application.service_type.requirements)
    for upload in uploads:
        if upload.requirement not in requirements:
            raise InvalidInput(
                _("%(name)s is not a requirement of this service.", name=upload.requirement),
                slug="unknown-requirement",
            )
        content_type = upload_type(upload, max_bytes)
        application.uploads.append(
            Upload(
                requirement=upload.requirement,
                filename=clean_filename(upload.filename),
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
        raise InvalidInput(_("This service is not offered any more."), slug="inactive-service")
    if channel == "online" and applicant.verified_at is None:
        raise Forbidden(
            _("Confirm your e-mail address or phone number before applying online."),
            slug="applicant-unverified",
        )
    if channel not in ("counter", "online"):
        raise InvalidInput(_("The channel is counter or online."), slug="invalid-channel")
    if not 1 <= quantity <= 1_000_000:
        raise InvalidInput(
            _("The quantity must be 1-1000000."), slug="invalid-quantity", field="quantity"
        )
    unit = handling_unit(session, service_type, area_code, today, office_code)
    if channel == "counter" and not actor.can(perm.INTAKE, unit):
        raise Forbidden(_("You may not take applications for this unit."), permission=perm.INTAKE)
    application = Application(
        service_type=service_type,
        applicant=applicant,
        org_unit=unit,
        channel=channel,
        description=description.strip()[:500],
        quantity=quantity,
        fee_amount=service_type.fee_for(quantity),
        sop_days=service_type.sop_days,
        received_on=today,
        renewal_of_id=renewal_of.id if renewal_of else None,
    )
    attach_uploads(application, uploads, max_upload_bytes)
    missing = missing_requirements(application, checked if channel == "counter" else ())
    if missing:
        raise InvalidInput(
            _("The file is incomplete; missing: %(missing)s.", missing="; ".join(missing)),
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
    tell_applicant(
        session,
        actor,
        application,
        f"Berkas {application.number} diterima",
        f"Permohonan {service_type.name} Anda diterima dengan nomor {application.number}. "
        f"Lacak berkas di halaman lacak berkas dengan nomor ini.",
    )
    return application


def tell_applicant(
    session: Session, actor: Actor, application: Application, subject: str, body: str
) -> None:
    """Notify the applicant through the core outbox: by SMS where a gateway serves their phone,
    else by e-mail; nothing when they left neither."""
    notify_resident(
        session,
        actor,
        phone=application.applicant.phone,
        email=application.applicant.email or "",
        subject=subject,
        body=body,
    )

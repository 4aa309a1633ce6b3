"""The workflow of a file: stages, return and resume, decision, payment, permit, handover."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

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
    TrackedItem,
    User,
    _,
    audit,
    holders_of_role,
    hook_relay,
    issue_document,
    mask_name,
    move_to,
    record_personal_read,
    regency_today,
    working_days_between,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing.intake import (
    MAX_UPLOAD_BYTES,
    FileUpload,
    attach_uploads,
    stage_flow,
    submit_application,
    tell_applicant,
)
from pamong_plugins.licensing.models import (
    Application,
    Permit,
)
from pamong_plugins.licensing.signatories import require_signatory, signatory_for
from pamong_plugins.licensing.sla import SlaStatus, sla_status
from pamong_plugins.licensing.surveys import invite_to_survey


def get_application(
    session: Session, actor: Actor, application_id: int, *, purpose: str | None = None
) -> Application:
    """An application the actor may see (404 otherwise, so numbers leak nothing).

    With a ``purpose`` the caller is about to show the applicant's personal
    data (ID number, address, uploaded documents): the read is recorded.
    """
    application = session.get(Application, application_id)
    if application is None or not actor.can(perm.VIEW, application.org_unit):
        raise NotFound(_("No such application."), slug="application-not-found")
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
            _(
                "You need %(permission)s at %(unit)s.",
                permission=permission,
                unit=application.org_unit.name,
            ),
            permission=permission,
        )


def _expect(application: Application, *stages: str) -> None:
    if application.stage not in stages:
        raise Conflict(
            _(
                "%(number)s is at stage %(stage)s; this step needs %(needed)s.",
                number=application.number,
                stage=application.stage,
                needed=" / ".join(stages),
            ),
            slug="wrong-stage",
        )


def _move(
    session: Session,
    actor: Actor,
    application: Application,
    stage: str,
    note: str = "",
    *,
    public_note: str = "",
    message: str = "",
    close: bool = False,
) -> None:
    """Move the tracked file and tell the applicant by e-mail.

    ``note`` is internal; ``public_note`` shows on the tracker and in the
    e-mail; ``message`` goes only into the e-mail to the applicant (what is
    missing, the reasons for a refusal), never onto the public tracker.
    """
    move_to(
        session,
        actor,
        _item(session, application),
        perm.LICENSE_FILE,
        stage,
        note,
        public_note=public_note,
        close=close,
    )
    application.stage = stage
    words = perm.STAGE_WORDS.get(stage, stage)
    extra = "".join(f"\n{text.strip()}" for text in (message, public_note) if text.strip())
    tell_applicant(
        session,
        actor,
        application,
        f"Berkas {application.number}: {words}",
        f"Status permohonan {application.service_type.name} nomor {application.number}: "
        f"{words}." + extra,
    )


def next_stage(application: Application) -> str | None:
    """The stage after the current one in the type's flow (None at or after decision)."""
    if application.stage == perm.RECEIVED:
        return perm.VERIFICATION
    flow = stage_flow(application.service_type)
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


def advance(
    session: Session,
    actor: Actor,
    application: Application,
    note: str = "",
    *,
    public_note: str = "",
) -> str:
    """Move a file to the next stage of its type (verification, inspection, meeting…).

    ``note`` is internal; ``public_note`` is the note to the applicant (tracker).
    """
    target = next_stage(application)
    if target is None:
        raise Conflict(
            _("%(number)s cannot move on from here.", number=application.number),
            slug="wrong-stage",
        )
    _require(actor, _ADVANCE_PERMISSION[application.stage], application)
    _move(session, actor, application, target, note, public_note=public_note)
    return target


def licensing_staff(session: Session, unit: OrgUnit) -> list[User]:
    """Active users with a licensing role at ``unit`` or above it: who a file can go to."""
    names = [role.name for role in perm.ROLES if role.name != "licensing_observer"]
    return holders_of_role(session, names, unit)  # one query, by username


def assign(
    session: Session, actor: Actor, application: Application, username: str, note: str = ""
) -> None:
    """Give a file to a staff member who works on licensing at the file's unit or above.

    The assignment shows on the file's timeline (internal note).
    """
    _require(actor, perm.VERIFY, application)
    _open(application)
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or user not in licensing_staff(session, application.org_unit):
        raise InvalidInput(
            _(
                "%(user)s is not licensing staff of %(unit)s.",
                user=username.strip() or "-",
                unit=application.org_unit.name,
            ),
            slug="invalid-assignee",
            field="username",
        )
    application.assigned_to_id = user.id
    words = _("Assigned to %(name)s", name=user.full_name or user.username)
    _timeline(session, actor, application, f"{words}. {note.strip()}".strip()[:300])
    audit(
        session,
        actor,
        "licensing.application.assign",
        "licensing_application",
        application.id,
        org_unit_id=application.org_unit_id,
        assignee=user.username,
    )


def _open(application: Application) -> None:
    if application.finished_on is not None:
        raise Conflict(_("%(number)s is closed.", number=application.number), slug="file-closed")


def _timeline(session: Session, actor: Actor, application: Application, note: str) -> None:
    """An internal note on the file's timeline, at its current stage."""
    move_to(
        session,
        actor,
        _item(session, application),
        perm.LICENSE_FILE,
        application.stage,
        note,
    )


def forward(
    session: Session, actor: Actor, application: Application, unit_code: str, reason: str
) -> OrgUnit:
    """Forward an open file by hand to another unit (a file received at the wrong office).

    The actor needs ``licensing.verify`` at the file's unit; the target unit
    must have licensing staff. The move shows on the timeline; the
    assignment is cleared (the new unit assigns its own staff).
    """
    _require(actor, perm.VERIFY, application)
    _open(application)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            _("Say why the file goes to another unit."), slug="reason-required", field="reason"
        )
    target = session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code.strip()))
    if target is None or target.id == application.org_unit_id:
        raise InvalidInput(
            _("Choose another unit to forward the file to."), slug="invalid-unit", field="unit"
        )
    if not licensing_staff(session, target):
        raise InvalidInput(
            _("%(unit)s has no licensing staff to take the file.", unit=target.name),
            slug="invalid-unit",
            field="unit",
        )
    source = application.org_unit
    item = _item(session, application)
    words = _("Forwarded from %(source)s to %(target)s", source=source.name, target=target.name)
    _timeline(session, actor, application, f"{words}: {reason}"[:300])
    item.org_unit_id = target.id
    application.org_unit = target
    application.assigned_to_id = None
    session.flush()
    audit(
        session,
        actor,
        "licensing.application.forward",
        "licensing_application",
        application.id,
        org_unit_id=target.id,
        source=source.code,
        target=target.code,
    )
    return target


def return_to_applicant(
    session: Session,
    actor: Actor,
    application: Application,
    reason: str,
    today: date | None = None,
    *,
    public_note: str = "",
) -> None:
    """Send a file back for missing documents; the SLA clock stops until it returns.

    The applicant reads ``reason`` (what is missing) in their e-mail and on
    their portal page; the public tracker shows only ``public_note``.
    """
    _require(actor, perm.VERIFY, application)
    _expect(application, perm.RECEIVED, perm.VERIFICATION, perm.INSPECTION)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say what is missing."), slug="reason-required", field="reason")
    application.returned_from = application.stage
    application.return_reason = reason[:500]
    application.paused_since = today or regency_today()
    _move(
        session,
        actor,
        application,
        perm.RETURNED,
        reason[:300],
        public_note=public_note,
        message=reason[:500],
    )


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
    attach_uploads(application, uploads, max_upload_bytes)
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
    public_note: str = "",
) -> None:
    """Approve (then levy or issue) or refuse with reasons; the SLA clock stops here.

    The reasons of a refusal go to the applicant (e-mail, portal), never to
    the public tracker, which shows only ``public_note``.
    """
    _require(actor, perm.DECIDE, application)
    _expect(application, perm.DECISION)
    today = today or regency_today()
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput(_("A refusal states its reasons."), slug="reason-required")
    if approve and application.service_type.is_permit:
        require_signatory(session, application.org_unit, application.service_type)
    application.decided_on = today
    application.decision = "approved" if approve else "refused"
    application.days_used = sla_of(application, today).days_used
    if not approve:
        application.refusal_reason = reason[:500]
        application.finished_on = today
        _move(
            session,
            actor,
            application,
            perm.REFUSED,
            reason[:300],
            public_note=public_note,
            message=reason[:500],
            close=True,
        )
        return
    if application.fee_amount > 0:
        _move(session, actor, application, perm.PAYMENT, reason[:300], public_note=public_note)
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
    _move(session, actor, application, perm.HANDOVER, reason[:300], public_note=public_note)


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
            _("The levy is paid at the cashier or by bank: billing records it."),
            slug="paid-through-billing",
        )
    reference = reference.strip()
    if not reference:
        raise InvalidInput(
            _("Give the payment receipt reference."), slug="reference-required", field="reference"
        )
    today = today or regency_today()
    application.paid_on = today
    application.payment_ref = reference[:100]
    permit = issue_permit(session, actor, application, today=today)
    _move(session, actor, application, perm.HANDOVER)
    return permit


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


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def issue_permit(
    session: Session, actor: Actor, application: Application, today: date | None = None
) -> Permit:
    """Number the permit and register it as a core document (verifiable by QR)."""
    if application.permit is not None:
        return application.permit
    today = today or regency_today()
    stype = application.service_type
    number = f"503/{application.id:05d}/{stype.code}/{today.year}"
    valid_until = add_months(today, stype.validity_months) if stype.validity_months else None
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
    signer = signatory_for(session, application.org_unit, stype)
    if signer is None and stype.is_permit:
        require_signatory(session, application.org_unit, stype)  # raises: nothing is issued
    permit = Permit(
        application=application,
        number=number,
        document_id=document.id,
        holder=application.applicant.name,
        issued_on=today,
        valid_until=valid_until,
        signer_name=signer.name if signer else "",
        signer_nip=signer.nip if signer else "",
        signer_position=signer.position if signer else "",
    )
    session.add(permit)
    session.flush()
    if application.applicant.kind == "business" and stype.is_permit:
        reference = hook_relay(session).pamong_licensing_oss_register(
            application=application, permit=permit, session=session
        )
        if isinstance(reference, list):  # a contained call gives every answer
            reference = next((r for r in reference if r), None)
        if reference:
            application.oss_reference = str(reference).strip()[:60]
    return permit


def record_oss_reference(
    session: Session, actor: Actor, application: Application, reference: str
) -> None:
    """Record by hand the OSS-RBA reference of a business permit (staff who verify files)."""
    _require(actor, perm.VERIFY, application)
    reference = reference.strip()
    if not reference or len(reference) > 60:
        raise InvalidInput(
            _("The OSS-RBA reference is 1-60 characters."), slug="invalid-oss-reference"
        )
    if not all(ch.isalnum() or ch in "-/." for ch in reference):
        raise InvalidInput(
            _("The OSS-RBA reference holds letters, digits, - / and . only."),
            slug="invalid-oss-reference",
        )
    application.oss_reference = reference
    audit(
        session,
        actor,
        "licensing.application.oss_reference",
        "licensing_application",
        application.id,
        org_unit_id=application.org_unit_id,
        reference=reference,
    )


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
    token = invite_to_survey(session, application)
    _move(session, actor, application, perm.DONE, close=True)
    tell_applicant(
        session,
        actor,
        application,
        f"Survei kepuasan {application.number}",
        "Terima kasih. Mohon isi survei kepuasan masyarakat (9 unsur) di tautan: "
        f"{public_url.rstrip('/')}/survey/{token}",
    )
    return token


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
        raise InvalidInput(_("This permit is not renewable."), slug="not-renewable")
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
        sop_days=application.sop_days,
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

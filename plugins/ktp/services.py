"""The KTP counter flow: apply -> check -> photo and signature -> print -> hand over.

Rules (DOMAIN.md, KTP service): a resident applies at the kecamatan of
their domicile, must be 17 or married, holds at most one active card
(a partial unique index backs this under concurrency), and an application
waits ("held") while the core's duplicate screening has open candidates
for the resident. Every step is stamped with its time and officer, moved
on the public tracker and written to the audit log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    DocumentKind,
    DuplicateCandidate,
    DuplicateStatus,
    FeeDue,
    Forbidden,
    InvalidInput,
    IssuedDocument,
    MaritalStatus,
    NotFound,
    OrgUnit,
    OrgUnitKind,
    Resident,
    Stage,
    SurveyInvitation,
    TrackableKind,
    TrackedItem,
    _,
    _l,
    audit,
    clean_nik,
    hook_relay,
    issue_document,
    mask_name,
    move_to,
    open_item,
    record_personal_read,
    revoke_document,
    screen_duplicates,
    survey_invitation,
    survey_link,
    time_zone,
    utcnow,
    verify_identity,
)
from pamong_plugins.ktp.models import (
    FINAL_STEPS,
    CardStatus,
    KtpApplication,
    KtpCard,
    KtpFeeRate,
    Reason,
    ReplacementCause,
    Step,
)
from pamong_plugins.ktp.permissions import ADMIN, APPLY, HANDOVER, PRINT, READ
from pamong_plugins.ktp.photo import prepare_capture

MIN_AGE = 17
MAX_FEE = 1_000_000
#: The satisfaction survey of the KTP service (``pamong_register_survey_services``).
SURVEY_SERVICE = "ktp.card"

KTP_FILE = TrackableKind(
    "KTP",
    _l("KTP (resident ID card)"),
    (
        Stage(Step.APPLIED.value, _l("Application received")),
        Stage(Step.HELD.value, _l("On hold: identity under review")),
        Stage(Step.CHECKED.value, _l("Biodata checked")),
        Stage(Step.CAPTURED.value, _l("Photo and signature taken")),
        Stage(Step.PRINTED.value, _l("Card printed, ready to collect")),
        Stage(Step.COLLECTED.value, _l("Card collected")),
        Stage(Step.CANCELLED.value, _l("Cancelled")),
    ),
)

KTP_CARD = DocumentKind("ktp.card", _l("KTP (resident ID card)"))


# --- lookups -----------------------------------------------------------------


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_eligible(resident: Resident, day: date) -> bool:
    """17 or older, or married now or before (UU 23/2006 Pasal 63)."""
    married = resident.marital_status not in (None, MaritalStatus.BELUM_KAWIN.value)
    return married or age_on(resident.birth_date, day) >= MIN_AGE


def kecamatan_of(resident: Resident) -> OrgUnit:
    """The kecamatan of the resident's domicile desa or kelurahan."""
    unit = resident.domicile
    return unit.parent if unit.kind != OrgUnitKind.KECAMATAN.value and unit.parent else unit


def counters_of(session: Session, actor: Actor, permission: str = APPLY) -> list[OrgUnit]:
    """The kecamatan where ``actor`` may serve with ``permission``."""
    stmt = (
        select(OrgUnit)
        .where(
            OrgUnit.kind == OrgUnitKind.KECAMATAN.value,
            actor.scope_filter(permission, OrgUnit.path),
        )
        .order_by(OrgUnit.name)
    )
    return list(session.scalars(stmt))


def active_card(session: Session, resident_id: int) -> KtpCard | None:
    return session.scalar(
        select(KtpCard).where(
            KtpCard.resident_id == resident_id, KtpCard.status == CardStatus.ACTIVE
        )
    )


def fee_in_force(session: Session, day: date) -> KtpFeeRate | None:
    """The fee rate whose validity period contains ``day`` (None: free)."""
    return session.scalar(
        select(KtpFeeRate)
        .where(
            KtpFeeRate.valid_from <= day,
            or_(KtpFeeRate.valid_until.is_(None), KtpFeeRate.valid_until >= day),
        )
        .order_by(KtpFeeRate.valid_from.desc())
        .limit(1)
    )


def _tracked(session: Session, application: KtpApplication) -> TrackedItem:
    return session.scalars(
        select(TrackedItem).where(TrackedItem.number == application.tracking_number)
    ).one()


def _audit(session: Session, actor: Actor, action: str, application: KtpApplication, **data: Any):
    audit(
        session,
        actor,
        f"ktp_application.{action}",
        "ktp_application",
        application.id,
        org_unit_id=application.kecamatan_id,
        subject_nik=application.resident.nik,
        **data,
    )


def can_read(actor: Actor, unit: OrgUnit) -> bool:
    return any(actor.can(permission, unit) for permission in READ)


def applications_query(
    actor: Actor,
    *,
    step: str | None = None,
    kecamatan_code: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[tuple[KtpApplication]]:
    """Applications the actor may see, newest first."""
    stmt = (
        select(KtpApplication)
        .join(OrgUnit, KtpApplication.kecamatan_id == OrgUnit.id)
        .where(or_(*(actor.scope_filter(p, OrgUnit.path) for p in READ)))
        .order_by(KtpApplication.applied_at.desc(), KtpApplication.id.desc())
    )
    if step:
        stmt = stmt.where(KtpApplication.step == step)
    if kecamatan_code:
        stmt = stmt.where(OrgUnit.code == kecamatan_code)
    if since:
        stmt = stmt.where(KtpApplication.applied_at >= since)
    if until:
        stmt = stmt.where(KtpApplication.applied_at < until)
    return stmt


def get_application(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    audit: bool = True,
    purpose: str = "ktp.application",
) -> KtpApplication:
    """One application (404 outside the actor's kecamatan).

    It shows the resident's NIK, photo and signature: unless ``audit`` is
    off (a step that records its own entry), the read is recorded through
    the core's :func:`~pamong.audit.services.record_personal_read`.
    """
    application = session.get(KtpApplication, application_id)
    if application is None or not can_read(actor, application.kecamatan):
        raise NotFound(_("No such KTP application."), slug="application-not-found")
    if audit:
        record_personal_read(
            session,
            actor,
            subject=("ktp_application", application.id),
            resident=application.resident,
            unit=application.kecamatan_id,
            purpose=purpose,
        )
    return application


def _for_step(
    session: Session, actor: Actor, application_id: int, permission: str, *steps: Step
) -> KtpApplication:
    application = get_application(session, actor, application_id, audit=False)
    if not actor.can(permission, application.kecamatan):
        raise Forbidden(f"You need the permission {permission!r} here.", permission=permission)
    if application.step not in steps:
        allowed = ", ".join(s.value for s in steps)
        raise Conflict(
            _(
                "The application is at step %(step)s; this needs %(allowed)s.",
                step=application.step,
                allowed=allowed,
            ),
            slug="wrong-step",
        )
    return application


# --- the counter flow --------------------------------------------------------


def apply(
    session: Session,
    actor: Actor,
    *,
    nik: str,
    kecamatan_code: str,
    reason: str,
    replacement_cause: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> KtpApplication:
    """Take an application at a kecamatan counter; open its tracked file; announce the fee."""
    now = now or utcnow()
    kecamatan = session.scalar(select(OrgUnit).where(OrgUnit.code == kecamatan_code))
    if kecamatan is None or kecamatan.kind != OrgUnitKind.KECAMATAN.value:
        raise InvalidInput(
            _("%(code)s is not a kecamatan.", code=kecamatan_code), slug="invalid-kecamatan"
        )
    if not actor.can(APPLY, kecamatan):
        raise Forbidden(
            _("You may not take applications in %(name)s.", name=kecamatan.name), permission=APPLY
        )
    if reason not in {r.value for r in Reason}:
        raise InvalidInput(_("Unknown reason %(reason)s.", reason=reason), slug="invalid-reason")
    if reason == Reason.REPLACEMENT:
        if replacement_cause not in {c.value for c in ReplacementCause}:
            raise InvalidInput(
                _("A replacement needs its cause: lost or damaged."), slug="cause-required"
            )
    else:
        replacement_cause = None
    resident = session.scalar(select(Resident).where(Resident.nik == clean_nik(nik)))
    if resident is None or not actor.can(APPLY, resident.domicile):
        # A resident outside the officer's kecamatan gets the answer of an unknown
        # NIK: neither their existence nor their domicile is told.
        raise NotFound(_("No resident with this NIK."), slug="resident-not-found")
    home = kecamatan_of(resident)
    if home.id != kecamatan.id:
        raise InvalidInput(
            _("The resident lives in Kecamatan %(name)s: apply there.", name=home.name),
            slug="not-domicile-kecamatan",
            domicile_kecamatan=home.code,
        )
    if not is_eligible(resident, now.date()):
        raise InvalidInput(
            _("A KTP needs age %(age)d or marriage.", age=MIN_AGE),
            slug="not-eligible",
            age=age_on(resident.birth_date, now.date()),
        )
    if reason == Reason.NEW and active_card(session, resident.id) is not None:
        raise Conflict(
            _(
                "The resident already holds an active KTP: apply for a replacement, "
                "renewal or change of data instead."
            ),
            slug="card-exists",
        )
    open_one = session.scalar(
        select(KtpApplication.tracking_number).where(
            KtpApplication.resident_id == resident.id,
            KtpApplication.step.not_in(FINAL_STEPS),
        )
    )
    if open_one:
        raise Conflict(
            _("The resident already has an open application, %(number)s.", number=open_one),
            slug="application-open",
            tracking_number=open_one,
        )
    rate = fee_in_force(session, now.date())
    item = open_item(session, actor, KTP_FILE, kecamatan, now=now)
    application = KtpApplication(
        resident=resident,
        kecamatan=kecamatan,
        tracking_number=item.number,
        reason=reason,
        replacement_cause=replacement_cause,
        note=note.strip()[:300],
        step=Step.APPLIED.value,
        fee_amount=rate.amount if rate else 0,
        fee_basis=rate.legal_basis if rate else "",
        applied_at=now,
        applied_by_id=actor.user_id,
    )
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:  # a second desk was faster (unique open application)
        raise Conflict(
            _("The resident already has an open application."), slug="application-open"
        ) from None
    item.reference = f"ktp_application:{application.id}"
    _audit(session, actor, "create", application, reason=reason)
    if replacement_cause == ReplacementCause.LOST:
        # A lost card is revoked when the loss is reported, not when the new one
        # is printed: whoever finds it must not pass it off meanwhile.
        lost = active_card(session, resident.id)
        if lost is not None:
            note = str(_("Reported lost: this card is no longer valid."))
            revoke_card(session, actor, lost, f"reported lost ({item.number})", public_note=note)
    hook_relay(session).pamong_on_fee_due(
        fee=FeeDue(
            source="ktp",
            reference=f"ktp_application:{application.id}",
            amount=application.fee_amount,
            description=f"KTP {reason} {item.number}",
            unit_code=kecamatan.code,
            payer_ref=f"resident:{resident.id}",
            legal_basis=application.fee_basis,
            tracking_number=item.number,
            due_date=now.date(),
        ),
        session=session,
    )
    return application


def _open_duplicates(session: Session, resident_id: int) -> list[DuplicateCandidate]:
    return list(
        session.scalars(
            select(DuplicateCandidate).where(
                or_(
                    DuplicateCandidate.resident_id == resident_id,
                    DuplicateCandidate.other_resident_id == resident_id,
                ),
                DuplicateCandidate.status.in_(
                    [DuplicateStatus.OPEN.value, DuplicateStatus.SAME_PERSON.value]
                ),
            )
        ).unique()
    )


def check_biodata(
    session: Session, actor: Actor, application_id: int, *, now: datetime | None = None
) -> KtpApplication:
    """Check the resident against the registry adapters and the duplicate screening.

    Open duplicate candidates put the application on hold; calling this
    again after staff resolved them lets it go on. Registry problems
    (``pamong_verify_identity``) refuse the step with their reasons.
    """
    application = _for_step(
        session, actor, application_id, APPLY, Step.APPLIED, Step.HELD, Step.CHECKED
    )
    now = now or utcnow()
    resident = application.resident
    check = verify_identity(session, resident)
    if not check.ok:
        raise InvalidInput(
            _("The registry refused this identity:") + " " + " ".join(_(p) for p in check.problems),
            slug="identity-refused",
            source=check.source,
            problems=list(check.problems),
        )
    screen_duplicates(session, resident)
    duplicates = _open_duplicates(session, resident.id)
    same_person = [d for d in duplicates if d.status == DuplicateStatus.SAME_PERSON.value]
    if same_person:
        raise Conflict(
            _(
                "Staff found that this person holds another NIK: the identities must be "
                "merged at Dukcapil before a card is made. Cancel this application."
            ),
            slug="same-person",
        )
    application.check_source = check.source[:60]
    application.check_warnings = list(check.warnings)
    item = _tracked(session, application)
    if duplicates:
        if application.step != Step.HELD:
            application.step = Step.HELD.value
            application.held_at = now
            application.held_by_id = actor.user_id
            move_to(session, actor, item, KTP_FILE, Step.HELD.value, now=now)
            _audit(session, actor, "hold", application, candidates=[d.id for d in duplicates])
        return application
    if application.step != Step.CHECKED:
        application.step = Step.CHECKED.value
        application.checked_at = now
        application.checked_by_id = actor.user_id
        move_to(session, actor, item, KTP_FILE, Step.CHECKED.value, now=now)
        _audit(session, actor, "check", application, source=check.source)
    return application


def capture(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    photo: bytes | str,
    signature: bytes | str,
    now: datetime | None = None,
) -> KtpApplication:
    """Store the photo and signature (retakes allowed until the card is printed)."""
    application = _for_step(session, actor, application_id, APPLY, Step.CHECKED, Step.CAPTURED)
    result = prepare_capture(photo, signature, application.resident.birth_date.year)
    application.photo, application.signature = result.photo, result.signature
    application.photo_warning = result.warning
    now = now or utcnow()
    application.captured_at = now
    application.captured_by_id = actor.user_id
    if application.step != Step.CAPTURED:
        application.step = Step.CAPTURED.value
        move_to(
            session, actor, _tracked(session, application), KTP_FILE, Step.CAPTURED.value, now=now
        )
    _audit(session, actor, "capture", application, photo_warning=result.warning)
    return application


def print_card(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    validity_years: int = 0,
    require_payment: bool = False,
    now: datetime | None = None,
) -> KtpCard:
    """Make the card: revoke the previous one, register the document, stamp the print.

    Raises Conflict when another active card appeared meanwhile (the
    partial unique index refuses the second one), and, with
    ``require_payment``, while a fee is due and billing has not reported it paid.
    """
    application = _for_step(session, actor, application_id, PRINT, Step.CAPTURED)
    if require_payment and application.fee_amount > 0 and application.fee_paid_at is None:
        raise Conflict(_("The KTP fee is not paid yet."), slug="fee-unpaid")
    now = now or utcnow()
    resident = application.resident
    previous = active_card(session, resident.id)
    if previous is not None:
        if application.reason == Reason.NEW:
            raise Conflict(_("The resident already holds an active KTP."), slug="card-exists")
        revoke_card(session, actor, previous, f"replaced by {application.tracking_number}")
    valid_until = None
    if validity_years:
        valid_until = now.date().replace(year=now.year + validity_years)
    document = issue_document(
        session,
        actor,
        KTP_CARD,
        number=application.tracking_number,
        unit=application.kecamatan,
        holder_ref=f"resident:{resident.id}",
        holder_label=mask_name(resident.name),
        valid_until=valid_until,
        now=now,
    )
    card = KtpCard(
        resident_id=resident.id,
        application_id=application.id,
        document_id=document.id,
        status=CardStatus.ACTIVE.value,
        issued_at=now,
        valid_until=valid_until,
    )
    try:
        with session.begin_nested():
            session.add(card)
            session.flush()
    except IntegrityError:
        raise Conflict(_("The resident already holds an active KTP."), slug="card-exists") from None
    application.step = Step.PRINTED.value
    application.printed_at = now
    application.printed_by_id = actor.user_id
    move_to(session, actor, _tracked(session, application), KTP_FILE, Step.PRINTED.value, now=now)
    _audit(session, actor, "print", application, card_id=card.id)
    return card


def revoke_card(
    session: Session, actor: Actor, card: KtpCard, reason: str, *, public_note: str = ""
) -> KtpCard:
    """Revoke a card and its document, so its verification page says revoked.

    ``reason`` is internal; ``public_note`` is shown on the verification page.
    """
    card.status = CardStatus.REVOKED.value
    card.revoked_at = utcnow()
    card.revoke_reason = reason[:300]
    session.flush()  # before a new active card is inserted (partial unique index)
    document = session.get(IssuedDocument, card.document_id)
    if document is not None:
        revoke_document(session, actor, document, reason, public_note=public_note)
    return card


def hand_over(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    collected_by: str,
    now: datetime | None = None,
) -> KtpApplication:
    """Record who collected the printed card and when; close the tracked file."""
    application = _for_step(session, actor, application_id, HANDOVER, Step.PRINTED)
    collected_by = " ".join(collected_by.split())[:200]
    if not collected_by:
        raise InvalidInput(_("Say who collected the card."), slug="collector-required")
    now = now or utcnow()
    application.step = Step.COLLECTED.value
    application.collected_at = now
    application.handed_over_by_id = actor.user_id
    application.collected_by = collected_by
    move_to(
        session,
        actor,
        _tracked(session, application),
        KTP_FILE,
        Step.COLLECTED.value,
        close=True,
        now=now,
    )
    _audit(session, actor, "handover", application, collected_by=collected_by)
    # The resident is offered the satisfaction survey with the card.
    survey_link(
        session,
        service=SURVEY_SERVICE,
        unit=application.kecamatan,
        reference=_survey_reference(application),
        completed_on=now.astimezone(ZoneInfo(time_zone())).date(),
    )
    return application


def _survey_reference(application: KtpApplication) -> str:
    return f"ktp_application:{application.id}"


def survey_of(session: Session, application: KtpApplication) -> SurveyInvitation | None:
    """The survey invitation given with the card (None before handover)."""
    return survey_invitation(
        session, service=SURVEY_SERVICE, reference=_survey_reference(application)
    )


def cancel(
    session: Session, actor: Actor, application_id: int, *, reason: str, public_note: str = ""
) -> KtpApplication:
    """Cancel an application before its card is printed.

    ``reason`` stays internal; ``public_note`` is what the tracker tells the resident.
    """
    application = _for_step(
        session,
        actor,
        application_id,
        APPLY,
        Step.APPLIED,
        Step.HELD,
        Step.CHECKED,
        Step.CAPTURED,
    )
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise InvalidInput(_("Say why the application is cancelled."), slug="reason-required")
    application.step = Step.CANCELLED.value
    application.cancelled_at = utcnow()
    application.cancelled_by_id = actor.user_id
    application.cancel_reason = reason
    move_to(
        session,
        actor,
        _tracked(session, application),
        KTP_FILE,
        Step.CANCELLED.value,
        reason,
        public_note=public_note,
        close=True,
    )
    _audit(session, actor, "cancel", application, reason=reason)
    return application


def get_card(session: Session, actor: Actor, card_id: int) -> KtpCard:
    card = session.get(KtpCard, card_id)
    if card is None or not can_read(actor, card.application.kecamatan):
        raise NotFound(_("No such KTP card."), slug="card-not-found")
    return card


def reprint(session: Session, actor: Actor, card_id: int) -> KtpCard:
    """Allow printing a card again; the card's record is not changed, the audit log says who."""
    card = get_card(session, actor, card_id)
    if not actor.can(PRINT, card.application.kecamatan):
        raise Forbidden("You need the permission 'ktp.print' here.", permission=PRINT)
    if card.status != CardStatus.ACTIVE:
        raise Conflict(_("A revoked card cannot be printed again."), slug="card-revoked")
    audit(
        session,
        actor,
        "ktp_card.reprint",
        "ktp_card",
        card.id,
        org_unit_id=card.application.kecamatan_id,
        subject_nik=card.application.resident.nik,
    )
    return card


# --- fees --------------------------------------------------------------------


def fee_refunded(session: Session, invoice: Any, reason: str) -> KtpApplication | None:
    """Billing cancelled or refunded the fee's invoice: the fee counts as unpaid again."""
    kind, _sep, ident = invoice.reference.partition(":")
    if invoice.source != "ktp" or kind != "ktp_application" or not ident.isdigit():
        return None
    application = session.get(KtpApplication, int(ident))
    if application is None or application.fee_paid_at is None:
        return application
    application.fee_paid_at = None
    audit(
        session,
        Actor.system("billing"),
        "ktp_application.fee_refunded",
        "ktp_application",
        application.id,
        org_unit_id=application.kecamatan_id,
        invoice=invoice.number,
        reason=reason[:300],
    )
    return application


def fee_paid(session: Session, invoice: Any) -> KtpApplication | None:
    """Billing reports an invoice paid (``pamong_on_invoice_paid``): mark the KTP fee paid."""
    kind, _sep, ident = invoice.reference.partition(":")
    if invoice.source != "ktp" or kind != "ktp_application" or not ident.isdigit():
        return None
    application = session.get(KtpApplication, int(ident))
    if application is None or application.fee_paid_at is not None:
        return application
    application.fee_paid_at = invoice.paid_at or utcnow()
    application.fee_invoice = invoice.number[:20]
    audit(
        session,
        Actor.system("billing"),
        "ktp_application.fee_paid",
        "ktp_application",
        application.id,
        org_unit_id=application.kecamatan_id,
        invoice=invoice.number,
    )
    return application


def add_fee_rate(
    session: Session,
    actor: Actor,
    *,
    amount: int,
    valid_from: date,
    valid_until: date | None = None,
    legal_basis: str = "",
) -> KtpFeeRate:
    """Record the fee for a period; periods may not overlap."""
    if not actor.can(ADMIN):
        raise Forbidden("You need the permission 'ktp.admin'.", permission=ADMIN)
    if not 0 <= amount <= MAX_FEE:
        raise InvalidInput(
            _("The fee must be between 0 and %(max)d rupiah.", max=MAX_FEE), slug="invalid-fee"
        )
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(_("The period ends before it starts."), slug="invalid-period")
    far = date.max
    overlap = session.scalar(
        select(KtpFeeRate).where(
            KtpFeeRate.valid_from <= (valid_until or far),
            or_(KtpFeeRate.valid_until.is_(None), KtpFeeRate.valid_until >= valid_from),
        )
    )
    if overlap is not None:
        raise InvalidInput(
            _(
                "The period overlaps the rate in force from %(day)s.",
                day=overlap.valid_from.isoformat(),
            ),
            slug="fee-overlap",
        )
    rate = KtpFeeRate(
        amount=amount,
        valid_from=valid_from,
        valid_until=valid_until,
        legal_basis=" ".join(legal_basis.split())[:200],
    )
    session.add(rate)
    session.flush()
    audit(session, actor, "ktp_fee_rate.create", "ktp_fee_rate", rate.id, amount=amount)
    return rate


def fee_rates(session: Session) -> list[KtpFeeRate]:
    return list(session.scalars(select(KtpFeeRate).order_by(KtpFeeRate.valid_from.desc())))

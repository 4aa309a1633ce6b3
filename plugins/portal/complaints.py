"""Complaints and aspirations (pengaduan): submission, handling, answers, public page.

Rules (SP4N-LAPOR!, PermenPAN-RB 62/2018): every report gets a receipt
number on the core tracker; staff verify, postpone, archive, forward (not
the regency's authority) or route it by category to the responsible unit,
within working-day deadlines per category; the status never moves back
except by the citizen reopening an answered report; the citizen's text
and the official answers are never edited, only hidden with a reason.
The reporter's name and contacts are personal data: shown only to
holders of ``portal.complaints_personal`` at the unit (never for
confidential reports) and every such read is audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    Stage,
    SurveyInvitation,
    TrackableKind,
    TrackedItem,
    _,
    _l,
    add_working_days,
    audit,
    current_calendar,
    hook_relay,
    mask_name,
    move_to,
    notify_resident,
    open_item,
    record_personal_read,
    survey_invitation,
    survey_link,
    utcnow,
)
from pamong_plugins.portal.models import Complaint, ComplaintAnswer, ComplaintPhoto
from pamong_plugins.portal.permissions import COMPLAINTS, COMPLAINTS_PERSONAL, FILE_FOR_CITIZEN

#: The satisfaction survey of complaint handling (``pamong_register_survey_services``).
SURVEY_SERVICE = "portal.complaints"

KINDS = {
    "complaint": _l("Complaint"),
    "aspiration": _l("Aspiration"),
    "information": _l("Information request (UU 14/2008)"),
    "whistleblowing": _l("Whistleblowing"),
}

COMPLAINT_FILE = TrackableKind(
    code="ADU",
    title=_l("Complaint or aspiration"),
    stages=(
        Stage("submitted", _l("Received, waiting for verification")),
        Stage("postponed", _l("Postponed: more information needed")),
        Stage("in_progress", _l("Verified and passed to the responsible unit")),
        Stage("answered", _l("Answered")),
        Stage("closed", _l("Closed")),
        Stage("archived", _l("Archived")),
        Stage("forwarded", _l("Not the regency's authority: forwarded")),
    ),
)

#: Rank of each status; a report only moves to an equal or higher rank (reopening aside).
RANK = {
    "submitted": 0,
    "postponed": 1,
    "in_progress": 2,
    "answered": 3,
    "closed": 4,
    "archived": 4,
    "forwarded": 4,
}
OPEN = ("submitted", "postponed", "in_progress")

MAX_TITLE = 150
MAX_BODY = 4000
MAX_NAME = 120


@dataclass(frozen=True)
class Category:
    """A complaint category: the office it is routed to and its working-day deadlines.

    Attributes:
        code: Stable code.
        label: Shown to citizens.
        office: Suffix of the responsible office's unit code (``DUKCAPIL``); "" for the regency.
        verify_days: Working days to verify.
        answer_days: Working days from submission to the answer.
    """

    code: str
    label: Any
    office: str = ""
    verify_days: int = 3
    answer_days: int = 5


CATEGORIES = (
    Category("population", _l("Population documents (KTP, KK, certificates)"), "DUKCAPIL"),
    Category("permits", _l("Permits and the one-stop office"), "BPT"),
    Category("water", _l("Drinking water (PDAM)"), "PDAM"),
    Category("health", _l("Hospital and health services"), "RSUD", answer_days=14),
    Category("markets", _l("Markets and staple prices"), "DISDAG", answer_days=14),
    Category("digital", _l("Websites and online services"), "KPDE"),
    Category("infrastructure", _l("Roads, bridges and drainage"), "", answer_days=60),
    Category("other", _l("Other matters"), "", answer_days=14),
)
CATEGORY = {c.code: c for c in CATEGORIES}

_PHONE = re.compile(r"^\+?[0-9]{9,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SCRUB = (
    (re.compile(r"\b\d{16}\b"), "[NIK]"),
    (re.compile(r"(?:\+62|\b0)8[0-9 .-]{7,14}[0-9]"), "[telepon]"),
    (re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"), "[email]"),
)


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise InvalidInput(_("%(field)s is required.", field=field), field=field)
    if len(text) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(limit)d characters.", field=field, limit=limit),
            field=field,
        )
    return text


def root_unit(session: Session) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).limit(1))
    if unit is None:
        raise NotFound(_("No regency is set up."), slug="no-regency")
    return unit


def unit_for(session: Session, category: Category) -> OrgUnit:
    """The unit a category routes to: its office, else the regency itself."""
    root = root_unit(session)
    if category.office:
        office = session.scalar(
            select(OrgUnit).where(OrgUnit.code == f"{root.code}-{category.office}")
        )
        if office is not None:
            return office
    return root


def scrub(text: str, *names: str) -> str:
    """The text with NIKs, phone numbers, e-mail addresses and the given names removed."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    for name in names:
        if name and len(name) > 2:
            text = re.sub(re.escape(name), "[nama]", text, flags=re.I)
    return text


def submit(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    category: str,
    title: str,
    body: str,
    desa_code: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    anonymous: bool = False,
    confidential: bool = False,
    publish_consent: bool = False,
    channel: str = "web",
    today: date | None = None,
) -> tuple[Complaint, str]:
    """File a report; returns it and the citizen's access code (shown once, with the number).

    ``channel="counter"`` (an officer filing on a citizen's behalf) needs
    ``portal.file_for_citizen``. Whistleblowing reports are always
    confidential and never published.
    """
    if kind not in KINDS:
        raise InvalidInput(_("Unknown report type."), field="kind")
    if category not in CATEGORY:
        raise InvalidInput(_("Unknown category."), field="category")
    if channel not in ("web", "counter", "sms", "lapor"):
        raise InvalidInput(_("Unknown channel."), field="channel")
    if channel == "counter" and not actor.can(FILE_FOR_CITIZEN):
        raise Forbidden(_("Only counter officers file reports for citizens."))
    title = _text(title, "title", MAX_TITLE)
    body = _text(body, "body", MAX_BODY)
    name = "" if anonymous else _text(name, "name", MAX_NAME, required=False)
    phone = re.sub(r"[\s.-]", "", str(phone or ""))
    if phone and not _PHONE.match(phone):
        raise InvalidInput(_("The phone number is not valid."), field="phone")
    email = _text(email, "email", 120, required=False)
    if email and not _EMAIL.match(email):
        raise InvalidInput(_("The e-mail address is not valid."), field="email")
    for value, field, low, high in (
        (latitude, "latitude", -90, 90),
        (longitude, "longitude", -180, 180),
    ):
        if value is not None and not (low <= value <= high):
            raise InvalidInput(_("The map point is not valid."), field=field)
    desa = None
    if desa_code:
        desa = session.scalar(select(OrgUnit).where(OrgUnit.code == str(desa_code)[:40]))
        if desa is None or desa.kind not in ("desa", "kelurahan"):
            raise InvalidInput(_("Unknown desa or kelurahan."), field="desa")
    chosen = CATEGORY[category]
    unit = unit_for(session, chosen)
    calendar = current_calendar()
    today = today or date.today()
    code = secrets.token_hex(4).upper()
    complaint = Complaint(
        kind=kind,
        category=category,
        title=title,
        body=body,
        desa=desa,
        latitude=latitude,
        longitude=longitude,
        unit=unit,
        reporter_name=name,
        reporter_phone="" if anonymous else phone,
        reporter_email="" if anonymous else email,
        anonymous=anonymous,
        confidential=confidential or kind == "whistleblowing",
        publish_consent=publish_consent and kind != "whistleblowing",
        channel=channel,
        status="submitted",
        access_code=code,
        verify_due=add_working_days(today, chosen.verify_days, calendar=calendar),
        answer_due=add_working_days(today, chosen.answer_days, calendar=calendar),
    )
    item = open_item(session, actor, COMPLAINT_FILE, unit, reference="complaint")
    complaint.number = item.number
    session.add(complaint)
    session.flush()
    item.reference = f"complaint:{complaint.id}"
    audit(
        session,
        actor,
        "portal.complaint.submit",
        "portal_complaint",
        complaint.number,
        org_unit_id=unit.id,
        kind=kind,
        category=category,
        channel=channel,
    )
    return complaint, code


#: Largest photo accepted, before re-encoding.
MAX_PHOTO_BYTES = 3 * 1024 * 1024
MAX_PHOTOS = 3
#: Longest side of a stored photo, in pixels.
PHOTO_SIDE = 1600


def attach_photos(session: Session, complaint: Complaint, photos: list[bytes]) -> None:
    """Attach up to :data:`MAX_PHOTOS` JPEG/PNG/WebP photos; each is checked, shrunk and
    re-encoded as JPEG without metadata (a phone photo's GPS and camera data are personal)."""
    import io

    from PIL import Image, UnidentifiedImageError

    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)d photos.", n=MAX_PHOTOS), field="photo")
    for index, data in enumerate(photos, start=1):
        if len(data) > MAX_PHOTO_BYTES:
            raise InvalidInput(
                _("Photo %(n)d is larger than %(mb)d MB.", n=index, mb=MAX_PHOTO_BYTES // 2**20),
                field="photo",
            )
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("JPEG", "PNG", "WEBP"):
                    raise InvalidInput(
                        _("Photo %(n)d is not a JPEG, PNG or WebP image.", n=index), field="photo"
                    )
                if image.width * image.height > 40_000_000:
                    raise InvalidInput(_("Photo %(n)d is too large.", n=index), field="photo")
                image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=80)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise InvalidInput(
                _("Photo %(n)d is not a JPEG, PNG or WebP image.", n=index), field="photo"
            ) from None
        stored = out.getvalue()
        session.add(ComplaintPhoto(complaint_id=complaint.id, data=stored, size=len(stored)))


def photo_for_staff(session: Session, actor: Actor, number: str, photo_id: int) -> bytes:
    """A report's photo, for a handler of its unit (404 otherwise)."""
    complaint = get_for_staff(session, actor, number)
    photo = session.get(ComplaintPhoto, photo_id)
    if photo is None or photo.complaint_id != complaint.id:
        raise NotFound(_("No such photo."), slug="photo-not-found")
    return photo.data


def _tracked(session: Session, complaint: Complaint) -> TrackedItem:
    return session.scalar(select(TrackedItem).where(TrackedItem.number == complaint.number))


def _move(
    session: Session,
    actor: Actor,
    complaint: Complaint,
    status: str,
    *,
    note: str = "",
    public_note: str = "",
    reopen: bool = False,
) -> None:
    if not reopen and RANK[status] < RANK[complaint.status]:
        raise Conflict(
            _(
                "A report does not go back from %(old)s to %(new)s.",
                old=complaint.status,
                new=status,
            ),
            slug="complaint-backwards",
        )
    old = complaint.status
    complaint.status = status
    move_to(
        session,
        actor,
        _tracked(session, complaint),
        COMPLAINT_FILE,
        status,
        note=note,
        public_note=public_note,
    )
    audit(
        session,
        actor,
        f"portal.complaint.{status}",
        "portal_complaint",
        complaint.number,
        org_unit_id=complaint.unit_id,
        old=old,
        note=note[:200],
    )


def handling_query(actor: Actor, *, status: str | None = None) -> Select[tuple[Complaint]]:
    """Reports of the units where the actor handles complaints, oldest due first."""
    stmt = (
        select(Complaint)
        .join(OrgUnit, Complaint.unit_id == OrgUnit.id)
        .where(actor.scope_filter(COMPLAINTS, OrgUnit.path))
        .order_by(Complaint.answer_due, Complaint.id)
    )
    if status:
        stmt = stmt.where(Complaint.status == status)
    return stmt


def get_for_staff(session: Session, actor: Actor, number: str) -> Complaint:
    """A report for a handler of its unit (404 for anyone else: no probing of numbers)."""
    complaint = session.scalar(select(Complaint).where(Complaint.number == str(number)[:20]))
    if complaint is None or not actor.can(COMPLAINTS, complaint.unit):
        raise NotFound(_("No such report."), slug="complaint-not-found")
    return complaint


def reporter_of(session: Session, actor: Actor, complaint: Complaint) -> dict[str, str] | None:
    """Who filed the report, for a holder of ``portal.complaints_personal``; audited.

    None when the actor may not see it, or the report is anonymous or confidential.
    """
    if complaint.anonymous or complaint.confidential:
        return None
    if not actor.can(COMPLAINTS_PERSONAL, complaint.unit):
        return None
    record_personal_read(
        session,
        actor,
        subject=complaint,
        unit=complaint.unit_id,
        purpose="portal.complaint.reporter",
        fields=("name", "phone", "email"),
    )
    return {
        "name": complaint.reporter_name,
        "phone": complaint.reporter_phone,
        "email": complaint.reporter_email,
    }


def verify(session: Session, actor: Actor, number: str, *, unit_code: str = "") -> Complaint:
    """Verify a report and route it: to ``unit_code``, else to its category's unit."""
    complaint = get_for_staff(session, actor, number)
    if complaint.status not in ("submitted", "postponed"):
        raise Conflict(_("Only new or postponed reports are verified."), slug="complaint-state")
    if unit_code:
        target = session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code[:40]))
        if target is None:
            raise InvalidInput(_("Unknown unit."), field="unit")
        if not actor.can(COMPLAINTS, target):
            raise Forbidden(_("You cannot route reports to that unit."))
        complaint.unit = target
        _tracked(session, complaint).org_unit = target
    _move(
        session,
        actor,
        complaint,
        "in_progress",
        public_note=_("Passed to %(unit)s.", unit=complaint.unit.name),
    )
    return complaint


def postpone(session: Session, actor: Actor, number: str, reason: str) -> Complaint:
    complaint = get_for_staff(session, actor, number)
    if complaint.status != "submitted":
        raise Conflict(_("Only new reports are postponed."), slug="complaint-state")
    _move(session, actor, complaint, "postponed", note=_text(reason, "reason", 300))
    return complaint


def archive(session: Session, actor: Actor, number: str, reason: str) -> Complaint:
    complaint = get_for_staff(session, actor, number)
    if complaint.status not in ("submitted", "postponed"):
        raise Conflict(_("Only unverified reports are archived."), slug="complaint-state")
    _move(session, actor, complaint, "archived", note=_text(reason, "reason", 300))
    return complaint


def forward(session: Session, actor: Actor, number: str, to: str, reason: str) -> Complaint:
    """Not the regency's authority: forward to ``to``, through LAPOR! when an adapter is plugged."""
    complaint = get_for_staff(session, actor, number)
    if complaint.status not in ("submitted", "postponed"):
        raise Conflict(_("Only unverified reports are forwarded."), slug="complaint-state")
    complaint.forwarded_to = _text(to, "to", 200)
    outside = hook_relay(session).pamong_portal_lapor_forward(complaint=complaint, session=session)
    if outside:
        complaint.lapor_id = str(outside)[:40]
    _move(
        session,
        actor,
        complaint,
        "forwarded",
        note=_text(reason, "reason", 300),
        public_note=_("Forwarded to %(to)s.", to=complaint.forwarded_to),
    )
    return complaint


def answer(session: Session, actor: Actor, number: str, body: str) -> ComplaintAnswer:
    """Answer a routed report; the citizen is told on the channel they left (phone first)."""
    complaint = get_for_staff(session, actor, number)
    if complaint.status != "in_progress":
        raise Conflict(_("Only verified reports are answered."), slug="complaint-state")
    reply = ComplaintAnswer(
        complaint=complaint,
        body=_text(body, "body", MAX_BODY),
        author=actor.username[:100],
        unit_id=complaint.unit_id,
    )
    session.add(reply)
    complaint.answered_at = utcnow()
    _move(session, actor, complaint, "answered")
    message = _(
        "Your report %(number)s has been answered. See it at /track/%(number)s.",
        number=complaint.number,
    )
    notify_resident(
        session,
        actor,
        phone=complaint.reporter_phone,
        email=complaint.reporter_email,
        subject=complaint.number,
        body=message,
    )
    return reply


def _for_citizen(session: Session, number: str, code: str) -> Complaint:
    complaint = session.scalar(select(Complaint).where(Complaint.number == str(number)[:20]))
    if complaint is None or not secrets.compare_digest(
        complaint.access_code, str(code or "").strip().upper()[:12]
    ):
        raise NotFound(_("No report with this number and access code."), slug="complaint-not-found")
    return complaint


def citizen_view(session: Session, number: str, code: str) -> Complaint:
    """The citizen's own report (with the access code given at submission)."""
    return _for_citizen(session, number, code)


def rate(
    session: Session,
    actor: Actor,
    number: str,
    code: str,
    rating: int,
    *,
    reopen: bool = False,
    reason: str = "",
) -> Complaint:
    """The citizen rates the answer (1-5) and either closes the report or reopens it."""
    complaint = _for_citizen(session, number, code)
    if complaint.status != "answered":
        raise Conflict(_("Only an answered report can be rated."), slug="complaint-state")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise InvalidInput(_("The rating is 1 to 5."), field="rating")
    complaint.rating = rating
    if reopen:
        complaint.reopen_count += 1
        _move(
            session,
            actor,
            complaint,
            "in_progress",
            reopen=True,
            note=_text(reason, "reason", 1000, required=False),
            public_note=_("Reopened by the citizen."),
        )
    else:
        _move(session, actor, complaint, "closed")
        # Closed by the citizen: the complaint service was served; offer the survey.
        survey_link(
            session,
            service=SURVEY_SERVICE,
            unit=complaint.unit,
            reference=_survey_reference(complaint),
        )
    return complaint


def _survey_reference(complaint: Complaint) -> str:
    return f"portal_complaint:{complaint.id}"


def survey_of(session: Session, complaint: Complaint) -> SurveyInvitation | None:
    """The survey offered when the citizen closed the report (None before)."""
    return survey_invitation(
        session, service=SURVEY_SERVICE, reference=_survey_reference(complaint)
    )


def hide(
    session: Session, actor: Actor, number: str, reason: str, *, answer_id: int | None = None
) -> None:
    """Hide the citizen's text or an answer from every public view, with a reason (never edit)."""
    complaint = get_for_staff(session, actor, number)
    reason = _text(reason, "reason", 300)
    if answer_id is None:
        complaint.hidden_reason = reason
    else:
        reply = next((a for a in complaint.answers if a.id == answer_id), None)
        if reply is None:
            raise NotFound(_("No such answer."), slug="answer-not-found")
        reply.hidden_reason = reason
    audit(
        session,
        actor,
        "portal.complaint.hide",
        "portal_complaint",
        complaint.number,
        org_unit_id=complaint.unit_id,
        answer=answer_id,
        reason=reason,
    )


@dataclass(frozen=True)
class PublicAnswer:
    """A published report and its answers, personal data removed."""

    number: str
    kind: str
    category: str
    place: str
    title: str
    body: str
    answers: tuple[tuple[str, str], ...]
    rating: int | None
    submitted_on: date


def published(
    session: Session, *, limit: int = 20, offset: int = 0
) -> tuple[list[PublicAnswer], int]:
    """Answered reports the citizen agreed to publish, scrubbed of personal data."""
    stmt = (
        select(Complaint)
        .where(
            Complaint.publish_consent.is_(True),
            Complaint.confidential.is_(False),
            Complaint.hidden_reason == "",
            Complaint.status.in_(("answered", "closed")),
        )
        .order_by(Complaint.answered_at.desc(), Complaint.id.desc())
    )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = []
    for c in session.scalars(stmt.limit(limit).offset(offset)):
        names = (c.reporter_name, *c.reporter_name.split()) if c.reporter_name else ()
        place = ""
        if c.desa is not None:
            place = c.desa.name + (f", {c.desa.parent.name}" if c.desa.parent else "")
        rows.append(
            PublicAnswer(
                number=c.number,
                kind=str(KINDS[c.kind]),
                category=str(CATEGORY[c.category].label),
                place=place,
                title=scrub(c.title, *names),
                body=scrub(c.body, *names),
                answers=tuple(
                    (a.unit.name, scrub(a.body, *names)) for a in c.answers if not a.hidden_reason
                ),
                rating=c.rating,
                submitted_on=c.submitted_at.date(),
            )
        )
    return rows, total


def statistics(session: Session) -> dict[str, Any]:
    """Counts per unit and category, answered, mean rating, late reports; no personal data."""
    by_unit = session.execute(
        select(
            OrgUnit.name,
            func.count(),
            func.avg(Complaint.rating),
            func.sum(case((Complaint.status.in_(("answered", "closed")), 1), else_=0)),
        )
        .join(OrgUnit, Complaint.unit_id == OrgUnit.id)
        .group_by(OrgUnit.name)
        .order_by(func.count().desc())
    ).all()
    by_category = dict(
        session.execute(select(Complaint.category, func.count()).group_by(Complaint.category)).all()
    )
    late = session.scalar(select(func.count()).where(Complaint.escalated.is_(True))) or 0
    return {
        "units": [
            {
                "unit": name,
                "total": total,
                "answered": int(done or 0),
                "rating": round(float(avg), 1) if avg is not None else None,
            }
            for name, total, avg, done in by_unit
        ],
        "categories": [
            {"category": c.code, "label": str(c.label), "total": by_category.get(c.code, 0)}
            for c in CATEGORIES
        ],
        "total": sum(by_category.values()),
        "late": late,
    }


def escalate_late(session: Session, actor: Actor, today: date) -> int:
    """Mark open reports past their verification or answer deadline as escalated; audited."""
    late = session.scalars(
        select(Complaint).where(
            Complaint.status.in_(OPEN),
            Complaint.escalated.is_(False),
            or_(
                Complaint.answer_due < today,
                (Complaint.status == "submitted") & (Complaint.verify_due < today),
            ),
        )
    ).all()
    for complaint in late:
        complaint.escalated = True
        audit(
            session,
            actor,
            "portal.complaint.escalate",
            "portal_complaint",
            complaint.number,
            org_unit_id=complaint.unit_id,
        )
    return len(late)


def masked_reporter(complaint: Complaint) -> str:
    """What a handler without the personal-data permission sees of the reporter."""
    if complaint.anonymous:
        return str(_("Anonymous"))
    if complaint.confidential:
        return str(_("Confidential"))
    return mask_name(complaint.reporter_name) if complaint.reporter_name else ""

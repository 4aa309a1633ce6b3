"""The rules: functions that take a Session and an Actor, never a request.

Pages, the API, the CLI and the demo data all go through them. Each checks
the permission at the desa concerned, and writes what it did, and every
read of personal data, to the audit log.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    DocumentKind,
    FeeDue,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    Stage,
    TrackableKind,
    TrackedItem,
    _,
    _l,
    audit,
    get_resident_by_nik,
    hook_relay,
    issue_document,
    mask_name,
    move_to,
    notify,
    open_item,
    send_message,
    utcnow,
)

from pamong_suratdesa.models import OFFICIAL_TITLES, LetterKind, SuratdesaLetter
from pamong_suratdesa.permissions import SERVE, VIEW

#: On the public tracker: receipt numbers SKD-2026-000123, and no personal data.
LETTER_FILE = TrackableKind(
    "SKD",
    _l("Desa certificate letter"),
    (
        Stage("received", _l("Request received at the desa office")),
        Stage("issued", _l("Letter issued: collect it at the desa office")),
    ),
)
#: Registered with the core's documents: the QR code on the letter leads to /verify/<code>.
LETTER = DocumentKind("suratdesa.letter", _l("Desa certificate letter"), validity_days=180)


def _audit(session: Session, actor: Actor, action: str, letter: SuratdesaLetter) -> None:
    audit(
        session,
        actor,
        f"suratdesa_letter.{action}",
        "suratdesa_letter",
        letter.id,
        org_unit_id=letter.desa_id,
    )


def request_letter(
    session: Session,
    actor: Actor,
    *,
    nik: str,
    kind: str,
    purpose: str,
    email: str = "",
    fee: int = 0,
    fee_legal_basis: str = "",
    now: datetime | None = None,
) -> SuratdesaLetter:
    """Register a resident's request at their desa: a receipt number, and the fee announced."""
    if kind not in set(LetterKind):
        raise InvalidInput(_("Unknown kind of letter: %(kind)s.", kind=kind), slug="invalid-kind")
    # 404 without the personal-data permission at the resident's desa; the read is audited.
    resident = get_resident_by_nik(session, actor, nik)
    desa = resident.domicile
    if not actor.can(SERVE, desa):
        raise Forbidden(_("You may not serve residents of %(desa)s.", desa=desa.name))
    now = now or utcnow()
    item = open_item(session, actor, LETTER_FILE, desa, now=now)
    letter = SuratdesaLetter(
        tracking_number=item.number,
        kind=kind,
        purpose=purpose.strip(),
        resident=resident,
        desa=desa,
        email=email.strip(),
        fee=fee,
        requested_at=now,
    )
    session.add(letter)
    session.flush()
    item.reference = f"suratdesa_letter:{letter.id}"
    _audit(session, actor, "create", letter)
    if fee:  # a billing plugin, when enabled, turns it into an invoice
        hook_relay(session).pamong_on_fee_due(
            fee=FeeDue(
                source="suratdesa",
                reference=f"suratdesa_letter:{letter.id}",
                amount=fee,
                description=f"{OFFICIAL_TITLES[kind]} {item.number}",
                unit_code=desa.code,
                payer_ref=f"resident:{resident.id}",
                legal_basis=fee_legal_basis,
                tracking_number=item.number,
                due_date=now.date(),
            ),
            session=session,
        )
    return letter


def get_letter(session: Session, actor: Actor, letter_id: int) -> SuratdesaLetter:
    """One letter (404 outside the actor's desa). It shows personal data: the read is audited."""
    letter = session.get(SuratdesaLetter, letter_id)
    if letter is None or not actor.can(VIEW, letter.desa):
        raise NotFound(_("No such letter."), slug="letter-not-found")
    _audit(session, actor, "read", letter)
    return letter


def get_issued_letter(session: Session, actor: Actor, letter_id: int) -> SuratdesaLetter:
    """An issued letter, to print (409 before it is issued)."""
    letter = get_letter(session, actor, letter_id)
    if letter.issued_at is None:
        raise Conflict(_("The letter is not issued yet."), slug="letter-not-issued")
    return letter


def issue_letter(
    session: Session, actor: Actor, letter_id: int, *, now: datetime | None = None
) -> SuratdesaLetter:
    """Issue the letter: a verifiable document, the tracker moved on, the resident told."""
    letter = get_letter(session, actor, letter_id)
    if not actor.can(SERVE, letter.desa):
        raise Forbidden(_("You may not issue letters of %(desa)s.", desa=letter.desa.name))
    if letter.issued_at is not None:
        raise Conflict(_("This letter was already issued."), slug="letter-issued")
    now = now or utcnow()
    letter.document = issue_document(
        session,
        actor,
        LETTER,
        number=letter.tracking_number,
        unit=letter.desa,
        holder_ref=f"resident:{letter.resident_id}",
        holder_label=mask_name(letter.resident.name),
        now=now,
    )
    letter.issued_at = now
    item = session.scalars(
        select(TrackedItem).where(TrackedItem.number == letter.tracking_number)
    ).one()
    move_to(session, actor, item, LETTER_FILE, "issued", close=True, now=now)
    _audit(session, actor, "issue", letter)
    if letter.email:
        notify(
            session,
            actor,
            channel="email",
            address=letter.email,
            subject=f"Surat keterangan {letter.tracking_number} sudah selesai",
            body=f"Surat Anda dapat diambil di kantor {letter.desa.name}.",
        )
    return letter


def letters_query(actor: Actor, *, desa_code: str | None = None) -> Select[tuple[SuratdesaLetter]]:
    """The letters of the desa where the actor may see them, newest first."""
    stmt = (
        select(SuratdesaLetter)
        .join(OrgUnit, SuratdesaLetter.desa_id == OrgUnit.id)
        .where(actor.scope_filter(VIEW, OrgUnit.path))
        .order_by(SuratdesaLetter.id.desc())
    )
    if desa_code:
        stmt = stmt.where(OrgUnit.code == desa_code)
    return stmt


def send_monthly_recaps(session: Session, actor: Actor, month: date, zone: str) -> int:
    """Each desa writes its kecamatan how many letters it issued in ``month``; returns how many.

    A kecamatan without staff to receive the recap is skipped (its desa try next month).
    """
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start, end = (datetime.combine(day, time.min, ZoneInfo(zone)) for day in (first, following))
    issued = session.scalars(
        select(SuratdesaLetter).where(
            SuratdesaLetter.issued_at >= start, SuratdesaLetter.issued_at < end
        )
    ).all()
    by_desa: dict[OrgUnit, dict[str, int]] = {}
    for letter in issued:
        counts = by_desa.setdefault(letter.desa, {})
        counts[letter.kind] = counts.get(letter.kind, 0) + 1
    sent = 0
    for desa, counts in sorted(by_desa.items(), key=lambda pair: pair[0].code):
        lines = [f"- {OFFICIAL_TITLES[kind]}: {n}" for kind, n in sorted(counts.items())]
        try:
            send_message(
                session,
                actor,
                sender_unit=desa,
                kind="letter",
                subject=f"Rekap surat keterangan {month:%m/%Y}: {desa.name}",
                body="Surat keterangan yang diterbitkan:\n" + "\n".join(lines),
                to_units=[desa.parent.code],
            )
        except InvalidInput:
            continue
        sent += 1
    return sent

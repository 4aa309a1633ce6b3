"""Outgoing letters: numbers (gapless per year), reserved numbers, and the draft workflow.

A draft is initialled (paraf) by each official of its chain in order and
signed by the last one; signing gives it the next number and registers it
as a core document (QR, public check by number); the secretariat then sends
it through core messaging to the recipient units and, when an adapter is
installed, to SRIKANDI (``pamong_srikandi_send``). Part of the public API
through :mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    IssuedDocument,
    NotFound,
    OrgUnit,
    _,
    audit,
    hook_relay,
    issue_document,
    regency_today,
    send_message,
    utcnow,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.common import input_unit, text, users_named
from pamong_plugins.kantaya.letters_in import get_incoming
from pamong_plugins.kantaya.models import (
    DraftStatus,
    KantayaDraft,
    KantayaDraftStep,
    KantayaLetter,
    KantayaLetterCounter,
)
from pamong_plugins.kantaya.settings import settings

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
GRADES = ("B", "T", "R", "SR", "P")  # biasa, terbatas, rahasia, sangat rahasia, penting
#: Officials in a draft's chain: those who initial, then the one who signs.
MAX_CHAIN = 8
MAX_BODY = 20_000


# --- numbers ---------------------------------------------------------------------------


def _next_sequence(session: Session, year: int, scope: str) -> int:
    """The next number of the year's sequence; the row lock serialises clerks until commit.

    The counter moves in the caller's transaction: a letter that is rolled
    back gives its number back, so the sequence has neither gaps nor twins.
    """
    bump = (
        update(KantayaLetterCounter)
        .where(KantayaLetterCounter.year == year, KantayaLetterCounter.scope == scope)
        .values(last=KantayaLetterCounter.last + 1)
        .returning(KantayaLetterCounter.last)
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is not None:
        return last
    try:
        with session.begin_nested():
            session.execute(insert(KantayaLetterCounter).values(year=year, scope=scope, last=1))
        return 1
    except IntegrityError:
        return session.execute(bump).scalar_one()


def format_letter_number(
    template: str,
    *,
    code: str,
    seq: int,
    padding: int,
    unit: str,
    grade: str,
    day: date,
) -> str:
    """Fill the number template: ``{code}/{seq}/{unit}/{year}`` -> ``000.1.2/007/BAPPEDA/2026``."""
    try:
        return template.format(
            code=code,
            seq=str(seq).zfill(padding),
            unit=unit,
            grade=grade,
            month=ROMAN_MONTHS[day.month - 1],
            year=day.year,
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidInput(
            _("The letter number template is wrong: %(error)s.", error=str(exc)),
            slug="invalid-template",
        ) from None


def _classification(code: str) -> str:
    code = (code or "").strip()
    parts = code.split(".")
    if not code or len(code) > 30 or not all(p.isdigit() for p in parts) or len(parts[0]) != 3:
        raise InvalidInput(
            _(
                "%(code)s is not an archive classification code (Permendagri 83/2022, "
                "e.g. 000.1.2).",
                code=repr(code),
            ),
            slug="invalid-classification",
        )
    return code


def _grade(grade: str) -> str:
    if grade not in GRADES:
        raise InvalidInput(
            _("Security grade must be one of %(grades)s.", grades=", ".join(GRADES)),
            slug="invalid-grade",
        )
    return grade


def _allocate(
    session: Session,
    actor: Actor,
    unit: OrgUnit,
    *,
    code: str,
    grade: str,
    subject: str,
    addressee: str,
    reserve: bool,
    day: date,
    reply_to_id: int | None,
) -> KantayaLetter:
    """Take the next number (checked input, permission already checked) and register it."""
    config = settings()
    scope = code if config["sequence_per_code"] else ""
    seq = _next_sequence(session, day.year, scope)
    number = format_letter_number(
        config["letter_template"],
        code=code,
        seq=seq,
        padding=config["letter_padding"],
        unit=unit.code.rsplit("-", 1)[-1],
        grade=grade,
        day=day,
    )
    letter = KantayaLetter(
        number=number,
        year=day.year,
        scope=scope,
        sequence=seq,
        classification=code,
        grade=grade,
        unit_id=unit.id,
        subject=subject,
        addressee=addressee,
        reserved=reserve,
        reply_to_id=reply_to_id,
        created_by_id=actor.user_id,
    )
    session.add(letter)
    session.flush()
    if not reserve:
        _register(session, actor, letter, unit)
    audit(session, actor, "kantaya.letter.number", "kantaya_letter", letter.id, number=number)
    return letter


def number_letter(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    classification: str,
    subject: str = "",
    addressee: str = "",
    grade: str = "B",
    reserve: bool = False,
    day: date | None = None,
    reply_to_id: int | None = None,
) -> KantayaLetter:
    """Give an outgoing letter the next number of the year (gapless under concurrency).

    A reserved number is for a letter made by hand: it is not registered as
    a document until the letter is filled in. Otherwise the letter is
    registered as a core document, verifiable by the QR on the paper.
    """
    unit = input_unit(session, unit_code)
    if not actor.can(perm.LETTERS, unit):
        raise Forbidden(_("You may not number letters for %(unit)s.", unit=unit.name))
    code = _classification(classification)
    _grade(grade)
    subject = text(subject, "subject", 300, required=not reserve)
    if reply_to_id is not None:
        get_incoming(session, actor, reply_to_id)  # 404 unless the actor may see it
    return _allocate(
        session,
        actor,
        unit,
        code=code,
        grade=grade,
        subject=subject,
        addressee=text(addressee, "addressee", 300, required=False),
        reserve=reserve,
        day=day or regency_today(),
        reply_to_id=reply_to_id,
    )


def _register(session: Session, actor: Actor, letter: KantayaLetter, unit: OrgUnit) -> None:
    document = issue_document(
        session,
        actor,
        perm.OUTGOING_LETTER,
        number=letter.number,
        unit=unit,
        holder_ref=f"kantaya:{letter.id}",
        holder_label=letter.subject[:100],
    )
    letter.document_id = document.id


def fill_reserved(
    session: Session, actor: Actor, letter_id: int, *, subject: str, addressee: str = ""
) -> KantayaLetter:
    """A reserved number gets its hand-made letter: subject, addressee, document and QR."""
    letter = session.get(KantayaLetter, letter_id)
    if letter is None or not actor.can(perm.LETTERS, letter.unit):
        raise NotFound(_("No such letter."))
    if not letter.reserved:
        raise Conflict(_("This number is already used by a letter."), slug="not-reserved")
    letter.subject, letter.reserved = text(subject, "subject", 300), False
    letter.addressee = text(addressee, "addressee", 300, required=False)
    _register(session, actor, letter, letter.unit)
    audit(session, actor, "kantaya.letter.fill", "kantaya_letter", letter.id)
    return letter


def letters_query(actor: Actor, *, year: int | None = None) -> Select[tuple[KantayaLetter]]:
    """Outgoing letters of the units where the actor numbers letters, newest first."""
    stmt = (
        select(KantayaLetter)
        .join(OrgUnit, OrgUnit.id == KantayaLetter.unit_id)
        .where(actor.scope_filter(perm.LETTERS, OrgUnit.path))
    )
    if year:
        stmt = stmt.where(KantayaLetter.year == year)
    return stmt.order_by(KantayaLetter.year.desc(), KantayaLetter.sequence.desc())


def letter_count(session: Session, year: int) -> int:
    return session.scalar(select(func.count()).where(KantayaLetter.year == year)) or 0


def letter_by_number(session: Session, number: str) -> KantayaLetter | None:
    """The registered (not reserved) outgoing letter with this number: the public check."""
    return session.scalar(
        select(KantayaLetter).where(
            KantayaLetter.number == number.strip(), KantayaLetter.reserved.is_(False)
        )
    )


# --- drafts: paraf and signature in order, then sent -------------------------------------


def create_draft(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    classification: str,
    subject: str,
    chain: Iterable[str],
    addressee: str = "",
    body: str = "",
    grade: str = "B",
    to_units: Iterable[str] = (),
    reply_to_id: int | None = None,
) -> KantayaDraft:
    """A draft letter of ``unit_code`` and its chain of officials (the last one signs).

    ``chain`` lists usernames in order: each initials (paraf) after the one
    before; the last signs. ``to_units`` are the unit codes it is sent to.
    """
    unit = input_unit(session, unit_code)
    if not actor.can(perm.LETTERS, unit):
        raise Forbidden(_("You may not write letters for %(unit)s.", unit=unit.name))
    names = [n.strip().lower() for n in chain if n and n.strip()]
    if not names or len(names) > MAX_CHAIN:
        raise InvalidInput(
            _("Name 1 to %(max)d officials: those who initial, then the signer.", max=MAX_CHAIN),
            slug="invalid-chain",
        )
    if len(set(names)) != len(names):
        raise InvalidInput(_("An official appears twice in the chain."), slug="invalid-chain")
    by_name = {u.username: u for u in users_named(session, names)}
    recipients = sorted({input_unit(session, c).code for c in to_units if c and c.strip()})
    if reply_to_id is not None:
        get_incoming(session, actor, reply_to_id)
    draft = KantayaDraft(
        unit_id=unit.id,
        classification=_classification(classification),
        grade=_grade(grade),
        subject=text(subject, "subject", 300),
        addressee=text(addressee, "addressee", 300, required=False),
        body=text(body, "body", MAX_BODY, required=False),
        to_units=recipients,
        reply_to_id=reply_to_id,
        created_by_id=actor.user_id,
    )
    for position, name in enumerate(names, start=1):
        kind = "sign" if position == len(names) else "paraf"
        draft.steps.append(KantayaDraftStep(position=position, kind=kind, user_id=by_name[name].id))
    session.add(draft)
    session.flush()
    audit(session, actor, "kantaya.draft.create", "kantaya_draft", draft.id, org_unit_id=unit.id)
    return draft


def _in_chain(actor: Actor, draft: KantayaDraft) -> bool:
    return actor.user_id is not None and any(s.user_id == actor.user_id for s in draft.steps)


def get_draft(session: Session, actor: Actor, draft_id: int) -> KantayaDraft:
    """A draft: for the unit's secretariat and the officials of its chain (else 404)."""
    draft = session.get(KantayaDraft, draft_id)
    if draft is None or not (actor.can(perm.LETTERS, draft.unit) or _in_chain(actor, draft)):
        raise NotFound(_("No such draft."))
    return draft


def drafts_query(actor: Actor, *, status: str | None = None) -> Select[tuple[KantayaDraft]]:
    """Drafts of the actor's letter units and those waiting for the actor, newest first."""
    mine = select(KantayaDraftStep.draft_id).where(
        KantayaDraftStep.user_id == (actor.user_id or -1)
    )
    stmt = (
        select(KantayaDraft)
        .join(OrgUnit, OrgUnit.id == KantayaDraft.unit_id)
        .where(or_(actor.scope_filter(perm.LETTERS, OrgUnit.path), KantayaDraft.id.in_(mine)))
    )
    if status:
        stmt = stmt.where(KantayaDraft.status == status)
    return stmt.order_by(KantayaDraft.id.desc())


def next_step(draft: KantayaDraft) -> KantayaDraftStep | None:
    """The step waiting: the first one not done (None once signed)."""
    return next((s for s in draft.steps if s.done_at is None), None)


def update_draft(
    session: Session, actor: Actor, draft_id: int, values: dict[str, Any]
) -> KantayaDraft:
    """The secretariat edits the text until the first official has initialled it."""
    draft = get_draft(session, actor, draft_id)
    if not actor.can(perm.LETTERS, draft.unit):
        raise Forbidden(_("Only the secretariat edits a draft."))
    if any(s.done_at for s in draft.steps):
        raise Conflict(
            _("An official has already initialled this draft: it can no longer be edited."),
            slug="draft-initialled",
        )
    if "subject" in values:
        draft.subject = text(values["subject"], "subject", 300)
    if "addressee" in values:
        draft.addressee = text(values["addressee"], "addressee", 300, required=False)
    if "body" in values:
        draft.body = text(values["body"], "body", MAX_BODY, required=False)
    audit(session, actor, "kantaya.draft.edit", "kantaya_draft", draft.id)
    return draft


def endorse(
    session: Session, actor: Actor, draft_id: int, *, kind: str, note: str = ""
) -> KantayaDraft:
    """The actor initials (``kind="paraf"``) or signs (``"sign"``) the draft, in order.

    Out of order (an earlier official has not initialled yet), twice, or the
    wrong kind of step is a conflict (409). Signing numbers the letter and
    registers it as a core document with a QR.
    """
    draft = get_draft(session, actor, draft_id)
    mine = [s for s in draft.steps if s.user_id == actor.user_id]
    if not mine:
        raise Forbidden(_("You are not in this draft's chain of officials."))
    step = mine[0]
    if step.done_at is not None:
        raise Conflict(_("You have already done your step on this draft."), slug="step-done")
    if step.kind != kind:
        raise Conflict(_("Your step on this draft is %(kind)s.", kind=step.kind), slug="wrong-step")
    waiting = next_step(draft)
    if waiting is not None and waiting.id != step.id:
        raise Conflict(
            _("%(user)s has to initial this draft first.", user=waiting.user.username),
            slug="out-of-order",
        )
    step.done_at = utcnow()
    step.note = text(note, "note", 500, required=False)
    if kind == "sign":
        draft.letter = _allocate(
            session,
            actor,
            draft.unit,
            code=draft.classification,
            grade=draft.grade,
            subject=draft.subject,
            addressee=draft.addressee,
            reserve=False,
            day=regency_today(),
            reply_to_id=draft.reply_to_id,
        )
        draft.status = DraftStatus.SIGNED.value
    session.flush()
    audit(session, actor, f"kantaya.draft.{kind}", "kantaya_draft", draft.id)
    return draft


def return_draft(session: Session, actor: Actor, draft_id: int, note: str) -> KantayaDraft:
    """The official whose turn it is sends the draft back for correction, saying why.

    Every paraf is undone (the audit log keeps them): the secretariat edits
    the text and the chain starts again from its first official.
    """
    draft = get_draft(session, actor, draft_id)
    if not _in_chain(actor, draft):
        raise Forbidden(_("You are not in this draft's chain of officials."))
    waiting = next_step(draft)
    if waiting is None or waiting.user_id != actor.user_id:
        raise Conflict(
            _("Only the official whose turn it is returns a draft."), slug="not-your-turn"
        )
    note = text(note, "note", 400)
    for step in draft.steps:
        step.done_at, step.note = None, ""
    draft.returned_note = f"{waiting.user.username}: {note}"
    audit(session, actor, "kantaya.draft.return", "kantaya_draft", draft.id)
    return draft


def letter_info(session: Session, draft: KantayaDraft) -> dict[str, Any]:
    """What an adapter gets of a signed letter (plain values, no Kantaya objects)."""
    letter = draft.letter
    assert letter is not None
    document = session.get(IssuedDocument, letter.document_id) if letter.document_id else None
    signer = draft.steps[-1]
    return {
        "number": letter.number,
        "classification": letter.classification,
        "grade": letter.grade,
        "subject": draft.subject,
        "addressee": draft.addressee,
        "body": draft.body,
        "unit_code": draft.unit.code,
        "unit_name": draft.unit.name,
        "signed_by": signer.user.username,
        "signed_at": signer.done_at,
        "to_units": list(draft.to_units),
        "verification_code": document.code if document else "",
    }


def send_draft(session: Session, actor: Actor, draft_id: int) -> KantayaDraft:
    """The secretariat sends a signed letter to its recipient units (core messaging).

    An installed SRIKANDI adapter (``pamong_srikandi_send``) sends it there
    as well; without one nothing leaves the regency.
    """
    draft = get_draft(session, actor, draft_id)
    if not actor.can(perm.LETTERS, draft.unit):
        raise Forbidden(_("Only the secretariat sends a letter."))
    if draft.status == DraftStatus.SENT:
        raise Conflict(_("This letter was already sent."), slug="already-sent")
    if draft.status != DraftStatus.SIGNED or draft.letter is None:
        raise Conflict(_("A letter is sent once it is signed."), slug="not-signed")
    number = draft.letter.number
    if draft.to_units:
        message = send_message(
            session,
            Actor.system("kantaya letters"),
            sender_unit=draft.unit,
            kind="letter",
            subject=f"{number} - {draft.subject}"[:300],
            body=_(
                "Letter %(number)s of %(unit)s to %(addressee)s.\n\n%(body)s",
                number=number,
                unit=draft.unit.name,
                addressee=draft.addressee or "-",
                body=draft.body,
            ),
            to_units=draft.to_units,
        )
        draft.message_id = message.id
    reference = hook_relay(session).pamong_srikandi_send(
        letter=letter_info(session, draft), session=session
    )
    if isinstance(reference, str) and reference:
        draft.srikandi_ref = reference[:100]
    draft.status = DraftStatus.SENT.value
    draft.sent_at = utcnow()
    draft.sent_by_id = actor.user_id
    audit(
        session,
        actor,
        "kantaya.draft.send",
        "kantaya_draft",
        draft.id,
        number=number,
        srikandi=bool(draft.srikandi_ref),
    )
    return draft

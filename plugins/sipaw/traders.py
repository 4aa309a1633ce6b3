"""Traders, cooperatives and BUMDes register themselves for the trade board.

Registration proves the phone with a six-digit code sent through the core
outbox (``notify``, SMS); the trade office (``sipaw.admin``) then verifies
or rejects the trader. A verified trader signs in with a fresh code sent
to the same phone; only verified traders post and see contacts. Only the
SHA-256 of a code (with the trader's id) is kept; a code expires, works
once, and five wrong tries void it. The phone is personal data: it never
appears in a feed and each read of it by staff is audited.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Forbidden,
    InvalidInput,
    NotFound,
    _,
    audit,
    notify,
    record_personal_read,
    region_code,
    utcnow,
)
from pamong_plugins.sipaw import permissions as perm
from pamong_plugins.sipaw.models import SipawTrader, TraderKind, TraderStatus

CODE_MINUTES = 15
MAX_ATTEMPTS = 5
#: A new code is sent at most once a minute to a phone (no SMS flooding through the form).
RESEND_SECONDS = 60
REGION = re.compile(r"^\d{2}(\.\d{2}){1,3}$")


def clean_phone(raw: str) -> str:
    """``0812-3456 7890`` or ``+62 812…`` -> ``081234567890``; refused when not a phone."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    if not (digits.startswith("08") and 10 <= len(digits) <= 14):
        raise InvalidInput(
            _("The phone number is not a mobile number (08...)."),
            slug="invalid-phone",
            field="phone",
        )
    return digits


def trader_actor(trader: SipawTrader) -> Actor:
    """A registered trader as the audit log names it; it holds no staff grant."""
    return Actor(username=f"sipaw-trader:{trader.id}")


def _hash(trader: SipawTrader, code: str) -> str:
    return hashlib.sha256(f"{trader.id}:{code}".encode()).hexdigest()


def _send_code(session: Session, trader: SipawTrader, subject: str) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    trader.code_hash = _hash(trader, code)
    trader.code_expires_at = utcnow() + timedelta(minutes=CODE_MINUTES)
    trader.code_attempts = 0
    notify(
        session,
        trader_actor(trader),
        channel="sms",
        address=trader.phone,
        subject=subject,
        body=_(
            "SIPAW trade board code: %(code)s (valid %(minutes)s minutes).",
            code=code,
            minutes=CODE_MINUTES,
        ),
    )
    session.flush()


def register(
    session: Session, *, name: str, kind: str, phone: str, region: str = "", place: str = ""
) -> SipawTrader:
    """A trader registers itself; a code goes to its phone (it waits unconfirmed)."""
    name, place = (name or "").strip(), (place or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("The trader's name is required."), slug="invalid-name", field="name")
    if kind not in {k.value for k in TraderKind}:
        raise InvalidInput(
            _("A trader is a trader, a cooperative or a BUMDes."), slug="invalid-kind", field="kind"
        )
    region = (region or "").strip() or region_code()
    if not REGION.match(region):
        raise InvalidInput(
            _("The region is a Kemendagri code such as 33.14."),
            slug="invalid-region",
            field="region_code",
        )
    phone = clean_phone(phone)
    taken = session.scalar(
        select(SipawTrader.id).where(
            SipawTrader.phone == phone, SipawTrader.status != TraderStatus.REJECTED.value
        )
    )
    if taken:
        # The same answer as for a new registration would leak nothing, but a trader who lost
        # the first code needs to know to sign in instead.
        raise InvalidInput(
            _("This phone number is already registered: sign in with it."),
            slug="trader-exists",
            field="phone",
        )
    trader = SipawTrader(
        name=name,
        kind=kind,
        region_code=region,
        place=place[:100],
        phone=phone,
        status=TraderStatus.UNCONFIRMED.value,
        code_hash="",
        code_attempts=0,
        decision_note="",
    )
    session.add(trader)
    session.flush()
    audit(session, trader_actor(trader), "sipaw.trader.register", "sipaw_trader", trader.id)
    _send_code(session, trader, _("Confirm your SIPAW trade board registration"))
    return trader


def by_phone(session: Session, phone: str) -> SipawTrader | None:
    try:
        cleaned = clean_phone(phone)
    except InvalidInput:
        return None
    return session.scalars(
        select(SipawTrader)
        .where(SipawTrader.phone == cleaned, SipawTrader.status != TraderStatus.REJECTED.value)
        .order_by(SipawTrader.id.desc())
    ).first()


def request_code(session: Session, phone: str) -> None:
    """Send a sign-in code to a registered phone; the answer is the same when there is none."""
    trader = by_phone(session, phone)
    if trader is None:
        return
    last_sent = (
        trader.code_expires_at - timedelta(minutes=CODE_MINUTES) if trader.code_expires_at else None
    )
    if last_sent and (utcnow() - last_sent).total_seconds() < RESEND_SECONDS:
        return
    _send_code(session, trader, _("Sign in to the SIPAW trade board"))


def confirm(session: Session, phone: str, code: str) -> SipawTrader:
    """Check a code sent to ``phone``: the first one proves the phone (then moderation)."""
    trader = by_phone(session, phone)
    wrong = InvalidInput(
        _("The code is wrong, used or expired: ask for a new one."),
        slug="invalid-code",
        field="code",
    )
    code = (code or "").strip()
    if trader is None or not trader.code_hash:
        raise wrong
    expired = trader.code_expires_at is None or trader.code_expires_at <= utcnow()
    if expired or trader.code_attempts >= MAX_ATTEMPTS:
        raise wrong
    if not secrets.compare_digest(trader.code_hash, _hash(trader, code)):
        trader.code_attempts += 1
        session.flush()
        raise wrong
    trader.code_hash, trader.code_expires_at = "", None
    if trader.status == TraderStatus.UNCONFIRMED.value:
        trader.status = TraderStatus.PENDING.value
        trader.phone_verified_at = utcnow()
        audit(session, trader_actor(trader), "sipaw.trader.confirm", "sipaw_trader", trader.id)
    session.flush()
    return trader


def get(session: Session, trader_id: int | None) -> SipawTrader | None:
    return session.get(SipawTrader, trader_id) if trader_id else None


def queue(session: Session, actor: Actor, status: str | None = None) -> list[SipawTrader]:
    """Registered traders for the trade office (by default those waiting); phones audited."""
    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not see the traders' register."))
    stmt = select(SipawTrader).order_by(SipawTrader.created_at.desc(), SipawTrader.id.desc())
    stmt = stmt.where(SipawTrader.status == (status or TraderStatus.PENDING.value))
    found = list(session.scalars(stmt.limit(500)))
    for trader in found:
        record_personal_read(
            session,
            actor,
            subject=("sipaw_trader", trader.id),
            unit=None,
            purpose="sipaw.traders.queue",
            fields=["phone"],
        )
    return found


def decide(
    session: Session, actor: Actor, trader_id: int, status: str, note: str = ""
) -> SipawTrader:
    """The trade office verifies or rejects a trader whose phone is proven."""
    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not verify traders."))
    if status not in (TraderStatus.VERIFIED.value, TraderStatus.REJECTED.value):
        raise InvalidInput(_("Verify or reject."), slug="invalid-status", field="status")
    trader = session.get(SipawTrader, trader_id)
    if trader is None:
        raise NotFound(_("No such trader."), slug="trader-not-found")
    if trader.status == TraderStatus.UNCONFIRMED.value:
        raise InvalidInput(
            _("The trader has not confirmed its phone yet."), slug="trader-unconfirmed"
        )
    trader.status = status
    trader.decided_at, trader.decided_by_id = utcnow(), actor.user_id
    trader.decision_note = (note or "").strip()[:300]
    audit(session, actor, f"sipaw.trader.{status}", "sipaw_trader", trader.id)
    notify(
        session,
        actor,
        channel="sms",
        address=trader.phone,
        subject=_("SIPAW trade board"),
        body=_("You are verified: sign in to post offers and requests.")
        if status == TraderStatus.VERIFIED.value
        else _("Your registration was not accepted: %(note)s", note=trader.decision_note or "-"),
    )
    session.flush()
    return trader


def public(trader: SipawTrader) -> dict[str, Any]:
    """A trader as the API shows it to the trade office."""
    return {
        "id": trader.id,
        "name": trader.name,
        "kind": trader.kind,
        "region_code": trader.region_code,
        "place": trader.place,
        "phone": trader.phone,
        "status": trader.status,
        "created_at": trader.created_at,
    }

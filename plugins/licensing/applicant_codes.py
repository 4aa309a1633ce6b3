"""Applicant accounts: proving the e-mail address or phone number, and password reset.

A code goes out through the core outbox (``notify``): by e-mail a link with
a long random token, by SMS a six-digit code. Only the SHA-256 hash is
kept (an SMS code hashed with its account, so short codes never clash);
codes expire, work once, and at most :data:`MAX_OPEN` are open per account
and purpose. Five wrong codes typed for an account void its open codes.
Asking for a reset answers the same whether or not the account exists.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, InvalidInput, _, audit, notify, plugin_settings, utcnow
from pamong_plugins.licensing.models import Applicant, ApplicantToken

VERIFY, RESET = "verify", "reset"
MAX_OPEN = 3
MAX_ATTEMPTS = 5
_hasher = PasswordHasher()


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def clean_phone(raw: str) -> str:
    """``0812-3456 7890`` or ``+62 812…`` -> ``081234567890`` (digits, local form)."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits


def _actor(applicant: Applicant) -> Actor:
    return Actor(username=f"applicant:{applicant.id}")


def _open_tokens(session: Session, applicant: Applicant, purpose: str) -> list[ApplicantToken]:
    return list(
        session.scalars(
            select(ApplicantToken).where(
                ApplicantToken.applicant_id == applicant.id,
                ApplicantToken.purpose == purpose,
                ApplicantToken.used_at.is_(None),
                ApplicantToken.expires_at > utcnow(),
            )
        )
    )


def send_code(
    session: Session,
    applicant: Applicant,
    purpose: str,
    *,
    link_for: Callable[[str], str],
    minutes: int = 60,
) -> bool:
    """Send a verification or reset code to the applicant's e-mail (else phone).

    ``link_for(token)`` is the absolute address of the page that takes an
    e-mailed token. False when nothing was sent (no address, or too many
    open codes): callers tell the requester the same either way.
    """
    channel = "email" if applicant.email else "sms" if applicant.phone else ""
    if not channel or len(_open_tokens(session, applicant, purpose)) >= MAX_OPEN:
        return False
    if channel == "email":
        code = secrets.token_urlsafe(24)
        token_hash = _hash(code)
    else:
        code = f"{secrets.randbelow(10**6):06d}"
        token_hash = _hash(f"{applicant.id}:{code}")
        while session.scalar(
            select(ApplicantToken.id).where(ApplicantToken.token_hash == token_hash)
        ):
            code = f"{secrets.randbelow(10**6):06d}"
            token_hash = _hash(f"{applicant.id}:{code}")
    now = utcnow()
    session.add(
        ApplicantToken(
            applicant_id=applicant.id,
            purpose=purpose,
            channel=channel,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    if purpose == VERIFY:
        subject = _("Confirm your permit portal account")
        body = (
            _("Open this link within %(minutes)d minutes to confirm your account:", minutes=minutes)
            + f"\n{link_for(code)}"
            if channel == "email"
            else _("Your permit portal confirmation code: %(code)s", code=code)
        )
    else:
        subject = _("Reset your permit portal password")
        body = (
            _(
                "Open this link within %(minutes)d minutes to choose a new password; it works "
                "once. If you did not ask for this, ignore this message.",
                minutes=minutes,
            )
            + f"\n{link_for(code)}"
            if channel == "email"
            else _("Your permit portal password reset code: %(code)s", code=code)
        )
    address = applicant.email if channel == "email" else applicant.phone
    notify(
        session,
        _actor(applicant),
        channel=channel,
        address=address or "",
        subject=subject,
        body=body,
    )
    audit(
        session,
        _actor(applicant),
        f"licensing.applicant.{purpose}_sent",
        "licensing_applicant",
        applicant.id,
        channel=channel,
    )
    session.flush()
    return True


def code_minutes() -> int:
    """How long a code stays valid (``applicant_code_minutes``)."""
    return int(plugin_settings("licensing").get("applicant_code_minutes", 60))


def send_verification(session: Session, applicant: Applicant) -> bool:
    """Send the account's confirmation link (e-mail) or code (SMS); needs a request."""
    from flask import url_for

    return send_code(
        session,
        applicant,
        VERIFY,
        link_for=lambda token: url_for("licensing.portal_verify_link", token=token, _external=True),
        minutes=code_minutes(),
    )


def _wrong_code(session: Session, applicant: Applicant | None, purpose: str) -> InvalidInput:
    if applicant is not None:
        for token in _open_tokens(session, applicant, purpose):
            token.attempts += 1
            if token.attempts >= MAX_ATTEMPTS:
                token.expires_at = utcnow()
        session.flush()
    return InvalidInput(
        _("The code is wrong, used or expired: ask for a new one."),
        slug="invalid-code",
        field="code",
    )


def _use_code(
    session: Session, purpose: str, code: str, applicant: Applicant | None = None
) -> ApplicantToken:
    """The open token for ``code`` (an e-mailed token, or an SMS code of ``applicant``)."""
    code = (code or "").strip()
    if not code or len(code) > 100:
        raise _wrong_code(session, applicant, purpose)
    hashes = [_hash(code)]
    if applicant is not None:
        hashes.append(_hash(f"{applicant.id}:{code}"))
    token = session.scalar(
        select(ApplicantToken).where(
            ApplicantToken.token_hash.in_(hashes),
            ApplicantToken.purpose == purpose,
            ApplicantToken.used_at.is_(None),
            ApplicantToken.expires_at > utcnow(),
            ApplicantToken.attempts < MAX_ATTEMPTS,
        )
    )
    if token is None or (applicant is not None and token.applicant_id != applicant.id):
        raise _wrong_code(session, applicant, purpose)
    token.used_at = utcnow()
    return token


def verify_contact(session: Session, code: str, applicant: Applicant | None = None) -> Applicant:
    """Confirm the account's e-mail address or phone number with the code sent to it."""
    token = _use_code(session, VERIFY, code, applicant)
    found = session.get(Applicant, token.applicant_id)
    assert found is not None
    found.verified_at = found.verified_at or utcnow()
    audit(session, _actor(found), "licensing.applicant.verify", "licensing_applicant", found.id)
    session.flush()
    return found


def find_by_login(session: Session, login: str) -> Applicant | None:
    """The account with this e-mail address or phone number (None, never an error)."""
    login = (login or "").strip().lower()[:200]
    if not login:
        return None
    phone = clean_phone(login) if "@" not in login else ""
    conditions = [Applicant.email == login]
    if phone:
        conditions.append(Applicant.phone == phone)
    return session.scalars(
        select(Applicant).where(or_(*conditions), Applicant.password_hash.is_not(None))
    ).first()


def request_reset(
    session: Session, login: str, *, link_for: Callable[[str], str], minutes: int = 60
) -> None:
    """Send a reset code to the account of ``login`` if there is one (no enumeration)."""
    applicant = find_by_login(session, login)
    if applicant is not None:
        send_code(session, applicant, RESET, link_for=link_for, minutes=minutes)


def reset_password(session: Session, code: str, password: str, login: str = "") -> Applicant:
    """Set a new password with a reset code: an e-mailed token, or ``login`` and an SMS code.

    Every other open reset code of the account is voided.
    """
    applicant = find_by_login(session, login) if login else None
    if login and applicant is None:
        raise _wrong_code(session, None, RESET)
    if len(password or "") < 10:
        raise InvalidInput(
            _("The password needs at least 10 characters."), slug="weak-password", field="password"
        )
    token = _use_code(session, RESET, code, applicant)
    found = session.get(Applicant, token.applicant_id)
    assert found is not None
    found.password_hash = _hasher.hash(password)
    # A reset code proves the address or phone it was sent to.
    found.verified_at = found.verified_at or utcnow()
    for other in _open_tokens(session, found, RESET):
        other.used_at = utcnow()
    audit(session, _actor(found), "licensing.applicant.reset", "licensing_applicant", found.id)
    session.flush()
    return found


def open_codes(session: Session, applicant: Applicant, purpose: str) -> int:
    """How many unused, unexpired codes of ``purpose`` the account has."""
    return int(
        session.scalar(
            select(func.count()).where(
                ApplicantToken.applicant_id == applicant.id,
                ApplicantToken.purpose == purpose,
                ApplicantToken.used_at.is_(None),
                ApplicantToken.expires_at > utcnow(),
            )
        )
        or 0
    )

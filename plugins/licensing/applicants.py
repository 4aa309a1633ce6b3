"""Applicants: online accounts and people registered at the counter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    InvalidInput,
    Unauthorized,
    _,
    audit,
)
from pamong_plugins.licensing.applicant_codes import clean_phone, find_by_login
from pamong_plugins.licensing.models import (
    Applicant,
)

_hasher = PasswordHasher()


def applicant_actor(applicant: Applicant) -> Actor:
    """The actor of an online applicant: no staff grants, named in the audit log."""
    return Actor(username=f"applicant:{applicant.id}")


def _applicant_fields(data: Mapping[str, Any]) -> dict[str, str]:
    kind = str(data.get("kind") or "person").strip()
    if kind not in ("person", "business"):
        raise InvalidInput(
            _("The applicant is a person or a business."), slug="invalid-applicant", field="kind"
        )
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            _("The applicant's name is required."), slug="invalid-applicant", field="name"
        )
    id_number = "".join(ch for ch in str(data.get("id_number") or "") if ch.isalnum())[:30]
    email = str(data.get("email") or "").strip().lower()[:200]
    if email and ("@" not in email or " " in email):
        raise InvalidInput(
            _("The e-mail address is not valid."), slug="invalid-applicant", field="email"
        )
    phone = clean_phone(str(data.get("phone") or ""))[:30]
    if phone and not 9 <= len(phone) <= 15:
        raise InvalidInput(
            _("The phone number is not valid."), slug="invalid-applicant", field="phone"
        )
    return {
        "kind": kind,
        "name": name,
        "id_number": id_number,
        "email": email,
        "phone": phone,
        "address": str(data.get("address") or "").strip()[:300],
    }


def register_applicant(session: Session, data: Mapping[str, Any]) -> Applicant:
    """Open an online applicant account (person or business) with a password.

    It needs an e-mail address or a phone number: the account is usable for
    applications once the code sent there is confirmed (:mod:`.applicant_codes`).
    """
    fields = _applicant_fields(data)
    if not fields["email"] and not fields["phone"]:
        raise InvalidInput(
            _("An online account needs an e-mail address or a phone number."),
            slug="invalid-applicant",
            field="email",
        )
    password = str(data.get("password") or "")
    if len(password) < 10:
        raise InvalidInput(
            _("The password needs at least 10 characters."), slug="weak-password", field="password"
        )
    if fields["email"] and session.scalar(
        select(Applicant.id).where(Applicant.email == fields["email"])
    ):
        raise Conflict(_("An account with this e-mail address exists."), slug="applicant-exists")
    if fields["phone"] and session.scalar(
        select(Applicant.id).where(
            Applicant.phone == fields["phone"], Applicant.password_hash.is_not(None)
        )
    ):
        raise Conflict(_("An account with this phone number exists."), slug="applicant-exists")
    applicant = Applicant(
        **{**fields, "email": fields["email"] or None}, password_hash=_hasher.hash(password)
    )
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


def authenticate_applicant(session: Session, login: str, password: str) -> Applicant:
    """The applicant with this e-mail address or phone number and password, or Unauthorized."""
    applicant = find_by_login(session, login)
    try:
        if applicant is None or not applicant.password_hash:
            _hasher.hash(password or "x")  # same work either way
            raise VerificationError
        _hasher.verify(applicant.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized(_("Wrong e-mail, phone number or password.")) from None
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

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
    audit,
)
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

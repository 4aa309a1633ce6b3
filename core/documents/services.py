"""Issuing, revoking and verifying documents; their QR codes and PDFs."""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from flask import render_template, request, url_for
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.db import utcnow
from pamong.documents.models import IssuedDocument
from pamong.errors import Conflict, InvalidInput, NotFound
from pamong.hooks import DocumentKind
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"


def mask_name(name: str) -> str:
    """Initials only: ``Budi Santoso`` -> ``B*** S***`` (enough to match a paper)."""
    return " ".join(f"{word[0]}***" for word in name.split() if word)[:100]


def new_code() -> str:
    """An unguessable verification code: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def issue_document(
    session: Session,
    actor: Actor,
    kind: DocumentKind,
    *,
    number: str,
    unit: OrgUnit,
    holder_ref: str = "",
    holder_label: str = "",
    valid_until: date | None = None,
    now: datetime | None = None,
) -> IssuedDocument:
    """Register an issued document; its validity defaults to the kind's."""
    number = number.strip()
    if not number or len(number) > 60:
        raise InvalidInput(_("A document number is 1-60 characters."), slug="invalid-number")
    now = now or utcnow()
    if valid_until is None and kind.validity_days is not None:
        valid_until = (now + timedelta(days=kind.validity_days)).date()
    document = IssuedDocument(
        kind=kind.name,
        number=number,
        code=new_code(),
        holder_ref=holder_ref[:100],
        holder_label=holder_label[:100],
        org_unit=unit,
        issued_by_id=actor.user_id,
        issued_at=now,
        valid_until=valid_until,
    )
    try:
        with session.begin_nested():
            session.add(document)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("%(title)s number %(number)s was already issued.", title=kind.title, number=number),
            slug="document-exists",
        ) from None
    record(
        session,
        actor,
        "document.issue",
        "document",
        document.id,
        org_unit_id=unit.id,
        kind=kind.name,
        number=number,
    )
    return document


class DocumentToIssue(NamedTuple):
    """One document of :func:`issue_documents`: what :func:`issue_document` takes for one."""

    number: str
    unit: OrgUnit
    holder_ref: str = ""
    holder_label: str = ""
    issued_at: datetime | None = None


def issue_documents(
    session: Session, actor: Actor, kind: DocumentKind, documents: Sequence[DocumentToIssue]
) -> list[int]:
    """Register many issued documents at once (a batch of receipts); their ids, in order.

    The same rows :func:`issue_document` writes one by one, in one
    multi-row insert, with one audit entry per unit (the count and the first
    and last numbers). A number already issued (or twice in the batch)
    raises ``Conflict`` and nothing is issued: check the numbers are new.
    """
    if not documents:
        return []
    numbers = [d.number.strip() for d in documents]
    if any(not n or len(n) > 60 for n in numbers):
        raise InvalidInput(_("A document number is 1-60 characters."), slug="invalid-number")
    rows = []
    for doc, number in zip(documents, numbers, strict=True):
        at = doc.issued_at or utcnow()
        rows.append(
            {
                "kind": kind.name,
                "number": number,
                "code": new_code(),
                "holder_ref": doc.holder_ref[:100],
                "holder_label": doc.holder_label[:100],
                "org_unit_id": doc.unit.id,
                "issued_by_id": actor.user_id,
                "issued_at": at,
                "valid_until": (at + timedelta(days=kind.validity_days)).date()
                if kind.validity_days is not None
                else None,
            }
        )
    session.flush()
    try:
        with session.begin_nested():
            ids = list(
                session.scalars(
                    insert(IssuedDocument).returning(
                        IssuedDocument.id, sort_by_parameter_order=True
                    ),
                    rows,
                )
            )
    except IntegrityError:
        raise Conflict(
            _(
                "%(title)s number %(number)s was already issued.",
                title=kind.title,
                number=f"{numbers[0]}..{numbers[-1]}",
            ),
            slug="document-exists",
        ) from None
    by_unit: dict[int, list[str]] = {}
    for row in rows:
        by_unit.setdefault(row["org_unit_id"], []).append(row["number"])
    for unit_id, issued in by_unit.items():
        record(
            session,
            actor,
            "document.issue_batch",
            "document",
            issued[0],
            org_unit_id=unit_id,
            kind=kind.name,
            count=len(issued),
            last=issued[-1],
        )
    return ids


def revoke_document(
    session: Session,
    actor: Actor,
    document: IssuedDocument,
    reason: str,
    *,
    public_note: str = "",
) -> IssuedDocument:
    """Revoke (e.g. a lost card that was replaced); the verify page then says so.

    ``reason`` is internal (staff and the audit log); the verify page shows
    only ``public_note``, so never put personal data in it.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the document is revoked."), slug="reason-required")
    if document.revoked_at is None:
        document.revoked_at = utcnow()
        document.revoke_reason = reason[:300]
        document.public_note = public_note.strip()[:300]
        record(
            session,
            actor,
            "document.revoke",
            "document",
            document.id,
            org_unit_id=document.org_unit_id,
            reason=reason[:300],
        )
    return document


@dataclass(frozen=True)
class Verification:
    """What the public verify page shows: status and the minimum about the holder.

    ``revoke_reason`` is the revocation's public note, never the internal reason.
    """

    status: str
    kind: str
    kind_title: str
    number: str
    holder: str
    issued_by: str
    issued_at: datetime
    valid_until: date | None
    revoked_at: datetime | None
    revoke_reason: str


def verify(
    session: Session, code: str, kinds: dict[str, DocumentKind], today: date | None = None
) -> Verification:
    """Valid, expired or revoked? Unknown codes are 404."""
    document = None
    if 20 <= len(code) <= 64:
        document = session.scalar(select(IssuedDocument).where(IssuedDocument.code == code))
    if document is None:
        raise NotFound(_("No document has this verification code."), slug="document-not-found")
    today = today or utcnow().date()
    if document.revoked_at is not None:
        status = REVOKED
    elif document.valid_until is not None and document.valid_until < today:
        status = EXPIRED
    else:
        status = VALID
    kind = kinds.get(document.kind)
    return Verification(
        status=status,
        kind=document.kind,
        kind_title=kind.title if kind else document.kind,
        number=document.number,
        holder=document.holder_label,
        issued_by=document.org_unit.name,
        issued_at=document.issued_at,
        valid_until=document.valid_until,
        revoked_at=document.revoked_at,
        revoke_reason=document.public_note,
    )


def verify_url(document: IssuedDocument) -> str:
    """The absolute address of the document's public verify page."""
    return url_for("documents.verify_page", code=document.code, _external=True)


def qr_svg(url: str, scale: int = 4) -> str:
    """An inline SVG QR code of ``url`` (error correction M, for printed paper)."""
    import segno  # imported on use, not at app creation

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, xmldecl=False)
    return buffer.getvalue().decode()


def render_pdf(template_name: str, **context: Any) -> bytes:
    """Render a Jinja HTML template to PDF with WeasyPrint (needs a request context)."""
    from weasyprint import HTML  # imported on use: it loads Pango and fonts

    html = render_template(template_name, **context)
    return HTML(string=html, base_url=request.url_root).write_pdf()

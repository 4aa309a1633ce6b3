"""Legal documents (JDIH): regional regulations and decrees with JDIHN metadata and search.

Titles follow "<Jenis> Nomor X Tahun Y tentang Z". Recording a document
that amends or revokes another sets the other's status (``diubah`` or
``dicabut``) in the same transaction. Full-text search is one function
over two engines: SQLite FTS5 (a temporary index built per query, ranked
by bm25) and PostgreSQL full-text search (``to_tsvector`` /
``websearch_to_tsquery``, ranked by ``ts_rank``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    InvalidInput,
    NotFound,
    _,
    _l,
    audit,
    require,
)
from pamong_plugins.portal.models import LegalDocument
from pamong_plugins.portal.permissions import LEGAL

#: Document types: code -> (JDIHN ``jenis``, abbreviation, label).
TYPES = {
    "perda": ("Peraturan Daerah", "PERDA", _l("Regional regulation (Perda)")),
    "perbup": ("Peraturan Bupati", "PERBUP", _l("Regent regulation (Perbup)")),
    "kepbup": ("Keputusan Bupati", "KEPBUP", _l("Regent decree (Keputusan)")),
}
STATUSES = {
    "berlaku": _l("In force"),
    "diubah": _l("Amended"),
    "dicabut": _l("Revoked"),
}


def full_title(doc: LegalDocument) -> str:
    return f"{TYPES[doc.doc_type][0]} Nomor {doc.number} Tahun {doc.year} tentang {doc.title}"


def _find(session: Session, ref: str) -> LegalDocument:
    """A document by ``perda/3/2019``."""
    try:
        kind, number, year = ref.split("/")
        doc = session.scalar(
            select(LegalDocument).where(
                LegalDocument.doc_type == kind,
                LegalDocument.number == number,
                LegalDocument.year == int(year),
            )
        )
    except ValueError:
        doc = None
    if doc is None:
        raise InvalidInput(
            _("%(ref)s is not a recorded document (type/number/year).", ref=ref[:40]), field="ref"
        )
    return doc


def save_document(
    session: Session,
    actor: Actor,
    *,
    doc_type: str,
    number: str,
    year: int,
    title: str,
    subject: str = "",
    field_of_law: str = "",
    enacted_on: date | None = None,
    promulgated_on: date | None = None,
    place: str = "",
    abstract: str = "",
    body_text: str = "",
    amends: str = "",
    revokes: str = "",
    publish: bool = True,
    doc_id: int | None = None,
) -> LegalDocument:
    """Record (or, with ``doc_id``, edit) a regulation or decree.

    ``amends``/``revokes`` (``perda/3/2019``) name the documents it changes;
    their status follows when this one is published (at once, or later from
    a draft). A published document's links are fixed.
    """
    require(actor, LEGAL)
    if doc_type not in TYPES:
        raise InvalidInput(_("Unknown document type."), field="doc_type")
    number = str(number or "").strip()[:20]
    if not number:
        raise InvalidInput(_("%(field)s is required.", field="number"), field="number")
    if not isinstance(year, int) or not 1945 <= year <= 2100:
        raise InvalidInput(_("The year is not valid."), field="year")
    title = str(title or "").strip()
    if not title or len(title) > 400:
        raise InvalidInput(_("The title is required (at most 400 characters)."), field="title")
    if enacted_on and promulgated_on and promulgated_on < enacted_on:
        raise InvalidInput(_("Promulgation cannot come before enactment."), field="promulgated_on")
    clash = select(LegalDocument.id).where(
        LegalDocument.doc_type == doc_type,
        LegalDocument.number == number,
        LegalDocument.year == year,
    )
    doc = get_document(session, doc_id, staff=True) if doc_id else LegalDocument(status="berlaku")
    if doc_id:
        clash = clash.where(LegalDocument.id != doc_id)
    if session.scalar(clash):
        raise Conflict(_("This document is already recorded."), slug="legal-duplicate")
    doc.doc_type, doc.number, doc.year, doc.title = doc_type, number, year, title
    doc.subject = (subject or "")[:200]
    doc.field_of_law = (field_of_law or "")[:100]
    doc.enacted_on, doc.promulgated_on = enacted_on, promulgated_on
    doc.place = (place or "")[:100]
    doc.abstract = (abstract or "")[:20000]
    doc.body_text = (body_text or "")[:500000]
    was_published = bool(doc_id) and doc.published
    if not was_published:
        doc.amends_id = _find(session, amends).id if amends else None
        doc.revokes_id = _find(session, revokes).id if revokes else None
        if doc.id is not None and doc.id in (doc.amends_id, doc.revokes_id):
            raise InvalidInput(_("A document cannot change itself."), field="amends")
    elif _ref_changed(session, doc.amends_id, amends) or _ref_changed(
        session, doc.revokes_id, revokes
    ):
        raise Conflict(
            _("The links of a published document cannot change; record a new one."),
            slug="legal-links-fixed",
        )
    doc.published = was_published or bool(publish)
    if doc.published and not was_published:
        _apply_links(session, doc)
    session.add(doc)
    session.flush()
    audit(
        session,
        actor,
        "portal.legal.save",
        "portal_legal_document",
        doc.id,
        ref=f"{doc_type}/{number}/{year}",
        published=doc.published,
    )
    return doc


def _ref(session: Session, doc_id: int | None) -> str:
    if doc_id is None:
        return ""
    other = session.get(LegalDocument, doc_id)
    return f"{other.doc_type}/{other.number}/{other.year}" if other else ""


def _ref_changed(session: Session, current_id: int | None, wanted: str) -> bool:
    return (wanted or "").strip() not in ("", _ref(session, current_id))


def _apply_links(session: Session, doc: LegalDocument) -> None:
    """A published amendment marks the amended document; a revocation, the revoked one."""
    if doc.amends_id:
        target = session.get(LegalDocument, doc.amends_id)
        if target is not None and target.status == "berlaku":
            target.status = "diubah"
    if doc.revokes_id:
        target = session.get(LegalDocument, doc.revokes_id)
        if target is not None:
            target.status = "dicabut"


def ref_of(doc: LegalDocument) -> str:
    """``perda/3/2019``: how the links name a document."""
    return f"{doc.doc_type}/{doc.number}/{doc.year}"


#: The largest PDF accepted for a legal document (a scanned Perda with its annexes).
MAX_PDF_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def attach_pdf(session: Session, actor: Actor, doc_id: int, data: bytes) -> LegalDocument:
    """Attach the document's PDF, checked by its magic bytes and size (replaces an earlier one)."""
    require(actor, LEGAL)
    doc = get_document(session, doc_id, staff=True)
    if not data:
        raise InvalidInput(_("Choose a PDF file."), field="pdf")
    if len(data) > MAX_PDF_BYTES:
        raise InvalidInput(
            _("The PDF is larger than %(mb)d MB.", mb=MAX_PDF_BYTES // (1024 * 1024)), field="pdf"
        )
    if not data.startswith(PDF_MAGIC) or b"%%EOF" not in data[-2048:]:
        raise InvalidInput(_("The file is not a PDF."), field="pdf")
    doc.pdf = data
    doc.pdf_size = len(data)
    doc.pdf_sha256 = hashlib.sha256(data).hexdigest()
    audit(session, actor, "portal.legal.pdf", "portal_legal_document", doc.id, size=len(data))
    return doc


def pdf_of(session: Session, doc: LegalDocument) -> bytes | None:
    """The PDF's bytes (loaded only when asked for), or None."""
    if not doc.pdf_size:
        return None
    return session.scalar(select(LegalDocument.pdf).where(LegalDocument.id == doc.id))


def download_name(doc: LegalDocument) -> str:
    """``perda-3-2019.pdf`` (``.txt`` when no PDF was uploaded)."""
    stem = f"{doc.doc_type}-{doc.number}-{doc.year}".replace("/", "-")
    return f"{stem}.pdf" if doc.pdf_size else f"{stem}.txt"


def all_documents(session: Session, actor: Actor) -> list[LegalDocument]:
    """Every document, drafts first then the newest, for JDIH officers."""
    require(actor, LEGAL)
    return list(
        session.scalars(
            select(LegalDocument).order_by(
                LegalDocument.published, LegalDocument.year.desc(), LegalDocument.id.desc()
            )
        )
    )


def get_document(session: Session, doc_id: int, *, staff: bool = False) -> LegalDocument:
    """A document; drafts only for ``staff`` callers (who checked :data:`LEGAL`)."""
    doc = session.get(LegalDocument, doc_id)
    if doc is None or not (doc.published or staff):
        raise NotFound(_("No such legal document."), slug="legal-not-found")
    return doc


def changed_by(session: Session, doc: LegalDocument) -> list[LegalDocument]:
    """The documents that amend or revoke ``doc``."""
    return list(
        session.scalars(
            select(LegalDocument)
            .where((LegalDocument.amends_id == doc.id) | (LegalDocument.revokes_id == doc.id))
            .where(LegalDocument.published.is_(True))
            .order_by(LegalDocument.year, LegalDocument.id)
        )
    )


def count_download(session: Session, doc: LegalDocument) -> None:
    doc.downloads = LegalDocument.downloads + 1


def _fts5_query(query: str) -> str:
    """Words of ``query`` as an FTS5 AND of quoted terms (no FTS5 syntax from the visitor)."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in query).split() if w]
    return " ".join(f'"{w}"' for w in words[:12])


def search(
    session: Session,
    query: str = "",
    *,
    doc_type: str = "",
    year: int | None = None,
    status: str = "",
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[LegalDocument], int]:
    """Documents matching the words of ``query`` (title, subject, abstract, text), best first."""
    query = (query or "").strip()[:200]
    stmt = select(LegalDocument).where(LegalDocument.published.is_(True))
    if doc_type:
        stmt = stmt.where(LegalDocument.doc_type == doc_type)
    if year:
        stmt = stmt.where(LegalDocument.year == year)
    if status:
        stmt = stmt.where(LegalDocument.status == status)
    order: list[Any] = [LegalDocument.year.desc(), LegalDocument.id.desc()]
    if query:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            document = func.to_tsvector(
                "simple",
                LegalDocument.title
                + " "
                + LegalDocument.subject
                + " "
                + LegalDocument.abstract
                + " "
                + LegalDocument.body_text,
            )
            tsquery = func.websearch_to_tsquery("simple", query)
            stmt = stmt.where(document.op("@@")(tsquery))
            order = [func.ts_rank(document, tsquery).desc(), *order]
        else:
            ranked = _sqlite_fts(session, query)
            if not ranked:
                return [], 0
            stmt = stmt.where(LegalDocument.id.in_(ranked))
            position = {doc_id: i for i, doc_id in enumerate(ranked)}
            docs = list(session.scalars(stmt))
            docs.sort(key=lambda d: position[d.id])
            return docs[offset : offset + limit], len(docs)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(*order).limit(limit).offset(offset))), total


def _sqlite_fts(session: Session, query: str) -> list[int]:
    """Ids of matching documents, best first, from a temporary FTS5 index."""
    match = _fts5_query(query)
    if not match:
        return []
    connection = session.connection()
    connection.execute(text("DROP TABLE IF EXISTS temp.portal_legal_fts"))
    connection.execute(
        text(
            "CREATE VIRTUAL TABLE temp.portal_legal_fts USING fts5("
            "title, subject, abstract, body_text, tokenize='unicode61 remove_diacritics 2')"
        )
    )
    try:
        connection.execute(
            text(
                "INSERT INTO temp.portal_legal_fts(rowid, title, subject, abstract, body_text) "
                "SELECT id, title, subject, abstract, body_text FROM portal_legal_documents "
                "WHERE published"
            )
        )
        rows = connection.execute(
            text(
                "SELECT rowid FROM temp.portal_legal_fts WHERE portal_legal_fts MATCH :q "
                "ORDER BY bm25(portal_legal_fts, 10.0, 5.0, 2.0, 1.0) LIMIT 500"
            ),
            {"q": match},
        ).all()
    finally:
        connection.execute(text("DROP TABLE IF EXISTS temp.portal_legal_fts"))
    return [row[0] for row in rows]


def jdihn_export(session: Session, base_url: str = "") -> list[dict[str, Any]]:
    """Every published document in the JDIHN integration format, oldest first."""
    docs = session.scalars(
        select(LegalDocument)
        .where(LegalDocument.published.is_(True))
        .order_by(LegalDocument.year, LegalDocument.id)
    )
    return [jdihn_record(doc, base_url) for doc in docs]


def jdihn_record(doc: LegalDocument, base_url: str = "") -> dict[str, Any]:
    """One document in the JDIHN integration format (the fields of the national sync)."""
    jenis, short, _label = TYPES[doc.doc_type]
    detail = f"{base_url}/portal/jdih/{doc.id}"
    return {
        "idData": str(doc.id),
        "tahun_pengundangan": str(doc.promulgated_on.year) if doc.promulgated_on else str(doc.year),
        "tanggal_pengundangan": doc.promulgated_on.isoformat() if doc.promulgated_on else "",
        "jenis": jenis,
        "singkatanJenis": short,
        "noPeraturan": doc.number,
        "judul": full_title(doc),
        "noPanggil": "-",
        "tempatTerbit": doc.place,
        "penerbit": "-",
        "deskripsiFisik": "-",
        "sumber": "-",
        "subjek": doc.subject,
        "isbn": "-",
        "status": {"berlaku": "Berlaku", "diubah": "Diubah", "dicabut": "Dicabut"}[doc.status],
        "bahasa": "Indonesia",
        "bidangHukum": doc.field_of_law,
        "teuBadan": "Pemerintah Daerah",
        "nomorIndukBuku": "-",
        "fileDownload": download_name(doc),
        "urlDownload": f"{detail}/download",
        "urlDetailPeraturan": detail,
        "abstrak": doc.abstract,
    }


#: Words that name a document type in a citation, longest first.
_CITED_TYPES = (
    ("peraturan daerah", "perda"),
    ("peraturan bupati", "perbup"),
    ("keputusan bupati", "kepbup"),
    ("perda", "perda"),
    ("perbup", "perbup"),
    ("kepbup", "kepbup"),
)
#: ``... 4/2006``, ``No. 18 Tahun 2010``, ``Nomor 3 Tahun 2019``.
_CITED_NUMBER = re.compile(
    r"(?:\bno(?:mor)?\.?\s*)?\b(\d{1,4}[a-z]?)\s*(?:/|\s+tahun\s+)(\d{4})\b", re.IGNORECASE
)


def cited(session: Session, citation: str) -> LegalDocument | None:
    """The published document a citation names (``Perda Kab. Sragen 4/2006``), or None."""
    text_ = " ".join((citation or "").lower().split())[:300]
    kind = next((code for words, code in _CITED_TYPES if text_.startswith(words)), None)
    match = _CITED_NUMBER.search(text_)
    if kind is None or match is None:
        return None
    return session.scalar(
        select(LegalDocument).where(
            LegalDocument.doc_type == kind,
            func.lower(LegalDocument.number) == match.group(1),
            LegalDocument.year == int(match.group(2)),
            LegalDocument.published.is_(True),
        )
    )


def render_document_pdf(doc: LegalDocument, place: str = "") -> bytes:
    """A small real PDF of a document's text (demo content and tests; needs an app context)."""
    from flask import current_app, has_request_context

    from pamong.plugin import render_pdf

    def render() -> bytes:
        return render_pdf("portal/legal_pdf.html", doc=doc, title=full_title(doc), place=place)

    if has_request_context():
        return render()
    with current_app.test_request_context():
        return render()

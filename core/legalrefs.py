"""Link a citation of a regulation to the legal document it names, whoever keeps them.

A plugin that records legal documents (the portal's JDIH) answers
``pamong_legal_reference``; plugins that cite regulations (licensing's
legal bases and tariff decrees) ask :func:`legal_reference` and so never
depend on it: with no such plugin enabled the citation stays plain text.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pamong.hookrelay import hooks_of
from pamong.hooks import LegalReference


def legal_reference(session: Session, citation: str | None) -> LegalReference | None:
    """The legal document ``citation`` names, or None (none recorded, or no JDIH enabled)."""
    citation = (citation or "").strip()[:300]
    if not citation:
        return None
    return hooks_of(session).pamong_legal_reference(citation=citation, session=session)

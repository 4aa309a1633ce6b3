"""REST at ``/api/v1/suratdesa`` (blueprint ``suratdesa_api``), for desa office software.

Every endpoint is in the OpenAPI document, ``/api/v1/openapi.json``; errors
are problem+json (404 for a NIK the caller may not see, 409 issued twice).
"""

from __future__ import annotations

from typing import Any

from flask import Response

from pamong.plugin import (
    BEARER,
    ApiBlueprint,
    api_actor,
    get_session,
    paginate,
    plugin_settings,
    require,
    token_required,
)

from pamong_suratdesa import PLUGIN, services
from pamong_suratdesa.letter import letter_pdf
from pamong_suratdesa.permissions import VIEW
from pamong_suratdesa.schemas import (
    LetterPageSchema,
    LetterQueryArgs,
    LetterRequestSchema,
    LetterSchema,
)

blp = ApiBlueprint("suratdesa_api", __name__, description=PLUGIN.description)


@blp.route("/letters", methods=["POST"])
@token_required
@blp.arguments(LetterRequestSchema)
@blp.response(201, LetterSchema)
@blp.doc(security=BEARER)
def request_letter(data: dict[str, Any]) -> Any:
    """Register a resident's request at their desa; it gets a receipt number."""
    session = get_session()
    settings = plugin_settings("suratdesa")
    letter = services.request_letter(
        session,
        api_actor(),
        **data,
        fee=settings["fee"],
        fee_legal_basis=settings["fee_legal_basis"],
    )
    session.commit()
    return letter


@blp.route("/letters")
@token_required
@blp.arguments(LetterQueryArgs, location="query")
@blp.response(200, LetterPageSchema)
@blp.doc(security=BEARER)
def list_letters(args: dict[str, Any]) -> dict[str, Any]:
    """The letters of the caller's desa, newest first (NIKs masked)."""
    actor = api_actor()
    require(actor, VIEW)
    stmt = services.letters_query(actor, desa_code=args.get("desa_code"))
    items, total = paginate(get_session(), stmt, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/letters/<id:letter_id>")
@token_required
@blp.response(200, LetterSchema)
@blp.doc(security=BEARER)
def get_letter(letter_id: int) -> Any:
    """One letter (the read is audited)."""
    session = get_session()
    letter = services.get_letter(session, api_actor(), letter_id)
    session.commit()  # the audit entry of the read
    return letter


@blp.route("/letters/<id:letter_id>/issue", methods=["POST"])
@token_required
@blp.response(200, LetterSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The letter was already issued")
def issue_letter(letter_id: int) -> Any:
    """Issue the letter: a verifiable document; the resident is told by e-mail."""
    session = get_session()
    letter = services.issue_letter(session, api_actor(), letter_id)
    session.commit()
    return letter


@blp.route("/letters/<id:letter_id>/pdf")
@token_required
@blp.response(200, description="The letter, with its QR code", content_type="application/pdf")
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The letter is not issued yet")
def letter_as_pdf(letter_id: int) -> Response:
    """The issued letter as a PDF, to print (the read is audited)."""
    session = get_session()
    pdf = letter_pdf(services.get_issued_letter(session, api_actor(), letter_id))
    session.commit()
    return Response(pdf, mimetype="application/pdf")

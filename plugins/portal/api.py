"""REST: ``/api/v1/portal``: services, news, complaints and legal documents."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import request

from pamong.plugin import (
    BEARER,
    Actor,
    ApiBlueprint,
    InvalidInput,
    _,
    api_actor,
    get_session,
    paginate,
    public_rate_limited,
    regency_today,
    require,
    token_required,
)
from pamong_plugins.portal import complaints, content, legal
from pamong_plugins.portal.permissions import COMPLAINTS
from pamong_plugins.portal.schemas import (
    ComplaintActionSchema,
    ComplaintCreateSchema,
    ComplaintListArgs,
    ComplaintListSchema,
    ComplaintRatingSchema,
    ComplaintReceiptSchema,
    ComplaintStaffSchema,
    ComplaintStatsSchema,
    JdihnRecordSchema,
    LegalCreateSchema,
    LegalDocumentSchema,
    LegalPageSchema,
    LegalPdfSchema,
    LegalSearchArgs,
    NewsCreateSchema,
    NewsPageSchema,
    NewsSchema,
    PageArgs,
    ProfilePageSaveSchema,
    ProfilePageSchema,
    PublicAnswerPageSchema,
    PublicServiceSchema,
)

blp = ApiBlueprint(
    "portal_api", __name__, description="Portal: public services, news, complaints, JDIH"
)
PER_PAGE = 20


@blp.route("/services")
@public_rate_limited
@blp.response(200, PublicServiceSchema(many=True))
def services_list():
    """The public service catalogue, gathered from every enabled plugin."""
    return content.public_services(get_session())


@blp.route("/news")
@public_rate_limited
@blp.arguments(PageArgs, location="query")
@blp.response(200, NewsPageSchema)
def news_list(args: dict[str, Any]):
    """Published news and announcements, newest first."""
    items, total = content.public_posts(
        get_session(), limit=PER_PAGE, offset=(args["page"] - 1) * PER_PAGE
    )
    return {"items": items, "total": total, "page": args["page"]}


@blp.route("/news", methods=["POST"])
@token_required
@blp.arguments(NewsCreateSchema)
@blp.response(201, NewsSchema)
@blp.doc(security=BEARER)
def news_create(data: dict[str, Any]):
    """Write a post (a draft unless ``publish``); needs ``portal.publish``."""
    session = get_session()
    post = content.save_post(session, api_actor(), **data)
    session.commit()
    return post


@blp.route("/complaints", methods=["POST"])
@public_rate_limited
@blp.arguments(ComplaintCreateSchema)
@blp.response(201, ComplaintReceiptSchema)
def complaint_create(data: dict[str, Any]):
    """File a complaint, aspiration, information request or whistleblowing report (no account)."""
    session = get_session()
    complaint, code = complaints.submit(
        session, Actor.system("portal public form"), **data, today=regency_today()
    )
    session.commit()
    return {
        "number": complaint.number,
        "access_code": code,
        "status": complaint.status,
        "verify_due": complaint.verify_due,
        "answer_due": complaint.answer_due,
    }


@blp.route("/complaints/<string:number>/rating", methods=["POST"])
@public_rate_limited
@blp.arguments(ComplaintRatingSchema)
@blp.response(200, ComplaintReceiptSchema)
def complaint_rate(data: dict[str, Any], number: str):
    """The citizen rates the answer (with the access code) and closes or reopens the report."""
    session = get_session()
    complaint = complaints.rate(
        session,
        Actor.system("portal citizen"),
        number,
        data["access_code"],
        data["rating"],
        reopen=data["reopen"],
        reason=data["reason"],
    )
    session.commit()
    return {
        "number": complaint.number,
        "access_code": "",
        "status": complaint.status,
        "verify_due": complaint.verify_due,
        "answer_due": complaint.answer_due,
    }


@blp.route("/complaints")
@token_required
@blp.arguments(ComplaintListArgs, location="query")
@blp.response(200, ComplaintListSchema)
@blp.doc(security=BEARER)
def complaint_list(args: dict[str, Any]):
    """Reports routed to the caller's units (``portal.complaints``), oldest due first."""
    require(api_actor(), COMPLAINTS)
    stmt = complaints.handling_query(api_actor(), status=args["status"])
    items, total = paginate(get_session(), stmt, args["page"], PER_PAGE)
    return {"items": items, "total": total, "page": args["page"]}


@blp.route("/complaints/<string:number>/actions", methods=["POST"])
@token_required
@blp.arguments(ComplaintActionSchema)
@blp.response(200, ComplaintStaffSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The report is not in a state for this action")
def complaint_action(data: dict[str, Any], number: str):
    """Verify and route, postpone, archive, forward, answer, or hide a text (with a reason)."""
    session = get_session()
    actor = api_actor()
    complaint = act(session, actor, number, data)
    session.commit()
    return complaint


def act(session: Any, actor: Actor, number: str, data: dict[str, Any]) -> Any:
    """Run one handling action (shared by the API and the pages)."""
    action = data["action"]
    if action == "verify":
        return complaints.verify(session, actor, number, unit_code=data.get("unit_code", ""))
    if action == "postpone":
        return complaints.postpone(session, actor, number, data.get("reason", ""))
    if action == "archive":
        return complaints.archive(session, actor, number, data.get("reason", ""))
    if action == "forward":
        return complaints.forward(
            session, actor, number, data.get("to", ""), data.get("reason", "")
        )
    if action == "answer":
        complaints.answer(session, actor, number, data.get("body", ""))
    else:
        complaints.hide(
            session, actor, number, data.get("reason", ""), answer_id=data.get("answer_id")
        )
    return complaints.get_for_staff(session, actor, number)


@blp.route("/answers")
@public_rate_limited
@blp.arguments(PageArgs, location="query")
@blp.response(200, PublicAnswerPageSchema)
def answers_list(args: dict[str, Any]):
    """Answered reports the citizens agreed to publish, personal data removed."""
    items, total = complaints.published(
        get_session(), limit=PER_PAGE, offset=(args["page"] - 1) * PER_PAGE
    )
    return {"items": items, "total": total, "page": args["page"]}


@blp.route("/complaints/statistics")
@public_rate_limited
@blp.response(200, ComplaintStatsSchema)
def complaint_statistics():
    """Reports per unit and category, answered, mean rating, escalated (no personal data)."""
    return complaints.statistics(get_session())


@blp.route("/legal")
@public_rate_limited
@blp.arguments(LegalSearchArgs, location="query")
@blp.response(200, LegalPageSchema)
def legal_search(args: dict[str, Any]):
    """Search regional regulations and decrees (full text), filter by type, year, status."""
    items, total = legal.search(
        get_session(),
        args["q"],
        doc_type=args["type"],
        year=args["year"],
        status=args["status"],
        limit=PER_PAGE,
        offset=(args["page"] - 1) * PER_PAGE,
    )
    return {"items": items, "total": total, "page": args["page"]}


@blp.route("/legal", methods=["POST"])
@token_required
@blp.arguments(LegalCreateSchema)
@blp.response(201, LegalDocumentSchema)
@blp.doc(security=BEARER)
def legal_create(data: dict[str, Any]):
    """Record a regulation or decree; ``amends``/``revokes`` (``perda/3/2019``) update others."""
    session = get_session()
    doc = legal.save_document(session, api_actor(), **data)
    session.commit()
    return doc


@blp.route("/legal/jdihn")
@public_rate_limited
@blp.response(200, JdihnRecordSchema(many=True))
def legal_jdihn():
    """Every document in the JDIHN integration format (JSON list), for the national network."""
    return legal.jdihn_export(get_session(), request.host_url.rstrip("/"))


@blp.route("/legal/<id:doc_id>", methods=["PUT"])
@token_required
@blp.arguments(LegalCreateSchema)
@blp.response(200, LegalDocumentSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="A published document's links cannot change")
def legal_update(data: dict[str, Any], doc_id: int):
    """Edit a document's metadata, or publish a draft (its amend/revoke links act then)."""
    session = get_session()
    doc = legal.save_document(session, api_actor(), doc_id=doc_id, **data)
    session.commit()
    return doc


@blp.route("/legal/<id:doc_id>/pdf", methods=["PUT"])
@token_required
@blp.arguments(LegalPdfSchema)
@blp.response(200, LegalDocumentSchema)
@blp.doc(security=BEARER)
def legal_pdf(data: dict[str, Any], doc_id: int):
    """Attach the document's PDF (checked: PDF magic bytes, at most 20 MB)."""
    session = get_session()
    try:
        pdf = base64.b64decode(data["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_("content_base64 is not base64."), field="content_base64") from None
    doc = legal.attach_pdf(session, api_actor(), doc_id, pdf)
    session.commit()
    return doc


@blp.route("/pages")
@public_rate_limited
@blp.response(200, ProfilePageSchema(many=True))
def pages_list():
    """The published profile pages (history, vision and mission, leaders, organisation)."""
    return content.pages(get_session())


@blp.route("/pages/<string:slug>", methods=["PUT"])
@token_required
@blp.arguments(ProfilePageSaveSchema)
@blp.response(200, ProfilePageSchema)
@blp.doc(security=BEARER)
def page_save(data: dict[str, Any], slug: str):
    """Create or replace a profile page; ``publish: false`` keeps it a draft."""
    session = get_session()
    page = content.save_page(
        session,
        api_actor(),
        slug,
        data["title"],
        data["body"],
        data["weight"],
        publish=data["publish"],
    )
    session.commit()
    return page

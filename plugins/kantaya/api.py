"""Kantaya REST API: daily reports, comments and tasks, the controlling grid, letter numbers.

Bearer tokens; every call is checked in the service layer at the unit concerned.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from flask import url_for

from pamong.plugin import (
    API_PREFIX,
    BEARER,
    ApiBlueprint,
    InvalidInput,
    IssuedDocument,
    NotFound,
    _,
    api_actor,
    get_session,
    paginate,
    regency_today,
    token_required,
    verify_url,
)
from pamong_plugins.kantaya import services
from pamong_plugins.kantaya.schemas import (
    KantayaAttachmentInSchema,
    KantayaAttachmentSchema,
    KantayaAttendanceInSchema,
    KantayaCommentInSchema,
    KantayaCommentSchema,
    KantayaDashboardArgs,
    KantayaDashboardSchema,
    KantayaDoneSchema,
    KantayaDraftEditSchema,
    KantayaDraftInSchema,
    KantayaDraftPageSchema,
    KantayaDraftQueryArgs,
    KantayaDraftReturnSchema,
    KantayaDraftSchema,
    KantayaEndorseSchema,
    KantayaEventInSchema,
    KantayaEventSchema,
    KantayaFeedSchema,
    KantayaFollowUpSchema,
    KantayaGridQueryArgs,
    KantayaGridSchema,
    KantayaHideSchema,
    KantayaImportSchema,
    KantayaIncomingInSchema,
    KantayaIncomingPageSchema,
    KantayaIncomingSchema,
    KantayaInvitationSchema,
    KantayaLetterFillSchema,
    KantayaLetterInSchema,
    KantayaLetterPageSchema,
    KantayaLetterQueryArgs,
    KantayaLetterSchema,
    KantayaMapPointSchema,
    KantayaMinutesInSchema,
    KantayaMinutesSchema,
    KantayaModerationSchema,
    KantayaPageArgs,
    KantayaPostSchema,
    KantayaProgressInSchema,
    KantayaProgressSchema,
    KantayaProjectInSchema,
    KantayaProjectPageSchema,
    KantayaProjectQueryArgs,
    KantayaProjectSchema,
    KantayaProjectStepSchema,
    KantayaReplySchema,
    KantayaReportDraftSchema,
    KantayaReportEditSchema,
    KantayaReportPageSchema,
    KantayaReportQueryArgs,
    KantayaReportSchema,
    KantayaReturnSchema,
    KantayaRsvpSchema,
    KantayaSearchArgs,
    KantayaStepInSchema,
    KantayaStepRecordSchema,
    KantayaStepSchema,
    KantayaTaskDoneSchema,
    KantayaTaskQueryArgs,
    KantayaThreadInSchema,
    KantayaThreadPageSchema,
    KantayaThreadQueryArgs,
    KantayaThreadSchema,
    KantayaThreadSummarySchema,
    KantayaUnitSchema,
)

blp = ApiBlueprint(
    "kantaya_api",
    __name__,
    url_prefix=f"{API_PREFIX}/kantaya",
    description="Virtual office: daily reports, controlling grid, tasks, outgoing letter numbers",
)


def _page(stmt: Any, args: dict[str, Any], wrap: Any = None) -> dict[str, Any]:
    """One page of ``stmt`` as ``{items, page, per_page, total}`` (items through ``wrap``)."""
    items, total = paginate(get_session(), stmt, args["page"], args["per_page"])
    if wrap is not None:
        items = [wrap(x) for x in items]
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def _base64(value: str, what: str) -> bytes | None:
    """Decode a base64 field; empty is None, bad base64 is a 400."""
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput(
            _("%(what)s is not valid base64.", what=what), slug="invalid-attachment"
        ) from None


def _report(report: Any, created: bool = False) -> Any:
    report.created = created
    return report


@blp.route("/reports")
@token_required
@blp.arguments(KantayaReportQueryArgs, location="query")
@blp.response(200, KantayaReportPageSchema)
@blp.doc(security=BEARER)
def list_reports(args: dict[str, Any]):
    """Daily reports of the units the caller may read, newest day first."""
    stmt = services.reports_query(
        api_actor(),
        unit_code=args["unit"],
        day_from=args["since"],
        day_to=args["until"],
        status=args["status"],
    )
    return _page(stmt, args)


@blp.route("/reports", methods=["POST"])
@token_required
@blp.arguments(KantayaReportDraftSchema)
@blp.response(201, KantayaReportSchema)
@blp.alt_response(200, description="The unit's report of that day existed: that report")
@blp.doc(security=BEARER)
def draft_report(data: dict[str, Any]):
    """Open the unit's report of a day: a draft pre-filled with the day's recorded activity."""
    session = get_session()
    report, created = services.draft_report(
        session, api_actor(), unit_code=data["unit_code"], day=data["day"]
    )
    session.commit()
    return _report(report, created), 201 if created else 200


@blp.route("/reports/<id:report_id>")
@token_required
@blp.response(200, KantayaReportSchema)
@blp.doc(security=BEARER)
def get_report(report_id: int):
    """One report with its facts, comments and attachments."""
    return _report(services.get_report(get_session(), api_actor(), report_id))


@blp.route("/reports/<id:report_id>", methods=["PATCH"])
@token_required
@blp.arguments(KantayaReportEditSchema)
@blp.response(200, KantayaReportSchema)
@blp.doc(security=BEARER)
def edit_report(data: dict[str, Any], report_id: int):
    """Edit a draft or returned report."""
    session = get_session()
    report = services.update_report(session, api_actor(), report_id, data)
    session.commit()
    return _report(report)


def _step(func: Any, report_id: int, *args: Any) -> Any:
    session = get_session()
    report = func(session, api_actor(), report_id, *args)
    session.commit()
    return _report(report)


@blp.route("/reports/<id:report_id>/submit", methods=["POST"])
@token_required
@blp.response(200, KantayaReportSchema)
@blp.doc(security=BEARER)
def submit_report(report_id: int):
    """The reporter submits the report to the head of the unit."""
    return _step(services.submit_report, report_id)


@blp.route("/reports/<id:report_id>/approve", methods=["POST"])
@token_required
@blp.response(200, KantayaReportSchema)
@blp.doc(security=BEARER)
def approve_report(report_id: int):
    """The head of the unit approves a submitted report."""
    return _step(services.approve_report, report_id)


@blp.route("/reports/<id:report_id>/return", methods=["POST"])
@token_required
@blp.arguments(KantayaReturnSchema)
@blp.response(200, KantayaReportSchema)
@blp.doc(security=BEARER)
def return_report(data: dict[str, Any], report_id: int):
    """The head sends a submitted report back, saying why."""
    return _step(services.return_report, report_id, data["reason"])


@blp.route("/reports/<id:report_id>/comments", methods=["POST"])
@token_required
@blp.arguments(KantayaCommentInSchema)
@blp.response(201, KantayaCommentSchema)
@blp.doc(security=BEARER)
def comment(data: dict[str, Any], report_id: int):
    """A leader comments on a report; ``task`` makes it an instruction for the unit."""
    session = get_session()
    row = services.comment_on(
        session, api_actor(), report_id, body=data["body"], task=data["task"], due_on=data["due_on"]
    )
    session.commit()
    return row


@blp.route("/reports/<id:report_id>/attachments", methods=["POST"])
@token_required
@blp.arguments(KantayaAttachmentInSchema)
@blp.response(201, KantayaAttachmentSchema)
@blp.doc(security=BEARER)
def attach(data: dict[str, Any], report_id: int):
    """Attach a photo (JPEG, PNG) or a PDF to a report still being written (at most 5 MB)."""
    session = get_session()
    row = services.add_attachment(
        session,
        api_actor(),
        report_id,
        filename=data["filename"],
        data=_base64(data["data_base64"], "file") or b"",
    )
    session.commit()
    return row


@blp.route("/tasks")
@token_required
@blp.arguments(KantayaTaskQueryArgs, location="query")
@blp.response(200, KantayaCommentSchema(many=True))
@blp.doc(security=BEARER)
def list_tasks(args: dict[str, Any]):
    """Instructions given to the caller's units (open ones by default)."""
    stmt = services.tasks_query(api_actor(), open_only=args["open"]).limit(500)
    return list(get_session().scalars(stmt))


@blp.route("/tasks/<id:task_id>/done", methods=["POST"])
@token_required
@blp.arguments(KantayaTaskDoneSchema)
@blp.response(200, KantayaCommentSchema)
@blp.doc(security=BEARER)
def task_done(data: dict[str, Any], task_id: int):
    """The unit reports an instruction done."""
    session = get_session()
    row = services.complete_task(session, api_actor(), task_id, data["note"])
    session.commit()
    return row


@blp.route("/grid")
@token_required
@blp.arguments(KantayaGridQueryArgs, location="query")
@blp.response(200, KantayaGridSchema)
@blp.doc(security=BEARER)
def grid(args: dict[str, Any]):
    """The controlling grid: units x days of a month (submitted, late, draft, missing, off)."""
    year, month = (int(x) for x in args["month"].split("-"))
    found = services.controlling_grid(
        get_session(), api_actor(), date(year, month, 1), kind=args["kind"]
    )
    return {
        "month": args["month"],
        "days": found.days,
        "rows": [
            {"unit_code": u.code, "unit_name": u.name, "kind": u.kind, "cells": found.cells[u.id]}
            for u in found.units
        ],
        "totals": found.totals,
    }


def _letter(letter: Any) -> Any:
    document = get_session().get(IssuedDocument, letter.document_id) if letter.document_id else None
    letter.verify_url = verify_url(document) if document else None
    return letter


@blp.route("/letters")
@token_required
@blp.arguments(KantayaLetterQueryArgs, location="query")
@blp.response(200, KantayaLetterPageSchema)
@blp.doc(security=BEARER)
def list_letters(args: dict[str, Any]):
    """Outgoing letters of the caller's units, newest number first."""
    stmt = services.letters_query(api_actor(), year=args["year"])
    return _page(stmt, args, _letter)


@blp.route("/letters", methods=["POST"])
@token_required
@blp.arguments(KantayaLetterInSchema)
@blp.response(201, KantayaLetterSchema)
@blp.doc(security=BEARER)
def number_letter(data: dict[str, Any]):
    """The next number of the year for an outgoing letter (or a reserved one, ``reserve``)."""
    session = get_session()
    letter = services.number_letter(session, api_actor(), **data)
    session.commit()
    return _letter(letter)


@blp.route("/letters/<id:letter_id>/fill", methods=["POST"])
@token_required
@blp.arguments(KantayaLetterFillSchema)
@blp.response(200, KantayaLetterSchema)
@blp.doc(security=BEARER)
def fill_letter(data: dict[str, Any], letter_id: int):
    """A reserved number gets its hand-made letter and is registered with a QR."""
    session = get_session()
    letter = services.fill_reserved(session, api_actor(), letter_id, **data)
    session.commit()
    return _letter(letter)


# --- drafts: paraf and signature in order, then sent -----------------------------------------


def _draft(draft: Any) -> Any:
    draft.verify_url = _letter(draft.letter).verify_url if draft.letter else None
    return draft


@blp.route("/drafts")
@token_required
@blp.arguments(KantayaDraftQueryArgs, location="query")
@blp.response(200, KantayaDraftPageSchema)
@blp.doc(security=BEARER)
def list_drafts(args: dict[str, Any]):
    """Drafts of the caller's letter units and those waiting for the caller, newest first."""
    return _page(services.drafts_query(api_actor(), status=args["status"]), args, _draft)


@blp.route("/drafts", methods=["POST"])
@token_required
@blp.arguments(KantayaDraftInSchema)
@blp.response(201, KantayaDraftSchema)
@blp.doc(security=BEARER)
def create_draft(data: dict[str, Any]):
    """Draft an outgoing letter with its chain of officials (paraf in order, the last signs)."""
    session = get_session()
    draft = services.create_draft(session, api_actor(), **data)
    session.commit()
    return _draft(draft)


@blp.route("/drafts/<id:draft_id>")
@token_required
@blp.response(200, KantayaDraftSchema)
@blp.doc(security=BEARER)
def get_draft(draft_id: int):
    """One draft with its steps (who initialled or signed, when)."""
    return _draft(services.get_draft(get_session(), api_actor(), draft_id))


@blp.route("/drafts/<id:draft_id>", methods=["PATCH"])
@token_required
@blp.arguments(KantayaDraftEditSchema)
@blp.response(200, KantayaDraftSchema)
@blp.doc(security=BEARER)
def edit_draft(data: dict[str, Any], draft_id: int):
    """Edit the text until the first official initials it (then 409)."""
    session = get_session()
    draft = services.update_draft(session, api_actor(), draft_id, data)
    session.commit()
    return _draft(draft)


def _endorse(kind: str, draft_id: int, note: str) -> Any:
    session = get_session()
    draft = services.endorse(session, api_actor(), draft_id, kind=kind, note=note)
    session.commit()
    return _draft(draft)


@blp.route("/drafts/<id:draft_id>/paraf", methods=["POST"])
@token_required
@blp.arguments(KantayaEndorseSchema)
@blp.response(200, KantayaDraftSchema)
@blp.doc(security=BEARER)
def paraf_draft(data: dict[str, Any], draft_id: int):
    """The caller initials the draft; 409 while an earlier official has not."""
    return _endorse("paraf", draft_id, data["note"])


@blp.route("/drafts/<id:draft_id>/sign", methods=["POST"])
@token_required
@blp.arguments(KantayaEndorseSchema)
@blp.response(200, KantayaDraftSchema)
@blp.doc(security=BEARER)
def sign_draft(data: dict[str, Any], draft_id: int):
    """The signer signs after every paraf: the letter is numbered and registered with a QR."""
    return _endorse("sign", draft_id, data["note"])


@blp.route("/drafts/<id:draft_id>/return", methods=["POST"])
@token_required
@blp.arguments(KantayaDraftReturnSchema)
@blp.response(200, KantayaDraftSchema)
@blp.doc(security=BEARER)
def return_draft(data: dict[str, Any], draft_id: int):
    """The official whose turn it is returns the draft for correction (paraf start over)."""
    session = get_session()
    draft = services.return_draft(session, api_actor(), draft_id, data["note"])
    session.commit()
    return _draft(draft)


@blp.route("/drafts/<id:draft_id>/send", methods=["POST"])
@token_required
@blp.response(200, KantayaDraftSchema)
@blp.doc(security=BEARER)
def send_draft(draft_id: int):
    """Send a signed letter to its recipient units (and to SRIKANDI through an adapter)."""
    session = get_session()
    draft = services.send_draft(session, api_actor(), draft_id)
    session.commit()
    return _draft(draft)


@blp.route("/srikandi/import", methods=["POST"])
@token_required
@blp.arguments(KantayaUnitSchema)
@blp.response(200, KantayaImportSchema)
@blp.doc(security=BEARER)
def srikandi_import(data: dict[str, Any]):
    """Register the unit's incoming letters fetched by SRIKANDI adapters (none by default)."""
    session = get_session()
    counts = services.import_from_srikandi(session, api_actor(), data["unit_code"])
    session.commit()
    return counts


# --- incoming letters and dispositions -----------------------------------------------------


@blp.route("/incoming")
@token_required
@blp.arguments(KantayaPageArgs, location="query")
@blp.response(200, KantayaIncomingPageSchema)
@blp.doc(security=BEARER)
def list_incoming(args: dict[str, Any]):
    """Incoming letters of the units where the caller registers or disposes, newest first."""
    stmt = services.incoming_query(api_actor())
    return _page(stmt, args)


@blp.route("/incoming", methods=["POST"])
@token_required
@blp.arguments(KantayaIncomingInSchema)
@blp.response(201, KantayaIncomingSchema)
@blp.doc(security=BEARER)
def register_incoming(data: dict[str, Any]):
    """Register a received letter (sender, number, date, subject, optional scan)."""
    scan = _base64(data["scan_base64"], "scan")
    session = get_session()
    row = services.register_incoming(
        session,
        api_actor(),
        unit_code=data["unit_code"],
        sender=data["sender"],
        number=data["number"],
        letter_date=data["letter_date"],
        subject=data["subject"],
        scan=scan,
    )
    session.commit()
    return row


@blp.route("/incoming/<id:incoming_id>")
@token_required
@blp.response(200, KantayaIncomingSchema)
@blp.doc(security=BEARER)
def get_incoming(incoming_id: int):
    """One incoming letter with every disposition step (read, recalled, done)."""
    return services.get_incoming(get_session(), api_actor(), incoming_id)


@blp.route("/incoming/<id:incoming_id>/dispositions", methods=["POST"])
@token_required
@blp.arguments(KantayaStepInSchema)
@blp.response(201, KantayaStepSchema)
@blp.doc(security=BEARER)
def dispose(data: dict[str, Any], incoming_id: int):
    """The head disposes the letter to a unit or person with an instruction and a deadline."""
    session = get_session()
    step = services.dispose(session, api_actor(), incoming_id, **data)
    session.commit()
    return step


@blp.route("/dispositions")
@token_required
@blp.arguments(KantayaPageArgs, location="query")
@blp.response(200, KantayaStepSchema(many=True))
@blp.doc(security=BEARER)
def list_dispositions(args: dict[str, Any]):
    """The caller's disposition inbox: steps to them or to their units, newest first."""
    stmt = services.dispositions_query(api_actor())
    items, _total = paginate(get_session(), stmt, args["page"], args["per_page"])
    return items


@blp.route("/dispositions/<id:step_id>")
@token_required
@blp.response(200, KantayaStepSchema)
@blp.doc(security=BEARER)
def get_disposition(step_id: int):
    """One step; a recipient opening it marks it read (it can no longer be recalled)."""
    session = get_session()
    step = services.get_disposition(session, api_actor(), step_id)
    session.commit()
    return step


@blp.route("/dispositions/<id:step_id>/forward", methods=["POST"])
@token_required
@blp.arguments(KantayaStepInSchema)
@blp.response(201, KantayaStepSchema)
@blp.doc(security=BEARER)
def forward(data: dict[str, Any], step_id: int):
    """A recipient forwards the step down the chain."""
    session = get_session()
    step = services.forward(session, api_actor(), step_id, **data)
    session.commit()
    return step


@blp.route("/dispositions/<id:step_id>/recall", methods=["POST"])
@token_required
@blp.response(200, KantayaStepSchema)
@blp.doc(security=BEARER)
def recall(step_id: int):
    """The sender recalls a step nobody has read yet (409 once read)."""
    session = get_session()
    step = services.recall(session, api_actor(), step_id)
    session.commit()
    return step


@blp.route("/dispositions/<id:step_id>/done", methods=["POST"])
@token_required
@blp.arguments(KantayaDoneSchema)
@blp.response(200, KantayaStepSchema)
@blp.doc(security=BEARER)
def step_done(data: dict[str, Any], step_id: int):
    """A recipient reports the instruction carried out."""
    session = get_session()
    step = services.complete(session, api_actor(), step_id, data["note"])
    session.commit()
    return step


# --- projects --------------------------------------------------------------------------------


@blp.route("/projects")
@token_required
@blp.arguments(KantayaProjectQueryArgs, location="query")
@blp.response(200, KantayaProjectPageSchema)
@blp.doc(security=BEARER)
def list_projects(args: dict[str, Any]):
    """Projects in the caller's reach, most behind plan first (or by name, value)."""
    stmt = services.projects_query(api_actor(), critical=args["critical"], order=args["order"])
    return _page(stmt, args)


@blp.route("/projects", methods=["POST"])
@token_required
@blp.arguments(KantayaProjectInSchema)
@blp.response(201, KantayaProjectSchema)
@blp.doc(security=BEARER)
def create_project(data: dict[str, Any]):
    """Register a project with its ceiling, contract, location and planned S-curve."""
    session = get_session()
    row = services.create_project(session, api_actor(), **data)
    session.commit()
    return row


@blp.route("/projects/<id:project_id>")
@token_required
@blp.response(200, KantayaProjectSchema)
@blp.doc(security=BEARER)
def get_project(project_id: int):
    """One project with its plan, weekly progress and SP steps."""
    return services.get_project(get_session(), api_actor(), project_id)


@blp.route("/projects/<id:project_id>/progress", methods=["POST"])
@token_required
@blp.arguments(KantayaProgressInSchema)
@blp.response(201, KantayaProgressSchema)
@blp.doc(security=BEARER)
def record_progress(data: dict[str, Any], project_id: int):
    """A week's physical progress and financial realisation; may raise the critical warning."""
    session = get_session()
    photo = _base64(data.pop("photo_base64"), "photo")
    row = services.record_progress(session, api_actor(), project_id, photo=photo, **data)
    session.commit()
    return row


@blp.route("/projects/<id:project_id>/steps", methods=["POST"])
@token_required
@blp.arguments(KantayaStepRecordSchema)
@blp.response(201, KantayaProjectStepSchema)
@blp.doc(security=BEARER)
def record_step(data: dict[str, Any], project_id: int):
    """The next step of a critical contract: show_cause, sp1, sp2, sp3 (in order)."""
    session = get_session()
    row = services.record_step(session, api_actor(), project_id, **data)
    session.commit()
    return row


# --- agenda ------------------------------------------------------------------------------------


def _event(event: Any, clash: list[Any] | None = None) -> Any:
    event.conflicts = [e.id for e in clash or ()]
    return event


@blp.route("/events")
@token_required
@blp.response(200, KantayaEventSchema(many=True))
@blp.doc(security=BEARER)
def my_events():
    """The caller's events: led or invited to (not declined)."""
    actor = api_actor()
    return [_event(e) for e in services.my_events(get_session(), actor.user_id or -1)]


@blp.route("/events", methods=["POST"])
@token_required
@blp.arguments(KantayaEventInSchema)
@blp.response(201, KantayaEventSchema)
@blp.doc(security=BEARER)
def create_event(data: dict[str, Any]):
    """An agenda entry with invitations; ``conflicts`` lists the leader's double bookings."""
    session = get_session()
    event, clash = services.create_event(session, api_actor(), **data)
    session.commit()
    return _event(event, clash)


@blp.route("/events/<id:event_id>/confirm", methods=["POST"])
@token_required
@blp.response(200, KantayaEventSchema)
@blp.doc(security=BEARER)
def confirm_event(event_id: int):
    """A tentative entry is confirmed."""
    session = get_session()
    event = services.confirm_event(session, api_actor(), event_id)
    session.commit()
    return _event(event)


@blp.route("/events/<id:event_id>/rsvp", methods=["POST"])
@token_required
@blp.arguments(KantayaRsvpSchema)
@blp.response(200, KantayaInvitationSchema)
@blp.doc(security=BEARER)
def answer_event(data: dict[str, Any], event_id: int):
    """The invited person answers: yes, no, or delegate (with the delegate's name)."""
    session = get_session()
    row = services.rsvp(session, api_actor(), event_id, **data)
    session.commit()
    return row


@blp.route("/calendar-feed", methods=["POST"])
@token_required
@blp.response(201, KantayaFeedSchema)
@blp.doc(security=BEARER)
def new_feed():
    """A new secret iCalendar address for the caller (the previous one stops working)."""
    session = get_session()
    token = services.new_feed_token(session, api_actor())
    session.commit()
    return {"url": url_for("kantaya.calendar_feed", token=token, _external=True)}


@blp.route("/calendar-feed", methods=["DELETE"])
@token_required
@blp.response(204)
@blp.doc(security=BEARER)
def revoke_feed():
    """Revoke the caller's calendar address."""
    session = get_session()
    services.revoke_feed(session, api_actor())
    session.commit()


@blp.route("/unit-calendar-feed", methods=["POST"])
@token_required
@blp.arguments(KantayaUnitSchema)
@blp.response(201, KantayaFeedSchema)
@blp.doc(security=BEARER)
def new_unit_feed(data: dict[str, Any]):
    """A new secret iCalendar address for a unit's agenda (the previous one stops working)."""
    session = get_session()
    token = services.new_unit_feed(session, api_actor(), data["unit_code"])
    session.commit()
    return {"url": url_for("kantaya.calendar_feed", token=token, _external=True)}


@blp.route("/unit-calendar-feed/revoke", methods=["POST"])
@token_required
@blp.arguments(KantayaUnitSchema)
@blp.response(204)
@blp.doc(security=BEARER)
def revoke_unit_feed(data: dict[str, Any]):
    """Revoke a unit's calendar address."""
    session = get_session()
    services.revoke_unit_feed(session, api_actor(), data["unit_code"])
    session.commit()


@blp.route("/events/<id:event_id>/attendance", methods=["POST"])
@token_required
@blp.arguments(KantayaAttendanceInSchema)
@blp.response(200, KantayaInvitationSchema)
@blp.doc(security=BEARER)
def attendance(data: dict[str, Any], event_id: int):
    """Record an invited person present, represented by a delegate, or absent."""
    session = get_session()
    row = services.record_attendance(session, api_actor(), event_id, **data)
    session.commit()
    return row


def _minutes(session: Any, event: Any) -> dict[str, Any]:
    minutes = services.minutes_of(session, event.id)
    if minutes is None:
        raise NotFound(_("No minutes yet."))
    return {
        "event_id": event.id,
        "body": minutes.body,
        "written_at": minutes.written_at,
        "follow_ups": services.follow_ups_of(session, event.id),
        "attendance": event.invitations,
    }


@blp.route("/events/<id:event_id>/minutes")
@token_required
@blp.response(200, KantayaMinutesSchema)
@blp.doc(security=BEARER)
def get_minutes(event_id: int):
    """The minutes of an event, its follow-up tasks and the attendance."""
    session = get_session()
    return _minutes(session, services.get_event(session, api_actor(), event_id))


@blp.route("/events/<id:event_id>/minutes", methods=["PUT"])
@token_required
@blp.arguments(KantayaMinutesInSchema)
@blp.response(200, KantayaMinutesSchema)
@blp.doc(security=BEARER)
def put_minutes(data: dict[str, Any], event_id: int):
    """Write (or rewrite) the minutes of a held event; new follow-up tasks are added."""
    session = get_session()
    actor = api_actor()
    services.write_minutes(
        session, actor, event_id, body=data["body"], follow_ups=data["follow_ups"]
    )
    session.commit()
    return _minutes(session, services.get_event(session, actor, event_id))


@blp.route("/follow-ups")
@token_required
@blp.arguments(KantayaTaskQueryArgs, location="query")
@blp.response(200, KantayaFollowUpSchema(many=True))
@blp.doc(security=BEARER)
def list_follow_ups(args: dict[str, Any]):
    """Meeting follow-up tasks of the caller's units or given to the caller."""
    stmt = services.follow_ups_query(api_actor(), open_only=args["open"]).limit(500)
    return list(get_session().scalars(stmt))


@blp.route("/follow-ups/<id:follow_up_id>/done", methods=["POST"])
@token_required
@blp.arguments(KantayaTaskDoneSchema)
@blp.response(200, KantayaFollowUpSchema)
@blp.doc(security=BEARER)
def follow_up_done(data: dict[str, Any], follow_up_id: int):
    """Report a follow-up task done."""
    session = get_session()
    row = services.complete_follow_up(session, api_actor(), follow_up_id, data["note"])
    session.commit()
    return row


@blp.route("/projects/map")
@token_required
@blp.response(200, KantayaMapPointSchema(many=True))
@blp.doc(security=BEARER)
def project_map():
    """Projects in reach with their coordinates (for a map), most behind plan first."""
    return services.map_points(get_session(), api_actor())


@blp.route("/dashboard")
@token_required
@blp.arguments(KantayaDashboardArgs, location="query")
@blp.response(200, KantayaDashboardSchema)
@blp.doc(security=BEARER)
def dashboard(args: dict[str, Any]):
    """The leader dashboard of a day (default today) for the caller's units."""
    return services.leader_dashboard(get_session(), api_actor(), args["day"] or regency_today())


# --- forum -------------------------------------------------------------------------------------


@blp.route("/forum/threads")
@token_required
@blp.arguments(KantayaThreadQueryArgs, location="query")
@blp.response(200, KantayaThreadPageSchema)
@blp.doc(security=BEARER)
def list_threads(args: dict[str, Any]):
    """Threads the caller may read, latest activity first."""
    stmt = services.threads_query(api_actor(), topic=args["topic"], unit_code=args["unit"])
    return _page(stmt, args)


@blp.route("/forum/threads", methods=["POST"])
@token_required
@blp.arguments(KantayaThreadInSchema)
@blp.response(201, KantayaThreadSchema)
@blp.doc(security=BEARER)
def open_thread(data: dict[str, Any]):
    """Open a thread; @username in the text notifies that person."""
    session = get_session()
    thread = services.open_thread(session, api_actor(), **data)
    session.commit()
    return thread


@blp.route("/forum/threads/<id:thread_id>")
@token_required
@blp.response(200, KantayaThreadSchema)
@blp.doc(security=BEARER)
def get_thread(thread_id: int):
    """A thread with its posts (hidden posts without their text)."""
    return services.get_thread(get_session(), api_actor(), thread_id)


@blp.route("/forum/threads/<id:thread_id>/posts", methods=["POST"])
@token_required
@blp.arguments(KantayaReplySchema)
@blp.response(201, KantayaPostSchema)
@blp.doc(security=BEARER)
def reply(data: dict[str, Any], thread_id: int):
    """Reply to a thread (409 when it is locked)."""
    session = get_session()
    post = services.reply(session, api_actor(), thread_id, data["body"])
    session.commit()
    return post


@blp.route("/forum/threads/<id:thread_id>/moderation", methods=["POST"])
@token_required
@blp.arguments(KantayaModerationSchema)
@blp.response(200, KantayaThreadSummarySchema)
@blp.doc(security=BEARER)
def moderate(data: dict[str, Any], thread_id: int):
    """A moderator locks or hides a thread."""
    session = get_session()
    thread = services.moderate_thread(session, api_actor(), thread_id, **data)
    session.commit()
    return thread


@blp.route("/forum/posts/<id:post_id>/hide", methods=["POST"])
@token_required
@blp.arguments(KantayaHideSchema)
@blp.response(200, KantayaPostSchema)
@blp.doc(security=BEARER)
def hide_post(data: dict[str, Any], post_id: int):
    """A moderator hides (or shows again) a post."""
    session = get_session()
    post = services.hide_post(session, api_actor(), post_id, data["hidden"])
    session.commit()
    return post


@blp.route("/forum/search")
@token_required
@blp.arguments(KantayaSearchArgs, location="query")
@blp.response(200, KantayaPostSchema(many=True))
@blp.doc(security=BEARER)
def search_forum(args: dict[str, Any]):
    """Posts with every word of ``q``, in threads the caller reads, newest first."""
    return services.search(get_session(), api_actor(), args["q"])

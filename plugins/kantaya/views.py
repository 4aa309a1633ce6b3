"""Kantaya pages: the unit's daily reports and tasks, one report, the grid, outgoing letters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from pamong.plugin import (
    EXPORT_LIMIT,
    InvalidInput,
    IssuedDocument,
    NotFound,
    OrgUnit,
    _,
    _l,
    check_query_date,
    download_format,
    get_session,
    page_arg,
    paginate,
    public_rate_limited,
    regency_today,
    table_download,
    verify_url,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya import services
from pamong_plugins.kantaya.models import KantayaAttachment, KantayaProgress
from pamong_plugins.kantaya.services import GRADES, visible_units
from pamong_plugins.kantaya.settings import settings

bp = Blueprint("kantaya", __name__, template_folder="templates")
PER_PAGE = 30

STATE_LABELS = {
    "submitted": _l("Submitted"),
    "late": _l("Late"),
    "draft": _l("Draft only"),
    "missing": _l("Missing"),
    "off": _l("Day off"),
    "future": _l("Not yet"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
    "letter_draft": _l("Waiting for paraf or signature"),
    "letter_signed": _l("Signed, not yet sent"),
    "letter_sent": _l("Sent"),
    "present": _l("Present"),
    "delegate": _l("Represented by a delegate"),
    "absent": _l("Absent"),
    "unrecorded": _l("Not recorded"),
    # the steps of a critical contract (projects.STEP_ORDER)
    "warning": _l("Warning"),
    "show_cause": _l("Show-cause meeting"),
    "sp1": _l("First warning letter (SP1)"),
    "sp2": _l("Second warning letter (SP2)"),
    "sp3": _l("Third warning letter (SP3)"),
}


@bp.app_template_filter("kantaya_label")
def kantaya_label(value: str) -> str:
    label = STATE_LABELS.get(value)
    return str(label) if label is not None else value


def _actor() -> Any:
    return current_user.actor


def _allowed(*permissions: str) -> None:
    if not any(_actor().can(p) for p in permissions):
        abort(403)


def _day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return check_query_date(date.fromisoformat(value))
    except ValueError:
        raise InvalidInput(_("Dates are written YYYY-MM-DD.")) from None


def _listing(stmt: Any) -> dict[str, Any]:
    """The requested page of ``stmt`` for a template: items, total, page, per_page."""
    page = page_arg()
    items, total = paginate(get_session(), stmt, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return {"items": items, "total": total, "page": page, "per_page": PER_PAGE, "pages": pages}


def _own_units(permission: str) -> list[OrgUnit]:
    actor = _actor()
    return [u for u in visible_units(get_session(), actor) if actor.can(permission, u)]


# --- daily reports --------------------------------------------------------------------


@bp.route("/")
@login_required
def reports() -> Any:
    """The reporter's and head's page: today's report per unit, recent reports, open tasks."""
    _allowed(*perm.READ)
    db = get_session()
    actor = _actor()
    listing = _listing(services.reports_query(actor))
    tasks = list(db.scalars(services.tasks_query(actor).limit(50)))
    return render_template(
        "kantaya/reports.html",
        follow_ups=list(db.scalars(services.follow_ups_query(actor).limit(50))),
        units=_own_units(perm.REPORT),
        today=regency_today(),
        **listing,
        tasks=tasks,
    )


@bp.route("/reports", methods=["POST"])
@login_required
def draft() -> Any:
    db = get_session()
    report, created = services.draft_report(
        db,
        _actor(),
        unit_code=request.form.get("unit_code", "")[:40],
        day=_day(request.form.get("day"), regency_today()),
    )
    db.commit()
    if not created:
        flash(_("The report of this day already exists: you are editing it."), "info")
    return redirect(url_for("kantaya.report", report_id=report.id))


@bp.route("/reports/<id:report_id>")
@login_required
def report(report_id: int) -> Any:
    db = get_session()
    actor = _actor()
    row = services.get_report(db, actor, report_id)
    return render_template(
        "kantaya/report.html",
        report=row,
        can_edit=actor.can(perm.REPORT, row.unit) and row.status in ("draft", "returned"),
        can_approve=actor.can(perm.APPROVE, row.unit) and row.status == "submitted",
        can_comment=actor.can(perm.MONITOR, row.unit),
        can_report=actor.can(perm.REPORT, row.unit),
    )


@bp.route("/reports/<id:report_id>", methods=["POST"])
@login_required
def save(report_id: int) -> Any:
    db = get_session()
    values = {name: request.form.get(name, "") for name in services.TEXT_FIELDS}
    services.update_report(db, _actor(), report_id, values)
    if request.form.get("then") == "submit":
        services.submit_report(db, _actor(), report_id)
        flash(_("Report submitted to the head of the unit."), "info")
    else:
        flash(_("Report saved."), "info")
    db.commit()
    return redirect(url_for("kantaya.report", report_id=report_id))


@bp.route("/reports/<id:report_id>/decision", methods=["POST"])
@login_required
def decide(report_id: int) -> Any:
    db = get_session()
    if request.form.get("approve") == "1":
        services.approve_report(db, _actor(), report_id)
        flash(_("Report approved."), "info")
    else:
        services.return_report(db, _actor(), report_id, request.form.get("reason", ""))
        flash(_("Report returned to the reporter."), "info")
    db.commit()
    return redirect(url_for("kantaya.report", report_id=report_id))


@bp.route("/reports/<id:report_id>/comments", methods=["POST"])
@login_required
def comment(report_id: int) -> Any:
    db = get_session()
    due = request.form.get("due_on") or None
    services.comment_on(
        db,
        _actor(),
        report_id,
        body=request.form.get("body", ""),
        task=request.form.get("task") == "1",
        due_on=_day(due, regency_today()) if due else None,
    )
    db.commit()
    flash(_("Comment added."), "info")
    return redirect(url_for("kantaya.report", report_id=report_id))


@bp.route("/reports/<id:report_id>/attachments", methods=["POST"])
@login_required
def attach(report_id: int) -> Any:
    db = get_session()
    upload = request.files.get("file")
    # No file reaches the service as an empty one: permissions are checked first.
    data = upload.read(services.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    filename = upload.filename or "" if upload else ""
    services.add_attachment(db, _actor(), report_id, filename=filename, data=data)
    db.commit()
    flash(_("File attached."), "info")
    return redirect(url_for("kantaya.report", report_id=report_id))


@bp.route("/attachments/<id:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Any:
    db = get_session()
    row = db.get(KantayaAttachment, attachment_id)
    if row is None:
        raise NotFound(_("No such file."))
    services.get_report(db, _actor(), row.report_id)  # 404 without read access
    return Response(
        row.data,
        mimetype=row.content_type,
        headers={"Content-Disposition": f'inline; filename="{row.filename}"'},
    )


@bp.route("/tasks/<id:task_id>/done", methods=["POST"])
@login_required
def task_done(task_id: int) -> Any:
    db = get_session()
    row = services.complete_task(db, _actor(), task_id, request.form.get("note", ""))
    db.commit()
    flash(_("Task marked done."), "info")
    return redirect(url_for("kantaya.report", report_id=row.report_id))


# --- the controlling grid -----------------------------------------------------------------


@bp.route("/grid")
@login_required
def grid() -> Any:
    _allowed(*perm.READ)
    today = regency_today()
    month_arg = request.args.get("month", "")
    try:
        month = date.fromisoformat(f"{month_arg}-01") if month_arg else today.replace(day=1)
        check_query_date(month)
    except ValueError:
        raise InvalidInput(_("A month is written YYYY-MM.")) from None
    kind = request.args.get("kind") or None
    found = services.controlling_grid(get_session(), _actor(), month, kind=kind)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return render_template(
        "kantaya/grid.html",
        grid=found,
        kind=kind,
        kinds=settings()["reporting_kinds"],
        previous=previous,
        following=following,
        today=today,
        missing_today=sum(1 for u in found.units if _missing(found, u, today)),
    )


def _missing(found: Any, unit: OrgUnit, day: date) -> bool:
    if day not in found.days:
        return False
    return found.cells[unit.id][found.days.index(day)] == "missing"


# --- outgoing letters ----------------------------------------------------------------------


@bp.route("/letters")
@login_required
def letters() -> Any:
    _allowed(perm.LETTERS)
    db = get_session()
    fmt = download_format()
    if fmt:
        header = [_("Number"), _("Date"), _("Subject"), _("Addressee")]
        table = [
            [x.number, x.created_at.date(), x.subject, x.addressee]
            for x in db.scalars(services.letters_query(_actor()).limit(EXPORT_LIMIT))
        ]
        return table_download("surat-keluar", header, table, fmt)
    listing = _listing(services.letters_query(_actor()))
    items = listing["items"]
    documents = {
        d.id: verify_url(d)
        for d in db.scalars(
            select(IssuedDocument).where(
                IssuedDocument.id.in_([x.document_id for x in items if x.document_id])
            )
        )
    }
    return render_template(
        "kantaya/letters.html",
        **listing,
        documents=documents,
        units=[u for u in _letter_units()],
        grades=GRADES,
        template=settings()["letter_template"],
    )


def _letter_units() -> list[OrgUnit]:
    actor = _actor()
    stmt = select(OrgUnit).where(actor.scope_filter(perm.LETTERS, OrgUnit.path))
    return list(get_session().scalars(stmt.order_by(OrgUnit.code).limit(300)))


@bp.route("/letters", methods=["POST"])
@login_required
def number_letter() -> Any:
    db = get_session()
    letter = services.number_letter(
        db,
        _actor(),
        unit_code=request.form.get("unit_code", "")[:40],
        classification=request.form.get("classification", "")[:30],
        subject=request.form.get("subject", "")[:300],
        addressee=request.form.get("addressee", "")[:300],
        grade=request.form.get("grade", "B")[:4],
        reserve=request.form.get("reserve") == "1",
    )
    db.commit()
    flash(_("Letter number %(number)s.", number=letter.number), "info")
    return redirect(url_for("kantaya.letters"))


# --- drafts: paraf and signature in order, then sent --------------------------------------


@bp.route("/drafts")
@login_required
def drafts() -> Any:
    """Drafts of my letter units and those waiting for my paraf or signature."""
    actor = _actor()
    listing = _listing(services.drafts_query(actor))
    items = listing["items"]
    return render_template(
        "kantaya/drafts.html",
        **listing,
        waiting={d.id: services.next_step(d) for d in items},
        me=actor.user_id,
        units=_letter_units(),
        grades=GRADES,
    )


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.replace(",", " ").split() if c.strip()][:200]


@bp.route("/drafts", methods=["POST"])
@login_required
def draft_create() -> Any:
    db = get_session()
    draft = services.create_draft(
        db,
        _actor(),
        unit_code=request.form.get("unit_code", "")[:40],
        classification=request.form.get("classification", "")[:30],
        grade=request.form.get("grade", "B")[:4],
        subject=request.form.get("subject", ""),
        addressee=request.form.get("addressee", ""),
        body=request.form.get("body", ""),
        chain=_codes(request.form.get("chain", ""))[:8],
        to_units=_codes(request.form.get("to_units", "")),
    )
    db.commit()
    flash(_("Draft saved; it now waits for the first paraf."), "info")
    return redirect(url_for("kantaya.draft_view", draft_id=draft.id))


@bp.route("/drafts/<id:draft_id>")
@login_required
def draft_view(draft_id: int) -> Any:
    db = get_session()
    actor = _actor()
    draft = services.get_draft(db, actor, draft_id)
    waiting = services.next_step(draft)
    document = (
        db.get(IssuedDocument, draft.letter.document_id)
        if draft.letter and draft.letter.document_id
        else None
    )
    return render_template(
        "kantaya/draft.html",
        draft=draft,
        my_turn=waiting is not None and waiting.user_id == actor.user_id,
        waiting=waiting,
        can_send=actor.can(perm.LETTERS, draft.unit) and draft.status == "signed",
        can_edit=actor.can(perm.LETTERS, draft.unit) and not any(s.done_at for s in draft.steps),
        verify=verify_url(document) if document else None,
    )


@bp.route("/drafts/<id:draft_id>", methods=["POST"])
@login_required
def draft_edit(draft_id: int) -> Any:
    db = get_session()
    values = {k: request.form.get(k, "") for k in ("subject", "addressee", "body")}
    services.update_draft(db, _actor(), draft_id, values)
    db.commit()
    flash(_("Draft saved."), "info")
    return redirect(url_for("kantaya.draft_view", draft_id=draft_id))


@bp.route("/drafts/<id:draft_id>/endorse", methods=["POST"])
@login_required
def draft_endorse(draft_id: int) -> Any:
    db = get_session()
    kind = "sign" if request.form.get("kind") == "sign" else "paraf"
    draft = services.endorse(db, _actor(), draft_id, kind=kind, note=request.form.get("note", ""))
    db.commit()
    if draft.letter is not None:
        flash(_("Signed: letter number %(number)s.", number=draft.letter.number), "info")
    else:
        flash(_("Paraf recorded."), "info")
    return redirect(url_for("kantaya.draft_view", draft_id=draft_id))


@bp.route("/drafts/<id:draft_id>/return", methods=["POST"])
@login_required
def draft_return(draft_id: int) -> Any:
    db = get_session()
    services.return_draft(db, _actor(), draft_id, request.form.get("note", ""))
    db.commit()
    flash(_("Draft returned to the secretariat for correction."), "info")
    return redirect(url_for("kantaya.draft_view", draft_id=draft_id))


@bp.route("/drafts/<id:draft_id>/send", methods=["POST"])
@login_required
def draft_send(draft_id: int) -> Any:
    db = get_session()
    services.send_draft(db, _actor(), draft_id)
    db.commit()
    flash(_("Letter sent."), "info")
    return redirect(url_for("kantaya.draft_view", draft_id=draft_id))


@bp.route("/incoming/srikandi", methods=["POST"])
@login_required
def srikandi_import() -> Any:
    db = get_session()
    counts = services.import_from_srikandi(db, _actor(), request.form.get("unit_code", "")[:40])
    db.commit()
    flash(
        _(
            "SRIKANDI: %(imported)d letters registered, %(known)d already known, "
            "%(invalid)d incomplete.",
            **counts,
        ),
        "info",
    )
    return redirect(url_for("kantaya.incoming"))


# --- incoming letters and dispositions -------------------------------------------------------


@bp.route("/incoming")
@login_required
def incoming() -> Any:
    """Letters of my units (register, open) and my disposition inbox."""
    _allowed(*services.UNIT_STAFF)
    db = get_session()
    actor = _actor()
    listing = _listing(services.incoming_query(actor))
    steps = list(db.scalars(services.dispositions_query(actor).limit(50)))
    stmt = select(OrgUnit).where(actor.scope_filter(perm.LETTERS, OrgUnit.path))
    return render_template(
        "kantaya/incoming.html",
        **listing,
        steps=steps,
        units=list(db.scalars(stmt.order_by(OrgUnit.code).limit(300))),
        today=regency_today(),
    )


@bp.route("/incoming", methods=["POST"])
@login_required
def register_incoming() -> Any:
    db = get_session()
    upload = request.files.get("scan")
    scan = upload.read(services.MAX_SCAN_BYTES + 1) if upload and upload.filename else None
    row = services.register_incoming(
        db,
        _actor(),
        unit_code=request.form.get("unit_code", "")[:40],
        sender=request.form.get("sender", ""),
        number=request.form.get("number", ""),
        letter_date=_day(request.form.get("letter_date"), regency_today()),
        subject=request.form.get("subject", ""),
        scan=scan,
    )
    db.commit()
    flash(_("Letter registered."), "info")
    return redirect(url_for("kantaya.incoming_letter", incoming_id=row.id))


@bp.route("/incoming/<id:incoming_id>")
@login_required
def incoming_letter(incoming_id: int) -> Any:
    db = get_session()
    actor = _actor()
    row = services.get_incoming(db, actor, incoming_id)
    stmt = select(OrgUnit).where(actor.scope_filter(perm.DISPOSE, OrgUnit.path))
    return render_template(
        "kantaya/incoming_letter.html",
        letter=row,
        can_dispose=actor.can(perm.DISPOSE, row.unit),
        targets=list(db.scalars(stmt.order_by(OrgUnit.code).limit(300))),
        me=actor.user_id,
    )


@bp.route("/incoming/<id:incoming_id>/scan")
@login_required
def incoming_scan(incoming_id: int) -> Any:
    row = services.get_incoming(get_session(), _actor(), incoming_id)
    if row.scan is None:
        raise NotFound(_("No such file."))
    return Response(row.scan, mimetype=row.scan_type)


def _step_form() -> dict[str, Any]:
    due = request.form.get("due_on") or None
    return {
        "to_unit_code": request.form.get("to_unit_code", "")[:40],
        "to_username": request.form.get("to_username", "")[:80],
        "instruction": request.form.get("instruction", ""),
        "due_on": _day(due, regency_today()) if due else None,
        "copy": request.form.get("copy") == "1",
    }


@bp.route("/incoming/<id:incoming_id>/dispositions", methods=["POST"])
@login_required
def dispose(incoming_id: int) -> Any:
    db = get_session()
    services.dispose(db, _actor(), incoming_id, **_step_form())
    db.commit()
    flash(_("Disposition sent."), "info")
    return redirect(url_for("kantaya.incoming_letter", incoming_id=incoming_id))


@bp.route("/dispositions/<id:step_id>")
@login_required
def disposition(step_id: int) -> Any:
    db = get_session()
    actor = _actor()
    step = services.get_disposition(db, actor, step_id)
    db.commit()  # opening it marks it read
    stmt = select(OrgUnit).where(OrgUnit.path.startswith(step.to_unit.path, autoescape=True))
    return render_template(
        "kantaya/disposition.html",
        step=step,
        recipient=services.is_recipient(actor, step),
        can_forward=actor.can(perm.DISPOSE, step.to_unit),
        targets=list(db.scalars(stmt.order_by(OrgUnit.code).limit(300))),
    )


@bp.route("/dispositions/<id:step_id>/forward", methods=["POST"])
@login_required
def forward(step_id: int) -> Any:
    db = get_session()
    services.forward(db, _actor(), step_id, **_step_form())
    db.commit()
    flash(_("Disposition forwarded."), "info")
    return redirect(url_for("kantaya.disposition", step_id=step_id))


@bp.route("/dispositions/<id:step_id>/recall", methods=["POST"])
@login_required
def recall(step_id: int) -> Any:
    db = get_session()
    step = services.recall(db, _actor(), step_id)
    db.commit()
    flash(_("Disposition recalled."), "info")
    return redirect(url_for("kantaya.incoming_letter", incoming_id=step.incoming_id))


@bp.route("/dispositions/<id:step_id>/done", methods=["POST"])
@login_required
def disposition_done(step_id: int) -> Any:
    db = get_session()
    services.complete(db, _actor(), step_id, request.form.get("note", ""))
    db.commit()
    flash(_("Disposition done."), "info")
    return redirect(url_for("kantaya.disposition", step_id=step_id))


# --- projects ----------------------------------------------------------------------------------


@bp.route("/projects")
@login_required
def projects() -> Any:
    """The regency-wide table, most behind plan first (sortable), and a small map link per row."""
    _allowed(perm.PROJECTS, perm.MONITOR)
    order = request.args.get("order", "deviation")
    critical = {"1": True, "0": False}.get(request.args.get("critical", ""))
    stmt = services.projects_query(_actor(), critical=critical, order=order)
    listing = _listing(stmt)
    return render_template(
        "kantaya/projects.html",
        **listing,
        order=order,
        critical=request.args.get("critical", ""),
    )


@bp.route("/projects/map")
@login_required
def project_map() -> Any:
    """Projects by their coordinates: a scatter drawn in SVG (no map tiles), and the list."""
    _allowed(perm.PROJECTS, perm.MONITOR)
    points = services.map_points(get_session(), _actor())
    return render_template(
        "kantaya/project_map.html", placed=services.scatter(points), width=640, height=480
    )


@bp.route("/progress/<id:progress_id>/photo")
@login_required
def progress_photo(progress_id: int) -> Any:
    db = get_session()
    row = db.get(KantayaProgress, progress_id)
    if row is None or row.photo is None:
        raise NotFound(_("No such file."))
    services.get_project(db, _actor(), row.project_id)  # 404 without read access
    mimetype = "image/png" if row.photo.startswith(b"\x89PNG") else "image/jpeg"
    return Response(row.photo, mimetype=mimetype)


@bp.route("/projects/<id:project_id>")
@login_required
def project(project_id: int) -> Any:
    row = services.get_project(get_session(), _actor(), project_id)
    return render_template(
        "kantaya/project.html",
        project=row,
        chart=_chart(row),
        can_edit=_actor().can(perm.PROJECTS, row.unit),
        next_step=next(
            (k for k in services.STEP_ORDER if k not in {s.kind for s in row.steps}), None
        ),
        today=regency_today(),
    )


def _chart(row: Any, width: int = 600, height: int = 240) -> dict[str, str]:
    """Polyline points (SVG) of the planned S-curve and the actual progress."""
    weeks = max(1, len(row.plan))

    def point(week: float, pct: float) -> str:
        return (
            f"{30 + week / weeks * (width - 40):.1f},{height - 20 - pct / 100 * (height - 30):.1f}"
        )

    plan = [point(0, 0)] + [point(i + 1, p) for i, p in enumerate(row.plan)]
    actual = [point(0, 0)] + [
        point((p.week_on - row.start_on).days / 7, p.physical_pct) for p in row.progress
    ]
    return {"plan": " ".join(plan), "actual": " ".join(actual)}


@bp.route("/projects/<id:project_id>/progress", methods=["POST"])
@login_required
def project_progress(project_id: int) -> Any:
    db = get_session()
    upload = request.files.get("photo")
    photo = upload.read(services.MAX_ATTACHMENT_BYTES + 1) if upload and upload.filename else None
    try:
        pct = float(request.form.get("physical_pct", "").replace(",", "."))
        financial = int(request.form.get("financial", "").replace(".", "") or "x")
    except ValueError:
        raise InvalidInput(_("Progress is a percentage and rupiah a whole number.")) from None
    services.record_progress(
        db,
        _actor(),
        project_id,
        week_on=_day(request.form.get("week_on"), regency_today()),
        physical_pct=pct,
        financial=financial,
        reason=request.form.get("reason", ""),
        photo=photo,
    )
    db.commit()
    flash(_("Progress recorded."), "info")
    return redirect(url_for("kantaya.project", project_id=project_id))


@bp.route("/projects/<id:project_id>/steps", methods=["POST"])
@login_required
def project_step(project_id: int) -> Any:
    db = get_session()
    services.record_step(
        db,
        _actor(),
        project_id,
        kind=request.form.get("kind", "")[:12],
        on=_day(request.form.get("on"), regency_today()),
        note=request.form.get("note", ""),
    )
    db.commit()
    flash(_("Step recorded."), "info")
    return redirect(url_for("kantaya.project", project_id=project_id))


# --- agenda ------------------------------------------------------------------------------------


@bp.route("/agenda")
@login_required
def agenda() -> Any:
    """My events (led or invited), answers, and my calendar feed address."""
    db = get_session()
    actor = _actor()
    events = services.my_events(db, actor.user_id or -1)
    mine = {i.event_id: i for e in events for i in e.invitations if i.user_id == actor.user_id}
    stmt = select(OrgUnit).where(actor.scope_filter(perm.AGENDA, OrgUnit.path))
    return render_template(
        "kantaya/agenda.html",
        events=events,
        mine=mine,
        feed_url=request.args.get("feed"),
        agenda_units=list(db.scalars(stmt.order_by(OrgUnit.code).limit(300))),
        kept=list(db.scalars(services.kept_events_query(actor).limit(50))),
    )


@bp.route("/agenda/<id:event_id>/rsvp", methods=["POST"])
@login_required
def agenda_rsvp(event_id: int) -> Any:
    db = get_session()
    services.rsvp(
        db,
        _actor(),
        event_id,
        answer=request.form.get("answer", "")[:10],
        delegate=request.form.get("delegate", ""),
    )
    db.commit()
    flash(_("Answer sent."), "info")
    return redirect(url_for("kantaya.agenda"))


@bp.route("/agenda/<id:event_id>")
@login_required
def agenda_event(event_id: int) -> Any:
    """The agenda keeper's page of an event: attendance, minutes and follow-up tasks."""
    db = get_session()
    event = services.get_event(db, _actor(), event_id)
    return render_template(
        "kantaya/event.html",
        event=event,
        minutes=services.minutes_of(db, event.id),
        follow_ups=services.follow_ups_of(db, event.id),
        attendance=services.ATTENDANCE,
        today=regency_today(),
    )


@bp.route("/agenda/<id:event_id>/attendance", methods=["POST"])
@login_required
def agenda_attendance(event_id: int) -> Any:
    db = get_session()
    services.record_attendance(
        db,
        _actor(),
        event_id,
        username=request.form.get("username", "")[:80],
        attendance=request.form.get("attendance", "")[:10],
        delegate=request.form.get("delegate", ""),
    )
    db.commit()
    flash(_("Attendance recorded."), "info")
    return redirect(url_for("kantaya.agenda_event", event_id=event_id))


@bp.route("/agenda/<id:event_id>/minutes", methods=["POST"])
@login_required
def agenda_minutes(event_id: int) -> Any:
    db = get_session()
    follow_ups = []
    if request.form.get("task_body", "").strip():
        due = request.form.get("task_due") or None
        follow_ups.append(
            {
                "unit_code": request.form.get("task_unit", "")[:40],
                "username": request.form.get("task_user", "")[:80],
                "body": request.form.get("task_body", ""),
                "due_on": _day(due, regency_today()) if due else None,
            }
        )
    services.write_minutes(
        db, _actor(), event_id, body=request.form.get("body", ""), follow_ups=follow_ups
    )
    db.commit()
    flash(_("Minutes saved."), "info")
    return redirect(url_for("kantaya.agenda_event", event_id=event_id))


@bp.route("/follow-ups/<id:follow_up_id>/done", methods=["POST"])
@login_required
def follow_up_done(follow_up_id: int) -> Any:
    db = get_session()
    services.complete_follow_up(db, _actor(), follow_up_id, request.form.get("note", ""))
    db.commit()
    flash(_("Task marked done."), "info")
    return redirect(url_for("kantaya.reports"))


@bp.route("/agenda/unit-feed", methods=["POST"])
@login_required
def agenda_unit_feed() -> Any:
    db = get_session()
    unit_code = request.form.get("unit_code", "")[:40]
    if request.form.get("revoke") == "1":
        services.revoke_unit_feed(db, _actor(), unit_code)
        db.commit()
        flash(_("Calendar address revoked."), "info")
        return redirect(url_for("kantaya.agenda"))
    token = services.new_unit_feed(db, _actor(), unit_code)
    db.commit()
    url = url_for("kantaya.calendar_feed", token=token, _external=True)
    flash(_("The unit's new calendar address (keep it secret): %(url)s", url=url), "info")
    return redirect(url_for("kantaya.agenda"))


@bp.route("/agenda/feed", methods=["POST"])
@login_required
def agenda_feed() -> Any:
    db = get_session()
    if request.form.get("revoke") == "1":
        services.revoke_feed(db, _actor())
        db.commit()
        flash(_("Calendar address revoked."), "info")
        return redirect(url_for("kantaya.agenda"))
    token = services.new_feed_token(db, _actor())
    db.commit()
    url = url_for("kantaya.calendar_feed", token=token, _external=True)
    flash(_("Your new calendar address (keep it secret): %(url)s", url=url), "info")
    return redirect(url_for("kantaya.agenda"))


@bp.route("/calendar/<string:token>.ics")
@public_rate_limited
def calendar_feed(token: str) -> Any:
    """The iCalendar feed behind an unguessable, revocable address (for calendar clients)."""
    body = services.feed(get_session(), token[:100])
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private"})


@bp.route("/dashboard")
@login_required
def dashboard() -> Any:
    """The leader dashboard: today's figures for the leader's units, light enough for a phone."""
    _allowed(perm.MONITOR)
    board = services.leader_dashboard(get_session(), _actor(), regency_today())
    peak = max([n for _d, n in board.week] + [1])
    return render_template("kantaya/dashboard.html", board=board, peak=peak)


# --- forum ---------------------------------------------------------------------------------------


@bp.route("/forum")
@login_required
def forum() -> Any:
    _allowed(*perm.ANY)
    db = get_session()
    actor = _actor()
    query = request.args.get("q", "").strip()[:200]
    found = services.search(db, actor, query) if query else None
    listing = _listing(services.threads_query(actor))
    units = [
        u
        for u in db.scalars(select(OrgUnit).where(OrgUnit.depth <= 1).order_by(OrgUnit.code))
        if services.forum_writable(actor, u)
    ]
    return render_template(
        "kantaya/forum.html",
        **listing,
        query=query,
        found=found,
        units=units,
    )


@bp.route("/forum", methods=["POST"])
@login_required
def forum_open() -> Any:
    db = get_session()
    thread = services.open_thread(
        db,
        _actor(),
        unit_code=request.form.get("unit_code", "")[:40],
        topic=request.form.get("topic", "")[:60],
        title=request.form.get("title", ""),
        body=request.form.get("body", ""),
    )
    db.commit()
    return redirect(url_for("kantaya.forum_thread", thread_id=thread.id))


@bp.route("/forum/<id:thread_id>")
@login_required
def forum_thread(thread_id: int) -> Any:
    actor = _actor()
    thread = services.get_thread(get_session(), actor, thread_id)
    return render_template(
        "kantaya/thread.html",
        thread=thread,
        moderator=actor.can(perm.FORUM_MODERATE, thread.unit),
    )


@bp.route("/forum/<id:thread_id>/reply", methods=["POST"])
@login_required
def forum_reply(thread_id: int) -> Any:
    db = get_session()
    services.reply(db, _actor(), thread_id, request.form.get("body", ""))
    db.commit()
    return redirect(url_for("kantaya.forum_thread", thread_id=thread_id))


@bp.route("/forum/<id:thread_id>/moderation", methods=["POST"])
@login_required
def forum_moderate(thread_id: int) -> Any:
    db = get_session()
    flags = {"1": True, "0": False}
    services.moderate_thread(
        db,
        _actor(),
        thread_id,
        locked=flags.get(request.form.get("locked", "")),
        hidden=flags.get(request.form.get("hidden", "")),
    )
    db.commit()
    flash(_("Thread updated."), "info")
    return redirect(url_for("kantaya.forum_thread", thread_id=thread_id))


@bp.route("/letters/check")
@public_rate_limited
def letter_check() -> Any:
    """Public: is an outgoing letter with this number registered? (No subject or addressee.)"""
    number = request.args.get("number", "").strip()[:60]
    found = services.letter_by_number(get_session(), number) if number else None
    return render_template("kantaya/letter_check.html", number=number, letter=found)

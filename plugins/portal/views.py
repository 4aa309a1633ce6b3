"""The portal's pages: the public website (home, news, profile, areas, services, complaints,
JDIH) and the staff pages (editor, complaint handling)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pamong.plugin import (
    Actor,
    InvalidInput,
    NotFound,
    PamongError,
    _,
    get_session,
    page_arg,
    paginate,
    public_rate_limited,
    regency_today,
    survey_url,
)
from pamong_plugins.portal import complaints, content, legal
from pamong_plugins.portal.api import act
from pamong_plugins.portal.permissions import COMPLAINTS, FILE_FOR_CITIZEN, LEGAL, PUBLISH

bp = Blueprint("portal", __name__, template_folder="templates", static_folder="static")
PER_PAGE = 20
#: The honeypot field of the complaint form: people leave it empty, bots fill it in.
HONEYPOT = "website"


def _actor() -> Actor:
    return current_user.actor


@bp.app_context_processor
def _portal_helpers() -> dict[str, Any]:
    return {
        "portal_paragraphs": content.paragraphs,
        "portal_kinds": complaints.KINDS,
        "portal_categories": complaints.CATEGORIES,
        "portal_category_label": lambda code: str(
            getattr(complaints.CATEGORY.get(code), "label", code)
        ),
        "portal_stage_label": lambda code: str(
            getattr(complaints.COMPLAINT_FILE.stage(code), "label", code)
        ),
        "portal_legal_types": legal.TYPES,
        "portal_legal_statuses": legal.STATUSES,
        "portal_legal_title": legal.full_title,
        "portal_profile_pages": lambda: content.pages(get_session()),
    }


# --- public ---------------------------------------------------------------------------


@bp.route("/")
@public_rate_limited
def home() -> Any:
    """The regency's home page: figures, news, announcements, services, plugins' widgets."""
    db = get_session()
    news, _total = content.public_posts(db, kind="news", limit=4)
    notices, _total = content.public_posts(db, kind="announcement", limit=4)
    figures = content.public_figures(db)
    return render_template(
        "portal/home.html",
        news=news,
        notices=notices,
        figures=figures,
        services=content.public_services(db)[:8],
        widgets=content.widgets(db),
        complaint_stats=complaints.statistics(db),
    )


@bp.route("/news")
@public_rate_limited
def news() -> Any:
    page = page_arg()
    posts, total = content.public_posts(get_session(), limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template(
        "portal/news.html", posts=posts, page=page, pages=max(1, -(-total // PER_PAGE))
    )


@bp.route("/news/<slug>")
@public_rate_limited
def news_item(slug: str) -> Any:
    return render_template("portal/news_item.html", post=content.public_post(get_session(), slug))


@bp.route("/profile/<slug>")
@public_rate_limited
def profile(slug: str) -> Any:
    return render_template("portal/profile.html", page=content.page(get_session(), slug))


@bp.route("/areas")
@public_rate_limited
def areas() -> Any:
    return render_template(
        "portal/areas.html", figures=content.public_figures(get_session()), small=content.SMALL_CELL
    )


@bp.route("/areas/<code>")
@public_rate_limited
def area(code: str) -> Any:
    unit, villages, figures = content.directory(get_session(), code)
    return render_template(
        "portal/area.html", unit=unit, villages=villages, figures=figures, small=content.SMALL_CELL
    )


@bp.route("/services")
@public_rate_limited
def services() -> Any:
    found = content.public_services(get_session())
    groups: dict[str, list[Any]] = {}
    for service in found:
        groups.setdefault(service.category, []).append(service)
    return render_template("portal/services.html", groups=groups)


@bp.route("/complaints/new", methods=["GET", "POST"])
@public_rate_limited
def complaint_new() -> Any:
    """The complaint form (no account needed); counter officers file for a citizen here too."""
    db = get_session()
    counter = current_user.is_authenticated and _actor().can(FILE_FOR_CITIZEN)
    if request.method == "GET":
        return render_template("portal/complaint_form.html", form={}, counter=counter)
    form = request.form
    if form.get(HONEYPOT):
        abort(400)
    try:
        complaint, code = complaints.submit(
            db,
            _actor() if counter else Actor.system("portal public form"),
            kind=form.get("kind", ""),
            category=form.get("category", ""),
            title=form.get("title", ""),
            body=form.get("body", ""),
            desa_code=form.get("desa_code", "").strip(),
            latitude=_float(form.get("latitude")),
            longitude=_float(form.get("longitude")),
            name=form.get("name", ""),
            phone=form.get("phone", ""),
            email=form.get("email", ""),
            anonymous=bool(form.get("anonymous")),
            confidential=bool(form.get("confidential")),
            publish_consent=bool(form.get("publish_consent")),
            channel="counter" if counter and form.get("on_behalf") else "web",
            today=regency_today(),
        )
        photos = []
        for upload in request.files.getlist("photo"):
            with upload.stream as stream:  # closed at once: an upload may be a temporary file
                photos.append(stream.read(complaints.MAX_PHOTO_BYTES + 1))
        complaints.attach_photos(db, complaint, [p for p in photos if p])
    except InvalidInput as error:
        db.rollback()
        return render_template(
            "portal/complaint_form.html", form=form, error=error.detail, counter=counter
        ), 422
    db.commit()
    return render_template("portal/complaint_receipt.html", complaint=complaint, code=code)


def _float(value: str | None) -> float | None:
    if not value or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(_("The map point is not valid."), field="latitude") from None


@bp.route("/complaints/mine", methods=["GET", "POST"])
@public_rate_limited
def complaint_mine() -> Any:
    """The citizen's own report, with its answers and the rating form (number + access code)."""
    if request.method == "GET":
        return render_template("portal/complaint_mine.html", complaint=None)
    db = get_session()
    number = request.form.get("number", "").strip().upper()[:20]
    code = request.form.get("code", "")
    try:
        if request.form.get("rating"):
            try:
                rating = int(request.form["rating"])
            except ValueError:
                raise InvalidInput(_("The rating is 1 to 5."), field="rating") from None
            complaints.rate(
                db,
                Actor.system("portal citizen"),
                number,
                code,
                rating,
                reopen=bool(request.form.get("reopen")),
                reason=request.form.get("reason", ""),
            )
            db.commit()
            flash(_("Thank you for your rating."), "info")
        complaint = complaints.citizen_view(db, number, code)
    except PamongError as error:
        db.rollback()
        return render_template(
            "portal/complaint_mine.html", complaint=None, error=error.detail, number=number
        ), error.status
    survey = complaints.survey_of(db, complaint)
    return render_template(
        "portal/complaint_mine.html",
        complaint=complaint,
        code=code,
        survey_url=survey_url(survey) if survey and not survey.answered_at else "",
    )


@bp.route("/answers")
@public_rate_limited
def answers() -> Any:
    page = page_arg()
    rows, total = complaints.published(get_session(), limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template(
        "portal/answers.html", rows=rows, page=page, pages=max(1, -(-total // PER_PAGE))
    )


@bp.route("/complaints/statistics")
@public_rate_limited
def complaint_statistics() -> Any:
    return render_template(
        "portal/complaint_stats.html", stats=complaints.statistics(get_session())
    )


@bp.route("/jdih")
@public_rate_limited
def jdih() -> Any:
    """Regional regulations and decrees: full-text search and filters."""
    args = request.args
    page = page_arg()
    doc_type = args.get("type", "") if args.get("type", "") in legal.TYPES else ""
    status = args.get("status", "") if args.get("status", "") in legal.STATUSES else ""
    year = args.get("year", "")
    docs, total = legal.search(
        get_session(),
        args.get("q", "")[:200],
        doc_type=doc_type,
        status=status,
        year=int(year) if year.isdigit() and len(year) == 4 else None,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    return render_template(
        "portal/jdih.html",
        docs=docs,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        q=args.get("q", "")[:200],
        doc_type=doc_type,
        status=status,
        year=year[:4],
    )


@bp.route("/jdih/<id:doc_id>")
@public_rate_limited
def jdih_document(doc_id: int) -> Any:
    db = get_session()
    doc = legal.get_document(db, doc_id)
    links = {
        "amends": db.get(type(doc), doc.amends_id) if doc.amends_id else None,
        "revokes": db.get(type(doc), doc.revokes_id) if doc.revokes_id else None,
        "changed_by": legal.changed_by(db, doc),
    }
    return render_template("portal/jdih_document.html", doc=doc, **links)


@bp.route("/jdih/<id:doc_id>/download")
@public_rate_limited
def jdih_download(doc_id: int) -> Any:
    """The document's PDF, or its text when no PDF was uploaded (counted)."""
    db = get_session()
    doc = legal.get_document(db, doc_id)
    legal.count_download(db, doc)
    db.commit()
    pdf = legal.pdf_of(db, doc)
    headers = {"Content-Disposition": f'attachment; filename="{legal.download_name(doc)}"'}
    if pdf is not None:
        return Response(pdf, mimetype="application/pdf", headers=headers)
    body = f"{legal.full_title(doc)}\n\n{doc.abstract}\n\n{doc.body_text}\n"
    return Response(body, mimetype="text/plain; charset=utf-8", headers=headers)


# --- staff ----------------------------------------------------------------------------


@bp.route("/staff/complaints")
@login_required
def staff_complaints() -> Any:
    """Reports routed to the handler's units, oldest due first."""
    if not _actor().can(COMPLAINTS):
        abort(403)
    status = request.args.get("status") or None
    if status and status not in complaints.RANK:
        status = None
    page = page_arg()
    rows, total = paginate(
        get_session(), complaints.handling_query(_actor(), status=status), page, PER_PAGE
    )
    return render_template(
        "portal/staff_complaints.html",
        rows=rows,
        status=status,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        today=regency_today(),
        reporter=complaints.masked_reporter,
    )


@bp.route("/staff/complaints/<number>", methods=["GET", "POST"])
@login_required
def staff_complaint(number: str) -> Any:
    db = get_session()
    if request.method == "POST":
        data = {
            key: request.form.get(key, "")
            for key in ("action", "unit_code", "reason", "to", "body")
        }
        answer_id = request.form.get("answer_id", "")
        data["answer_id"] = int(answer_id) if answer_id.isdigit() else None
        if data["action"] not in ("verify", "postpone", "archive", "forward", "answer", "hide"):
            abort(400)
        try:
            act(db, _actor(), number, data)
        except PamongError as error:
            db.rollback()
            if isinstance(error, NotFound):
                raise
            flash(error.detail, "error")
            return redirect(url_for("portal.staff_complaint", number=number))
        db.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("portal.staff_complaint", number=number))
    complaint = complaints.get_for_staff(db, _actor(), number)
    reporter = complaints.reporter_of(db, _actor(), complaint)
    db.commit()
    return render_template(
        "portal/staff_complaint.html",
        complaint=complaint,
        reporter=reporter,
        masked=complaints.masked_reporter(complaint),
    )


@bp.route("/staff/complaints/<number>/photos/<id:photo_id>")
@login_required
def staff_photo(number: str, photo_id: int) -> Any:
    """A photo of a report, for its handlers only (never cached by a shared proxy)."""
    data = complaints.photo_for_staff(get_session(), _actor(), number, photo_id)
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.route("/staff/news", methods=["GET", "POST"])
@login_required
def staff_news() -> Any:
    """The public-relations editor: drafts, publish dates, images with their description."""
    db = get_session()
    if not _actor().can(PUBLISH):
        abort(403)
    editing = None
    if request.method == "POST":
        form = request.form
        post_id = form.get("post_id", "")
        try:
            content.save_post(
                db,
                _actor(),
                post_id=int(post_id) if post_id.isdigit() else None,
                title=form.get("title", ""),
                summary=form.get("summary", ""),
                body=form.get("body", ""),
                kind=form.get("kind", "news"),
                image_url=form.get("image_url", ""),
                image_alt=form.get("image_alt", ""),
                publish=bool(form.get("publish")),
            )
        except PamongError as error:
            db.rollback()
            flash(error.detail, "error")
            return render_template(
                "portal/staff_news.html", posts=content.all_posts(db, _actor()), editing=form
            ), 422
        db.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("portal.staff_news"))
    edit = request.args.get("edit", "")
    if edit.isdigit():
        editing = next((p for p in content.all_posts(db, _actor()) if p.id == int(edit)), None)
    return render_template(
        "portal/staff_news.html", posts=content.all_posts(db, _actor()), editing=editing
    )


@bp.route("/staff/pages", methods=["GET", "POST"])
@login_required
def staff_pages() -> Any:
    """Profile pages (history, vision and mission, leaders, organisation): drafts, publish."""
    db = get_session()
    if not _actor().can(PUBLISH):
        abort(403)
    if request.method == "POST":
        form = request.form
        weight = form.get("weight", "100")
        try:
            content.save_page(
                db,
                _actor(),
                form.get("slug", "").strip(),
                form.get("title", ""),
                form.get("body", ""),
                int(weight) if weight.isdigit() else -1,
                publish=bool(form.get("publish")),
            )
        except PamongError as error:
            db.rollback()
            flash(error.detail, "error")
            return render_template(
                "portal/staff_pages.html", pages=content.all_pages(db, _actor()), editing=form
            ), 422
        db.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("portal.staff_pages"))
    everything = content.all_pages(db, _actor())
    edit = request.args.get("edit", "")
    editing = next((p for p in everything if p.slug == edit), None)
    return render_template("portal/staff_pages.html", pages=everything, editing=editing)


def _form_date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("The date is not valid."), field=field) from None


def _save_legal_form(db: Any, form: Any) -> Any:
    doc_id = form.get("doc_id", "")
    year = form.get("year", "")
    doc = legal.save_document(
        db,
        _actor(),
        doc_id=int(doc_id) if doc_id.isdigit() else None,
        doc_type=form.get("doc_type", ""),
        number=form.get("number", ""),
        year=int(year) if year.isdigit() else 0,
        title=form.get("title", ""),
        subject=form.get("subject", ""),
        field_of_law=form.get("field_of_law", ""),
        enacted_on=_form_date(form.get("enacted_on"), "enacted_on"),
        promulgated_on=_form_date(form.get("promulgated_on"), "promulgated_on"),
        place=form.get("place", ""),
        abstract=form.get("abstract", ""),
        body_text=form.get("body_text", ""),
        amends=form.get("amends", "").strip(),
        revokes=form.get("revokes", "").strip(),
        publish=bool(form.get("publish")),
    )
    upload = request.files.get("pdf")
    if upload is not None and upload.filename:
        legal.attach_pdf(db, _actor(), doc.id, upload.read(legal.MAX_PDF_BYTES + 1))
    return doc


@bp.route("/staff/legal", methods=["GET", "POST"])
@login_required
def staff_legal() -> Any:
    """JDIH documents: record, edit, attach the PDF, keep drafts, publish."""
    db = get_session()
    if not _actor().can(LEGAL):
        abort(403)
    if request.method == "POST":
        try:
            _save_legal_form(db, request.form)
        except PamongError as error:
            db.rollback()
            flash(error.detail, "error")
            return render_template(
                "portal/staff_legal.html",
                docs=legal.all_documents(db, _actor()),
                editing=request.form,
                ref_of=legal.ref_of,
                links={},
            ), 422
        db.commit()
        flash(_("Saved."), "info")
        return redirect(url_for("portal.staff_legal"))
    docs = legal.all_documents(db, _actor())
    edit = request.args.get("edit", "")
    editing = next((d for d in docs if edit.isdigit() and d.id == int(edit)), None)
    by_id = {d.id: d for d in docs}
    links = {}
    if editing is not None:
        links = {
            key: legal.ref_of(by_id[target])
            for key, target in (("amends", editing.amends_id), ("revokes", editing.revokes_id))
            if target in by_id
        }
    return render_template(
        "portal/staff_legal.html", docs=docs, editing=editing, ref_of=legal.ref_of, links=links
    )

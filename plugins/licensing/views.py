"""Pages of the one-stop office: staff worklist and steps, the applicant portal, reports.

Staff pages sit behind the core login and check ``licensing.*`` permissions
at the file's unit. Applicant pages use a separate session key
(``licensing_applicant``): applicants are not staff users and hold no grants.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pamong.plugin import (
    EXPORT_LIMIT,
    MAX_QUERY_DATE,
    MIN_QUERY_DATE,
    InvalidInput,
    NotFound,
    PamongError,
    TrackedItem,
    Unauthorized,
    User,
    _,
    clean_filename,
    download_format,
    get_session,
    login_throttle,
    page_arg,
    paginate,
    plugin_settings,
    public_rate_limited,
    qr_svg,
    regency_today,
    table_download,
)
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing import services
from pamong_plugins.licensing.applicant_codes import send_verification
from pamong_plugins.licensing.catalogue import parse_catalogue_file
from pamong_plugins.licensing.ikm import RULES
from pamong_plugins.licensing.models import Applicant, Application, Permit, Upload
from pamong_plugins.licensing.permit_pdf import permit_pdf as permit_pdf_bytes
from pamong_plugins.licensing.stats import ikm_report, statistics_for

bp = Blueprint("licensing", __name__, url_prefix="/licensing", template_folder="templates")
PER_PAGE = 30
APPLICANT_KEY = "licensing_applicant"


def _settings() -> dict[str, Any]:
    return plugin_settings("licensing")


def _max_upload() -> int:
    return int(_settings().get("max_upload_kb", 2048)) * 1024


def _public_url() -> str:
    return str(_settings().get("public_url") or request.url_root).rstrip("/")


def _actor() -> Any:
    return current_user.actor


def _staff(permission: str) -> None:
    if not current_user.can(permission):
        abort(403)


def _files(requirements: list[str]) -> list[services.FileUpload]:
    uploads = []
    for index, requirement in enumerate(requirements):
        storage = request.files.get(f"doc_{index}")
        if storage and storage.filename:
            name = clean_filename(storage.filename)
            uploads.append(services.FileUpload(requirement, name, storage.read()))
    return uploads


def _int_arg(value: str | None, default: int = 1) -> int:
    try:
        return int(value or default)
    except ValueError:
        raise InvalidInput(_("A whole number is needed."), slug="invalid-number") from None


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    try:
        day = date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    return day if MIN_QUERY_DATE <= day <= MAX_QUERY_DATE else default


# --- catalogue (public) ---------------------------------------------------------------


@bp.route("/catalogue")
def catalogue() -> Any:
    db = get_session()
    today = regency_today()
    types = services.service_types(db, active_only=not current_user.can(perm.ADMIN))
    return render_template(
        "licensing/catalogue.html",
        types=types,
        today=today,
        can_admin=current_user.can(perm.ADMIN),
    )


@bp.route("/admin/types/new", methods=["GET", "POST"])
@bp.route("/admin/types/<id:type_id>", methods=["GET", "POST"])
@login_required
def edit_type(type_id: int | None = None) -> Any:
    _staff(perm.ADMIN)
    db = get_session()
    stype = services.get_service_type(db, type_id) if type_id else None
    if request.method == "POST":
        form = request.form
        data = {key: form.get(key, "") for key in form}
        data["stages"] = form.getlist("stages")
        for flag in ("is_permit", "renewable", "active"):
            data[flag] = flag in form
        stype = services.save_service_type(db, _actor(), data, stype)
        db.commit()
        flash(_("Service %(name)s saved.", name=stype.name), "info")
        return redirect(url_for("licensing.edit_type", type_id=stype.id))
    return render_template(
        "licensing/type_form.html",
        stype=stype,
        today=regency_today(),
        kecamatan=services.kecamatan_units(db),
    )


@bp.route("/admin/types/<id:type_id>/delegations", methods=["POST"])
@login_required
def add_delegation(type_id: int) -> Any:
    _staff(perm.ADMIN)
    db = get_session()
    stype = services.get_service_type(db, type_id)
    try:
        effective = date.fromisoformat(request.form.get("effective_on", ""))
    except ValueError:
        raise InvalidInput(
            _("Give the date the delegation takes effect."), slug="invalid-date"
        ) from None
    services.add_delegation(
        db,
        _actor(),
        stype,
        decree_number=request.form.get("decree_number", ""),
        effective_on=effective,
        level=request.form.get("level", "kecamatan"),
        kecamatan=services.kecamatan_by_code(db, request.form.get("kecamatan", "")),
    )
    db.commit()
    flash(_("Delegation recorded."), "info")
    return redirect(url_for("licensing.edit_type", type_id=stype.id))


@bp.route("/admin/import", methods=["POST"])
@login_required
def import_catalogue() -> Any:
    _staff(perm.ADMIN)
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        raise InvalidInput(_("Choose a CSV or JSON file."), slug="invalid-import")
    rows = parse_catalogue_file(storage.filename, storage.read())
    db = get_session()
    count = services.import_catalogue(db, _actor(), rows)
    db.commit()
    flash(_("%(count)d services imported.", count=count), "info")
    return redirect(url_for("licensing.catalogue"))


# --- staff: worklist, intake, file --------------------------------------------------


@bp.route("/")
@login_required
def worklist() -> Any:
    _staff(perm.VIEW)
    db = get_session()
    stage = request.args.get("stage", "")
    if stage and perm.LICENSE_FILE.stage(stage) is None:
        stage = ""
    open_only = request.args.get("open", "1") == "1"
    stmt = services.applications_query(_actor(), stage=stage, open_only=open_only)
    today = regency_today()
    fmt = download_format()
    if fmt:
        files = [(a, services.sla_of(a, today)) for a in db.scalars(stmt.limit(EXPORT_LIMIT))]
        return table_download("izin-berkas", *_worklist_table(files), fmt)
    page = page_arg()
    rows, total = paginate(db, stmt, page, PER_PAGE)
    return render_template(
        "licensing/worklist.html",
        rows=[(a, services.sla_of(a, today)) for a in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        stage=stage,
        open_only=open_only,
        stages=perm.LICENSE_FILE.stages,
    )


def _worklist_table(files: list[tuple[Any, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The worklist's header and rows for a download, as the page shows them."""
    header = [_("Number"), _("Service"), _("Applicant"), _("Unit"), _("Stage"), _("Due")]
    header.append(_("Days left"))
    rows = [
        [
            a.number,
            a.service_type.name,
            a.applicant.name,
            a.org_unit.name,
            _stage_label(a.stage),
            sla.due_on,
            None if sla.finished else sla.days_left,
        ]
        for a, sla in files
    ]
    return header, rows


@bp.route("/new", methods=["GET", "POST"])
@login_required
def intake() -> Any:
    _staff(perm.INTAKE)
    db = get_session()
    types = services.service_types(db, active_only=True)
    chosen = None
    code = request.values.get("type", "")
    if code:
        chosen = next((t for t in types if t.code == code), None)
    if request.method == "POST" and chosen is not None:
        form = request.form
        applicant = services.counter_applicant(db, _actor(), form)
        application = services.submit_application(
            db,
            _actor(),
            service_type=chosen,
            applicant=applicant,
            area_code=form.get("area_code", ""),
            description=form.get("description", ""),
            quantity=_int_arg(form.get("quantity")),
            uploads=_files(chosen.requirements),
            checked=form.getlist("checked"),
            channel="counter",
            office_code=_settings().get("office_unit", ""),
            max_upload_bytes=_max_upload(),
        )
        db.commit()
        flash(_("File %(number)s received.", number=application.number), "info")
        return redirect(url_for("licensing.receipt", application_id=application.id))
    return render_template(
        "licensing/intake.html",
        types=types,
        chosen=chosen,
        kecamatan=services.kecamatan_units(db),
        desa=services.desa_units(db),
        area=request.form.get("area_code", ""),
        today=regency_today(),
    )


@bp.route("/files/<id:application_id>")
@login_required
def file(application_id: int) -> Any:
    _staff(perm.VIEW)
    db = get_session()
    application = services.get_application(
        db, _actor(), application_id, purpose="licensing.application.page"
    )
    db.commit()
    item = db.get(TrackedItem, application.tracked_item_id)
    unit = application.org_unit
    actor = _actor()
    history = item.history if item else []
    survey_url = ""
    if application.survey_token and not services.survey_answered(db, application):
        survey_url = f"{_public_url()}/survey/{application.survey_token}"
    ids = {e.actor_id for e in history if e.actor_id}
    names = dict(db.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
    return render_template(
        "licensing/file.html",
        a=application,
        actor_names=names,
        sla=services.sla_of(application, regency_today()),
        history=item.history if item else [],
        next_stage=services.next_stage(application),
        kind=perm.LICENSE_FILE,
        can={
            "verify": actor.can(perm.VERIFY, unit),
            "inspect": actor.can(perm.INSPECT, unit),
            "decide": actor.can(perm.DECIDE, unit),
            "intake": actor.can(perm.INTAKE, unit),
        },
        missing=services.missing_requirements(application),
        staff=services.licensing_staff(db, unit) if actor.can(perm.VERIFY, unit) else [],
        units=services.forward_targets(db) if actor.can(perm.VERIFY, unit) else [],
        survey_url=survey_url,
        survey_qr=qr_svg(survey_url, scale=3) if survey_url else "",
    )


@bp.route("/files/<id:application_id>/<action>", methods=["POST"])
@login_required
def step(application_id: int, action: str) -> Any:
    db = get_session()
    actor = _actor()
    application = services.get_application(db, actor, application_id)
    form = request.form
    if action == "advance":
        services.advance(
            db, actor, application, form.get("note", ""), public_note=form.get("public_note", "")
        )
    elif action == "return":
        services.return_to_applicant(
            db, actor, application, form.get("reason", ""), public_note=form.get("public_note", "")
        )
    elif action == "resume":
        services.resume(
            db,
            actor,
            application,
            _files(application.service_type.requirements),
            max_upload_bytes=_max_upload(),
        )
    elif action == "assign":
        services.assign(db, actor, application, form.get("username", ""), form.get("note", ""))
    elif action == "forward":
        services.forward(db, actor, application, form.get("unit", ""), form.get("reason", ""))
    elif action == "oss":
        services.record_oss_reference(db, actor, application, form.get("oss_reference", ""))
    elif action == "decide":
        services.decide(
            db,
            actor,
            application,
            approve=form.get("decision") == "approve",
            reason=form.get("reason", ""),
            public_note=form.get("public_note", ""),
        )
    elif action == "pay":
        services.record_payment(
            db,
            actor,
            application,
            form.get("reference", ""),
            through_billing_only=plugin_settings("licensing")["payment_through_billing"],
        )
    elif action == "handover":
        services.hand_over(db, actor, application, public_url=_public_url())
    elif action == "renew" and application.permit is not None:
        renewal = services.renew(
            db, actor, application.permit, checked=application.service_type.requirements
        )
        db.commit()
        flash(_("Renewal %(number)s received.", number=renewal.number), "info")
        return redirect(url_for("licensing.file", application_id=renewal.id))
    else:
        abort(404)
    db.commit()
    flash(_("%(number)s updated.", number=application.number), "info")
    return redirect(url_for("licensing.file", application_id=application.id))


@bp.route("/files/<id:application_id>/receipt")
@login_required
def receipt(application_id: int) -> Any:
    _staff(perm.VIEW)
    db = get_session()
    application = services.get_application(db, _actor(), application_id)
    return render_template(
        "licensing/receipt.html", a=application, sla=services.sla_of(application, regency_today())
    )


def _permit_pdf(permit: Permit) -> Response:
    pdf = permit_pdf_bytes(get_session(), permit)
    response = Response(pdf, mimetype="application/pdf")
    name = permit.number.replace("/", "-")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@bp.route("/files/<id:application_id>/permit.pdf")
@login_required
def permit_pdf(application_id: int) -> Any:
    _staff(perm.VIEW)
    db = get_session()
    application = services.get_application(db, _actor(), application_id)
    if application.permit is None:
        abort(404)
    services.record_applicant_read(db, _actor(), application, "licensing.permit.pdf")
    db.commit()
    return _permit_pdf(application.permit)


@bp.route("/uploads/<id:upload_id>")
@login_required
def upload(upload_id: int) -> Any:
    _staff(perm.VIEW)
    db = get_session()
    item = db.get(Upload, upload_id)
    if item is None:
        abort(404)
    # The scope check; the file is an applicant's document (an ID card scan…): audited.
    services.get_application(db, _actor(), item.application_id, purpose="licensing.upload")
    db.commit()
    return Response(
        item.data,
        mimetype=item.content_type,
        headers={"Content-Disposition": f'attachment; filename="upload-{item.id}"'},
    )


# --- reports ---------------------------------------------------------------------------


@bp.route("/statistics")
@login_required
def statistics() -> Any:
    _staff(perm.REPORT)
    today = regency_today()
    date_from = _date_arg("from", date(today.year - 1, 1, 1))
    date_to = _date_arg("to", today)
    figures = statistics_for(get_session(), _actor(), date_from, date_to)
    stage_rows = [(_stage_label(code), count) for code, count in figures.by_stage]
    return render_template("licensing/statistics.html", s=figures, stage_rows=stage_rows)


@bp.route("/ikm")
@login_required
def ikm() -> Any:
    _staff(perm.REPORT)
    rule = request.args.get("rule", "permenpanrb-14-2017")
    if rule not in RULES:
        rule = "permenpanrb-14-2017"
    figures = ikm_report(get_session(), _actor(), rule)
    if request.args.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["scope", "label", "period", "respondents", "ikm", "category", "rule"])
        for f in figures:
            writer.writerow(
                [f.scope, f.label, f.period, f.respondents, f.value, f.category, f.rule]
            )
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="ikm.csv"'},
        )
    return render_template("licensing/ikm.html", figures=figures, rule=RULES[rule], rules=RULES)


# --- applicant portal ----------------------------------------------------------------


def _applicant() -> Applicant | None:
    applicant_id = session.get(APPLICANT_KEY)
    if not isinstance(applicant_id, int):
        return None
    return get_session().get(Applicant, applicant_id)


def applicant_required(view: Any) -> Any:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        applicant = _applicant()
        if applicant is None:
            return redirect(url_for("licensing.portal_login", next=request.path))
        return view(applicant, *args, **kwargs)

    return wrapper


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/licensing/") and "//" not in target:
        return target
    return url_for("licensing.portal")


def _start_applicant_session(applicant: Applicant) -> None:
    lang = session.get("lang")
    session.clear()  # no fixation; an applicant session is never a staff session
    if lang:
        session["lang"] = lang
    session.permanent = True
    session[APPLICANT_KEY] = applicant.id


@bp.route("/portal/register", methods=["GET", "POST"])
@public_rate_limited
def portal_register() -> Any:
    if request.method == "POST":
        db = get_session()
        try:
            applicant = services.register_applicant(db, request.form)
        except PamongError as error:
            db.rollback()
            flash(error.detail, "error")
            return render_template("licensing/portal_register.html", form=request.form), 422
        send_verification(db, applicant)
        db.commit()
        _start_applicant_session(applicant)
        flash(_("Welcome, %(name)s.", name=applicant.name), "info")
        return redirect(url_for("licensing.portal_verify"))
    return render_template("licensing/portal_register.html", form={})


@bp.route("/portal/login", methods=["GET", "POST"])
@public_rate_limited
def portal_login() -> Any:
    if request.method == "POST":
        login = request.form.get("login", request.form.get("email", ""))[:200]
        # The staff login's back-off, on its own keys: an applicant's guesses are slowed
        # per account and per address, and never slow down a staff account's name.
        throttle, key, address = (
            login_throttle(),
            f"licensing:{login.strip().lower()}",
            request.remote_addr,
        )
        wait = throttle.wait_seconds(key, address)
        if wait:
            flash(
                _(
                    "Too many failed attempts. Wait %(seconds)d seconds and try again.",
                    seconds=wait,
                ),
                "error",
            )
            response = make_response(render_template("licensing/portal_login.html"), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            applicant = services.authenticate_applicant(
                get_session(), login, request.form.get("password", "")[:1000]
            )
        except Unauthorized:
            throttle.failed(key, address)
            flash(_("Wrong e-mail, phone number or password."), "error")
            return render_template("licensing/portal_login.html"), 401
        throttle.succeeded(key, address)
        _start_applicant_session(applicant)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("licensing/portal_login.html")


@bp.route("/portal/logout", methods=["POST"])
def portal_logout() -> Any:
    session.pop(APPLICANT_KEY, None)
    return redirect(url_for("licensing.portal_login"))


@bp.route("/portal/")
@applicant_required
def portal(applicant: Applicant) -> Any:
    db = get_session()
    rows = db.scalars(
        select(Application)
        .where(Application.applicant_id == applicant.id)
        .order_by(Application.id.desc())
        .limit(100)
    ).all()
    if applicant.verified_at is None:
        flash(_("Confirm your e-mail address or phone number to apply online."), "info")
        return redirect(url_for("licensing.portal_verify"))
    return render_template(
        "licensing/portal.html",
        applicant=applicant,
        rows=rows,
        types=services.service_types(db, active_only=True),
    )


@bp.route("/portal/apply", methods=["GET", "POST"])
@applicant_required
def portal_apply(applicant: Applicant) -> Any:
    db = get_session()
    stype = services.get_service_type(db, request.values.get("type", "") or "-")
    if request.method == "POST":
        application = services.submit_application(
            db,
            services.applicant_actor(applicant),
            service_type=stype,
            applicant=applicant,
            area_code=request.form.get("area_code", ""),
            description=request.form.get("description", ""),
            quantity=_int_arg(request.form.get("quantity")),
            uploads=_files(stype.requirements),
            channel="online",
            office_code=_settings().get("office_unit", ""),
            max_upload_bytes=_max_upload(),
        )
        db.commit()
        flash(_("Your application %(number)s was received.", number=application.number), "info")
        return redirect(url_for("licensing.portal_file", number=application.number))
    return render_template(
        "licensing/portal_apply.html",
        stype=stype,
        kecamatan=services.kecamatan_units(db),
        desa=services.desa_units(db),
        area=request.form.get("area_code", ""),
        today=regency_today(),
        max_kb=_max_upload() // 1024,
    )


def _own(applicant: Applicant, number: str) -> Application:
    application = services.application_by_number(get_session(), number)
    if application is None or application.applicant_id != applicant.id:
        raise NotFound(_("No such application."), slug="application-not-found")
    return application


@bp.route("/portal/files/<number>")
@applicant_required
def portal_file(applicant: Applicant, number: str) -> Any:
    db = get_session()
    application = _own(applicant, number)
    item = db.get(TrackedItem, application.tracked_item_id)
    answered = application.survey_token and services.survey_answered(db, application)
    return render_template(
        "licensing/portal_file.html",
        a=application,
        sla=services.sla_of(application, regency_today()),
        history=item.history if item else [],
        kind=perm.LICENSE_FILE,
        answered=answered,
    )


@bp.route("/portal/files/<number>/resume", methods=["POST"])
@applicant_required
def portal_resume(applicant: Applicant, number: str) -> Any:
    db = get_session()
    application = _own(applicant, number)
    services.resume(
        db,
        services.applicant_actor(applicant),
        application,
        _files(application.service_type.requirements),
        max_upload_bytes=_max_upload(),
    )
    db.commit()
    flash(_("Thank you: your file is back in process."), "info")
    return redirect(url_for("licensing.portal_file", number=application.number))


@bp.route("/portal/files/<number>/permit.pdf")
@applicant_required
def portal_permit(applicant: Applicant, number: str) -> Any:
    application = _own(applicant, number)
    if application.permit is None or application.finished_on is None:
        abort(404)
    return _permit_pdf(application.permit)


@bp.route("/survey/<token>", methods=["GET", "POST"])
@public_rate_limited
def survey(token: str) -> Any:
    """Links sent before the survey moved to the core lead to the core's form."""
    services.survey_application(get_session(), token)
    return redirect(url_for("surveys.answer", token=token), code=308)


def _stage_label(code: str) -> str:
    stage = perm.LICENSE_FILE.stage(code)
    return str(stage.label) if stage else code


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"lic_stage": _stage_label}

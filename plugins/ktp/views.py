"""The KTP counter pages: serve a resident from application to handover."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select

from pamong.plugin import (
    EXPORT_LIMIT,
    Conflict,
    InvalidInput,
    NotFound,
    User,
    _,
    _l,
    check_query_date,
    download_format,
    get_session,
    page_arg,
    paginate,
    plugin_settings,
    qr_svg,
    regency_today,
    table_download,
    time_zone,
)
from pamong.plugin import (
    survey_url as survey_url_of,
)
from pamong_plugins.ktp import services, stats
from pamong_plugins.ktp.card import card_pdf
from pamong_plugins.ktp.models import (
    FINAL_STEPS,
    KtpApplication,
    KtpCard,
    Reason,
    ReplacementCause,
    Step,
)
from pamong_plugins.ktp.permissions import ADMIN, APPLY, PRINT, REPORT
from pamong_plugins.ktp.photo import data_url, expected_background
from pamong_plugins.ktp.schemas import KtpFeeRateSchema

bp = Blueprint("ktp", __name__, template_folder="templates", static_folder="static")
PER_PAGE = 30
MAX_STATS_DAYS = 366


def _actor() -> Any:
    return current_user.actor


def _settings() -> dict[str, Any]:
    return plugin_settings("ktp")


def _step_labels() -> dict[str, str]:
    """The steps' labels in the page's language, translated once per request (a page asks often)."""
    labels = g.get("ktp_step_labels")
    if labels is None:
        labels = g.ktp_step_labels = {
            stage.code: str(stage.label) for stage in services.KTP_FILE.stages
        }
    return labels


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "step_label": lambda code: _step_labels().get(code, code),
        "reasons": [r.value for r in Reason],
        "causes": [c.value for c in ReplacementCause],
    }


REASON_LABELS = {
    "new": _l("New card (age 17 or married)"),
    "renewal": _l("Renewal"),
    "replacement": _l("Replacement"),
    "change": _l("Change of data"),
}
CAUSE_LABELS = {"lost": _l("lost"), "damaged": _l("damaged")}


@bp.app_template_filter("ktp_reason")
def _reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


@bp.app_template_filter("ktp_cause")
def _cause_label(code: str) -> str:
    return str(CAUSE_LABELS.get(code, code))


def _timeline(db: Any, a: KtpApplication) -> list[tuple[str, Any, str]]:
    """(step label, when, officer name) for every step done so far."""
    labels = _step_labels()
    steps = [
        (Step.APPLIED, a.applied_at, a.applied_by_id),
        (Step.HELD, a.held_at, a.held_by_id),
        (Step.CHECKED, a.checked_at, a.checked_by_id),
        (Step.CAPTURED, a.captured_at, a.captured_by_id),
        (Step.PRINTED, a.printed_at, a.printed_by_id),
        (Step.COLLECTED, a.collected_at, a.handed_over_by_id),
        (Step.CANCELLED, a.cancelled_at, a.cancelled_by_id),
    ]
    ids = {uid for _, at, uid in steps if at and uid}
    names = dict(db.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
    done = sorted(((at, step, uid) for step, at, uid in steps if at), key=lambda t: t[0])
    return [(labels[step.value], at, names.get(uid, "-")) for at, step, uid in done]


@bp.route("/")
@login_required
def counter() -> Any:
    """The counter: a new application and the open ones of the officer's kecamatan."""
    return _counter_page(request.args.get("kecamatan"))


def _counter_page(
    code: str | None, *, typed: Any = None, error: str | None = None, status: int = 200
) -> Any:
    """The counter page; after a refused application, with what was typed and why."""
    db = get_session()
    counters = services.counters_of(db, _actor(), APPLY) or services.counters_of(
        db, _actor(), PRINT
    )
    if not counters and not _actor().can(REPORT):
        abort(403)
    code = code or (counters[0].code if counters else None)
    step = request.args.get("step", "open")
    stmt = services.applications_query(_actor(), kecamatan_code=code)
    if step == "open":
        stmt = stmt.where(KtpApplication.step.not_in(FINAL_STEPS))
    elif step in {s.value for s in Step}:
        stmt = stmt.where(KtpApplication.step == step)
    fmt = download_format()
    if fmt:
        return _download(db.scalars(stmt.limit(EXPORT_LIMIT)), f"ktp-{code}-{step}", fmt)
    page = page_arg()
    rows, total = paginate(db, stmt, page, PER_PAGE)
    return render_template(
        "ktp/counter.html",
        counters=counters,
        current=code,
        step=step,
        steps=[s.value for s in Step],
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        typed=typed or {},
        error=error,
    ), status


def _download(applications: Any, stem: str, fmt: str) -> Response:
    """The counter's list as a CSV or Excel file: what the table shows, labels for codes."""
    steps = _step_labels()
    header = [_("Number"), _("Name"), _("Reason"), _("Step"), _("Applied")]
    zone = ZoneInfo(time_zone())
    rows = [
        [
            a.tracking_number,
            a.resident.name,
            _reason_label(a.reason),
            steps.get(a.step, a.step),
            a.applied_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        ]
        for a in applications
    ]
    return table_download(stem, header, rows, fmt)


@bp.route("/applications", methods=["POST"])
@login_required
def apply() -> Any:
    db = get_session()
    form = request.form
    try:
        application = services.apply(
            db,
            _actor(),
            nik=form.get("nik", "")[:40],
            kecamatan_code=form.get("kecamatan_code", "")[:20],
            reason=form.get("reason", ""),
            replacement_cause=form.get("replacement_cause") or None,
            note=form.get("note", "")[:300],
        )
    except (NotFound, InvalidInput, Conflict) as refused:
        # The officer keeps what was typed and reads why, next to the form.
        db.rollback()
        code = form.get("kecamatan_code", "")[:20] or None
        return _counter_page(code, typed=form, error=refused.detail, status=refused.status)
    db.commit()
    flash(_("Application %(number)s taken.", number=application.tracking_number), "info")
    return redirect(url_for("ktp.application", application_id=application.id))


@bp.route("/applications/<id:application_id>")
@login_required
def application(application_id: int) -> Any:
    db = get_session()
    app_row = services.get_application(db, _actor(), application_id, purpose="ktp.application.page")
    card = db.scalar(select(KtpCard).where(KtpCard.application_id == app_row.id))
    photo = data_url(app_row.photo, "image/jpeg") if app_row.photo else None
    signature = data_url(app_row.signature, "image/png") if app_row.signature else None
    survey = services.survey_of(db, app_row)
    survey_url = survey_url_of(survey) if survey and not survey.answered_at else ""
    db.commit()
    return render_template(
        "ktp/application.html",
        a=app_row,
        survey=survey,
        survey_url=survey_url,
        survey_qr=qr_svg(survey_url, scale=3) if survey_url else "",
        timeline=_timeline(db, app_row),
        card=card,
        photo=photo,
        signature=signature,
        eligible_age=services.age_on(app_row.resident.birth_date, regency_today()),
        expected_background=expected_background(app_row.resident.birth_date.year),
    )


def _run_step(application_id: int, action: Any, message: str, **kwargs: Any) -> Any:
    db = get_session()
    action(db, _actor(), application_id, **kwargs)
    db.commit()
    flash(message, "info")
    return redirect(url_for("ktp.application", application_id=application_id))


@bp.route("/applications/<id:application_id>/check", methods=["POST"])
@login_required
def check(application_id: int) -> Any:
    db = get_session()
    result = services.check_biodata(db, _actor(), application_id)
    db.commit()
    if result.step == Step.HELD:
        flash(
            _("Possible duplicate identity: the application is on hold until it is reviewed."),
            "error",
        )
    else:
        flash(_("Biodata checked."), "info")
    return redirect(url_for("ktp.application", application_id=application_id))


@bp.route("/applications/<id:application_id>/capture", methods=["POST"])
@login_required
def capture(application_id: int) -> Any:
    photo: bytes | str = request.form.get("photo_data", "")
    signature: bytes | str = request.form.get("signature_data", "")
    if "photo" in request.files and request.files["photo"].filename:
        photo = request.files["photo"].read()
    if "signature" in request.files and request.files["signature"].filename:
        signature = request.files["signature"].read()
    if not photo or not signature:
        raise InvalidInput(_("Take or upload both the photo and the signature."))
    return _run_step(
        application_id,
        services.capture,
        _("Photo and signature saved."),
        photo=photo,
        signature=signature,
    )


@bp.route("/applications/<id:application_id>/print", methods=["POST"])
@login_required
def print_card(application_id: int) -> Any:
    db = get_session()
    card = services.print_card(
        db,
        _actor(),
        application_id,
        validity_years=_settings()["validity_years"],
        require_payment=_settings()["require_payment"],
    )
    db.commit()
    flash(_("The card is ready to print."), "info")
    return redirect(url_for("ktp.application", application_id=application_id, printed=card.id))


@bp.route("/applications/<id:application_id>/handover", methods=["POST"])
@login_required
def handover(application_id: int) -> Any:
    return _run_step(
        application_id,
        services.hand_over,
        _("Handover recorded."),
        collected_by=request.form.get("collected_by", "")[:200],
    )


@bp.route("/applications/<id:application_id>/cancel", methods=["POST"])
@login_required
def cancel(application_id: int) -> Any:
    return _run_step(
        application_id,
        services.cancel,
        _("Application cancelled."),
        reason=request.form.get("reason", "")[:300],
        public_note=request.form.get("public_note", "")[:300],
    )


@bp.route("/applications/<id:application_id>/receipt")
@login_required
def receipt(application_id: int) -> Any:
    db = get_session()
    app_row = services.get_application(
        db, _actor(), application_id, purpose="ktp.application.receipt"
    )
    db.commit()
    return render_template("ktp/receipt.html", a=app_row)


@bp.route("/cards/<id:card_id>/card.pdf")
@login_required
def card_file(card_id: int) -> Any:
    """The card to print (first print or reprint); the card's record does not change."""
    db = get_session()
    card = services.reprint(db, _actor(), card_id)
    pdf = card_pdf(db, card, time_zone())
    db.commit()
    name = f"ktp-{card.application.tracking_number}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def _period() -> tuple[date, date]:
    today = regency_today()
    try:
        until = (
            date.fromisoformat(request.args.get("until", "")) if "until" in request.args else today
        )
        since = (
            date.fromisoformat(request.args["since"])
            if "since" in request.args
            else until - timedelta(days=29)
        )
    except ValueError:
        raise InvalidInput(_("Dates are written YYYY-MM-DD.")) from None
    check_query_date(since)
    check_query_date(until)
    if since > until:
        since, until = until, since
    if (until - since).days >= MAX_STATS_DAYS:
        raise InvalidInput(_("Choose at most a year."))
    return since, until


@bp.route("/stats")
@login_required
def stats_page() -> Any:
    if not _actor().can(REPORT):
        abort(403)
    since, until = _period()
    db = get_session()
    zone = time_zone()
    if request.args.get("format") == "csv":
        rows = stats.daily_rows(db, _actor(), since, until, zone)
        name = f"ktp-stats-{since.isoformat()}-{until.isoformat()}.csv"
        return Response(
            stats.to_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    summary = stats.summary(db, _actor(), since, until, zone)
    return render_template(
        "ktp/stats.html",
        since=since,
        until=until,
        summary=summary,
        steps=[s.value for s in Step if s.value not in FINAL_STEPS],
        max_issued=max([s.issued for s in summary] or [0]) or 1,
        max_minutes=max([s.p90_minutes or 0 for s in summary] or [0]) or 1,
    )


@bp.route("/fees", methods=["GET", "POST"])
@login_required
def fees() -> Any:
    if not _actor().can(ADMIN) and not _actor().can(REPORT):
        abort(403)
    db = get_session()
    if request.method == "POST":
        if not _actor().can(ADMIN):  # refuse before reading the form
            abort(403)
        try:
            data = KtpFeeRateSchema().load(
                {k: v for k, v in request.form.items() if k != "csrf_token" and v != ""}
                | {"amount": _int(request.form.get("amount", ""))}
            )
        except ValidationError as error:
            fields = ", ".join(sorted(error.messages_dict))
            raise InvalidInput(_("Check these fields: %(fields)s", fields=fields)) from None
        services.add_fee_rate(db, _actor(), **data)
        db.commit()
        flash(_("Fee saved."), "info")
        return redirect(url_for("ktp.fees"))
    in_force = services.fee_in_force(db, regency_today())
    return render_template(
        "ktp/fees.html",
        rates=services.fee_rates(db),
        in_force=in_force,
        can_edit=_actor().can(ADMIN),
    )


def _int(value: str) -> int | str:
    digits = value.replace(".", "").replace(",", "").strip()
    return int(digits) if digits.isdigit() and len(digits) < 10 else value

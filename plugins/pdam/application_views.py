"""PDAM pages of new connections: the staff list and file, the counter form, the public form."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pamong.plugin import (
    PamongError,
    _,
    get_session,
    page_arg,
    paginate,
    public_rate_limited,
    qr_svg,
)
from pamong.plugin import survey_url as survey_url_of
from pamong_plugins.pdam import applications as flow
from pamong_plugins.pdam import services
from pamong_plugins.pdam.models import ApplicationStep
from pamong_plugins.pdam.permissions import ADMIN
from pamong_plugins.pdam.views import PER_PAGE, bp

FORM_FIELDS = ("applicant_name", "applicant_nik", "phone", "address", "desa_code", "group_code")


def _form_data() -> dict[str, Any]:
    form = request.form
    data = {name: (form.get(name) or "")[:300] for name in FORM_FIELDS}
    data["meter_size"] = (form.get("meter_size") or "1/2")[:10]
    return data


@bp.route("/applications", methods=["GET", "POST"])
@login_required
def applications() -> Any:
    """New-connection applications of the officer's units; the counter form."""
    actor = current_user.actor
    if not actor.can(ADMIN):
        abort(403)
    db = get_session()
    typed: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        typed = _form_data()
        try:
            application = flow.apply(db, actor, channel="counter", **typed)
        except PamongError as refused:
            db.rollback()
            flash(refused.detail, "error")
            status = refused.status
        else:
            db.commit()
            flash(_("Application %(number)s taken.", number=application.number), "info")
            return redirect(url_for("pdam.application", application_id=application.id))
    step = request.args.get("step") or None
    if step not in {s.value for s in ApplicationStep}:
        step = None
    page = page_arg()
    rows, total = paginate(db, flow.applications_query(actor, step=step), page, PER_PAGE)
    return render_template(
        "pdam/applications.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        step=step,
        labels=_step_labels(),
        channels=_channel_labels(),
        desas=flow.desa_choices(db, actor),
        groups=services.groups(db),
        typed=typed,
    ), status


def _step_labels() -> dict[str, Any]:
    return {s.code: s.label for s in flow.CONNECTION_FILE.stages}


def _channel_labels() -> dict[str, Any]:
    return {"online": _("Online"), "counter": _("At the counter")}


@bp.route("/applications/<id:application_id>")
@login_required
def application(application_id: int) -> Any:
    db = get_session()
    row = flow.get_application(db, current_user.actor, application_id)
    survey = flow.survey_of(db, row)
    survey_url = survey_url_of(survey) if survey and not survey.answered_at else ""
    steps = flow.steps_of(db, row)
    db.commit()
    return render_template(
        "pdam/application.html",
        a=row,
        steps=steps,
        labels=_step_labels(),
        channels=_channel_labels(),
        can_act=current_user.actor.can(ADMIN, row.desa),
        survey_url=survey_url,
        survey_qr=qr_svg(survey_url, scale=3) if survey_url else "",
    )


def _int(name: str) -> int:
    raw = (request.form.get(name) or "0").strip()
    return int(raw) if raw.isdigit() else -1


@bp.route(
    "/applications/<id:application_id>/<any(survey,estimate,install,reject):action>",
    methods=["POST"],
)
@login_required
def application_step(application_id: int, action: str) -> Any:
    """One step of the file; a refused step is explained next to the file."""
    db = get_session()
    actor, form = current_user.actor, request.form
    try:
        if action == "survey":
            flow.record_survey(
                db,
                actor,
                application_id,
                feasible=form.get("feasible") == "1",
                note=form.get("note", "")[:300],
                distance_m=_int("distance_m"),
            )
        elif action == "estimate":
            flow.issue_estimate(db, actor, application_id, amount=_int("amount"))
        elif action == "install":
            flow.install(
                db,
                actor,
                application_id,
                meter_serial=form.get("meter_serial", "")[:30],
                meter_size=form.get("meter_size", "")[:10],
                meter_digits=_int("meter_digits") if form.get("meter_digits") else 5,
            )
        else:
            flow.reject(db, actor, application_id, reason=form.get("reason", "")[:300])
    except PamongError as refused:
        db.rollback()
        if refused.status in (403, 404):
            raise
        flash(refused.detail, "error")
    else:
        db.commit()
        flash(_("Saved."), "info")
    return redirect(url_for("pdam.application", application_id=application_id))


@bp.route("/apply", methods=["GET", "POST"])
@public_rate_limited
def apply() -> Any:
    """Public: a resident asks for a new connection and gets the receipt number to follow."""
    db = get_session()
    typed: dict[str, Any] = {}
    status, number = 200, ""
    if request.method == "POST":
        typed = _form_data()
        try:
            application = flow.apply_online(db, **typed)
        except PamongError as refused:
            db.rollback()
            flash(refused.detail, "error")
            status = refused.status if refused.status < 500 else 422
        else:
            number = application.number
            db.commit()
            typed = {}
    return render_template(
        "pdam/apply.html",
        number=number,
        desas=flow.desa_choices(db),
        groups=services.groups(db),
        typed=typed,
    ), status

"""The admin page of scheduled jobs: schedules, the run history, run now."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from pamong.db import get_session, paginate, utcnow
from pamong.errors import PamongError
from pamong.i18n import gettext as _
from pamong.i18n import lazy_gettext as _l
from pamong.jobs import services
from pamong.web.context import page_arg
from pamong.workdays import current_calendar

bp = Blueprint("jobs", __name__, url_prefix="/staff/jobs")
RUNS_PER_PAGE = 50

STATUS_LABELS = {
    "queued": _l("Waiting for a worker"),
    "running": _l("Running"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "interrupted": _l("Interrupted"),
}
TRIGGER_LABELS = {
    "schedule": _l("On schedule"),
    "catch_up": _l("Caught up after downtime"),
    "manual": _l("Run by hand"),
}


@bp.route("/")
@login_required
def index() -> Any:
    state = current_app.extensions["pamong"]
    tz = state.settings.time_zone
    session = get_session()
    actor = current_user.actor
    jobs = services.overview(
        session,
        actor,
        state.worker_jobs,
        now=utcnow(),
        clock=services.Clock(tz, current_calendar()),
        zone_label=services.zone_label(tz),
    )
    page = page_arg()
    runs, total = paginate(session, services.run_history(session, actor), page, RUNS_PER_PAGE)
    return render_template(
        "jobs/index.html",
        jobs=jobs,
        runs=runs,
        page=page,
        pages=max(1, -(-total // RUNS_PER_PAGE)),
        status_labels=STATUS_LABELS,
        trigger_labels=TRIGGER_LABELS,
        zone=services.zone_label(tz),
    )


@bp.route("/<name>/run", methods=["POST"])
@login_required
def run(name: str) -> Any:
    session = get_session()
    try:
        services.request_run(
            session,
            current_user.actor,
            current_app.extensions["pamong"].worker_jobs,
            name,
            utcnow(),
        )
        session.commit()
    except PamongError as error:
        session.rollback()
        if error.status == 403:
            raise
        flash(error.detail, "error")
        return redirect(url_for("jobs.index"))
    flash(_("%(job)s will run within seconds, as soon as a worker looks.", job=name), "info")
    return redirect(url_for("jobs.index"))

"""Pages: the public results, the answering form of a link, and the staff's period page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pamong import ratelimit
from pamong.auth import require
from pamong.db import get_session
from pamong.errors import Conflict, InvalidInput, PamongError
from pamong.i18n import ngettext
from pamong.orgunits.models import OrgUnit
from pamong.runtime import regency_today
from pamong.surveys import services
from pamong.surveys.index import ELEMENTS_2017, RULES

bp = Blueprint("surveys", __name__, url_prefix="/survey")

#: The answer scale of PermenPAN-RB 14/2017, worst first.
SCALE = (1, 2, 3, 4)


@bp.route("/results")
@ratelimit.public
def results() -> Any:
    period = request.args.get("period", "").strip()[:10] or None
    try:
        view = services.public_results(get_session(), period, regency_today())
    except InvalidInput:
        return redirect(url_for("surveys.results"))
    return render_template(
        "surveys/results.html",
        results=view,
        rule=RULES[services.DEFAULT_RULE],
        elements=ELEMENTS_2017,
    )


@bp.route("/<token>", methods=["GET", "POST"])
@ratelimit.public
def answer(token: str) -> Any:
    session = get_session()
    invitation = services.invitation_by_token(session, token)
    title = services.service_title(invitation.service)
    if invitation.answered_at is not None:
        return render_template("surveys/done.html", title=title, again=True), 409
    chosen: dict[int, int] = {}
    error = ""
    if request.method == "POST":
        for index in range(len(ELEMENTS_2017)):
            value = request.form.get(f"q{index}", "")
            if value in {str(v) for v in SCALE}:
                chosen[index] = int(value)
        answers = [chosen.get(i, 0) for i in range(len(ELEMENTS_2017))]
        try:
            services.answer_survey(session, token, answers, request.form.get("comment", ""))
            session.commit()
        except Conflict:
            session.rollback()
            return render_template("surveys/done.html", title=title, again=True), 409
        except InvalidInput as invalid:
            session.rollback()
            error = invalid.detail
        else:
            return render_template("surveys/done.html", title=title, again=False)
    return render_template(
        "surveys/answer.html",
        title=title,
        unit=invitation.org_unit,
        elements=ELEMENTS_2017,
        scale=SCALE,
        chosen=chosen,
        error=error,
        comment=request.form.get("comment", "")[: services.COMMENT_MAX],
    ), (422 if error else 200)


@bp.route("/admin")
@login_required
def admin() -> Any:
    actor = current_user.actor
    require(actor, services.MANAGE)
    session = get_session()
    today = regency_today()
    period = request.args.get("period", "").strip()[:10] or services.period_of(today)
    try:
        _start, end = services.period_bounds(period)
    except InvalidInput:
        return redirect(url_for("surveys.admin"))
    return render_template(
        "surveys/admin.html",
        period=period,
        periods=services.recent_periods(session, today),
        over=end < today,
        closable_from=end + timedelta(days=1),
        figures=services.period_figures(
            session, period, scope=actor.scope_filter(services.MANAGE, OrgUnit.path)
        ),
        comments=services.comments(session, actor, period),
        elements=ELEMENTS_2017,
    )


@bp.route("/admin/close", methods=["POST"])
@login_required
def close() -> Any:
    session = get_session()
    period = request.form.get("period", "").strip()[:10]
    try:
        stored = services.close_period(session, current_user.actor, period)
        session.commit()
    except PamongError as error:
        session.rollback()
        if error.status == 403:
            raise
        flash(error.detail, "error")
    else:
        flash(_closed_message(period, len(stored)), "info")
    return redirect(url_for("surveys.admin", period=period or None))


def _closed_message(period: str, count: int) -> str:
    return ngettext(
        "Period %(period)s closed: %(num)d figure published.",
        "Period %(period)s closed: %(num)d figures published.",
        count,
        period=period,
    )

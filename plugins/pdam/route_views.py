"""PDAM supervisor pages: reading routes and their progress, a bank's settlement file."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pamong.plugin import InvalidInput, PamongError, _, get_session, regency_today
from pamong_plugins.pdam import routes, services, settlement
from pamong_plugins.pdam.permissions import BILLING
from pamong_plugins.pdam.views import PERIOD_RE, bp


@bp.route("/routes", methods=["GET", "POST"])
@login_required
def routes_page() -> Any:
    """The supervisor's page: each reader's route for a month and its progress."""
    actor = current_user.actor
    if not actor.can(BILLING):
        abort(403)
    db = get_session()
    period = (request.values.get("period") or "")[:7] or services.period_of(regency_today())
    status, typed, errors = 200, {}, []
    if request.method == "POST":
        typed = {k: (request.form.get(k) or "")[:20_000] for k in ("reader", "name", "numbers")}
        try:
            routes.set_route(
                db,
                actor,
                reader=typed["reader"][:64],
                period=period,
                name=typed["name"][:80],
                numbers=typed["numbers"].split(),
                today=regency_today(),
            )
        except PamongError as refused:
            db.rollback()
            flash(refused.detail, "error")
            errors = refused.extra.get("errors", [])
            status = refused.status
        else:
            db.commit()
            flash(_("Route saved."), "info")
            return redirect(url_for("pdam.routes_page", period=period))
    if not PERIOD_RE.match(period):
        period = services.period_of(regency_today())
    return render_template(
        "pdam/routes.html",
        period=period,
        rows=routes.progress(db, actor, period),
        typed=typed,
        errors=errors,
    ), status


@bp.route("/routes/copy", methods=["POST"])
@login_required
def copy_routes() -> Any:
    """The supervisor gives every reader last month's route for the month shown."""
    actor = current_user.actor
    if not actor.can(BILLING):
        abort(403)
    db = get_session()
    period = (request.form.get("period") or "")[:7]
    try:
        result = routes.copy_routes(db, actor, period, today=regency_today())
    except PamongError as refused:
        db.rollback()
        flash(refused.detail, "error")
        period = services.period_of(regency_today())
    else:
        db.commit()
        flash(
            _(
                "%(copied)d routes copied from %(source)s; %(kept)d readers kept the route they"
                " had; %(dropped)d closed connections left out.",
                copied=result.copied,
                source=result.source,
                kept=len(result.kept),
                dropped=result.dropped_stops,
            ),
            "info",
        )
    return redirect(url_for("pdam.routes_page", period=period))


@bp.route("/bank-settlement", methods=["GET", "POST"])
@login_required
def bank_settlement() -> Any:
    """Billing staff upload a bank's settlement CSV; the page shows what was paid and refused."""
    actor = current_user.actor
    if not actor.can(BILLING):
        abort(403)
    result, status = None, 200
    if request.method == "POST":
        db = get_session()
        upload = request.files.get("file")
        raw = upload.read(settlement.MAX_FILE_BYTES + 1) if upload is not None else b""
        try:
            if not raw or len(raw) > settlement.MAX_FILE_BYTES:
                raise InvalidInput(
                    _("Choose a CSV file of at most 10 MB."), slug="invalid-csv", field="file"
                )
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidInput(_("The file is not UTF-8 text."), slug="invalid-csv") from None
            result = settlement.import_settlement(
                db,
                actor,
                text,
                bank=(request.form.get("bank") or "")[:21],
                dry_run=request.form.get("dry_run") == "on",
            )
        except PamongError as refused:
            db.rollback()
            flash(refused.detail, "error")
            status = refused.status
        else:
            db.commit()
    return render_template("pdam/settlement.html", result=result), status

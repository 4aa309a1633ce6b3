"""PDAM pages: the meter reader's phone page, connections, the bill run, reports, the check."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pamong.plugin import (
    EXPORT_LIMIT,
    InvalidInput,
    PamongError,
    _,
    download_format,
    get_session,
    page_arg,
    paginate,
    plugin_settings,
    regency_today,
    table_download,
)
from pamong_plugins.pdam import photos, routes, services
from pamong_plugins.pdam.models import Condition, ConnectionStatus, ReadingStatus
from pamong_plugins.pdam.permissions import ADMIN, BILLING, READER, REPORT

bp = Blueprint("pdam", __name__, template_folder="templates", static_folder="static")
PER_PAGE = 50
TABLE_FORMATS = ("csv", "xlsx")
#: The largest photo the phone keeps in its offline queue (browser storage is small).
QUEUE_PHOTO_BYTES = 400 * 1024
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _condition_words() -> list[tuple[str, str]]:
    """The meter conditions a reader chooses from, in words (the estimate follows them)."""
    words = {
        Condition.WORKING: _("working"),
        Condition.STUCK: _("stuck (the dial does not move)"),
        Condition.BROKEN: _("broken"),
        Condition.NO_METER: _("no meter"),
        Condition.RESET: _("replaced or reset (starts again from 0)"),
    }
    return [(condition.value, words[condition]) for condition in Condition]


def _status_words(status: str) -> str:
    """A reading's or a connection's status, or a field order's kind, in words (never codes)."""
    words = {
        ReadingStatus.ACCEPTED: _("accepted"),
        ReadingStatus.HELD: _("held for review"),
        ConnectionStatus.ACTIVE: _("active"),
        ConnectionStatus.SEALED: _("sealed"),
        ConnectionStatus.CLOSED: _("closed"),
        "seal": _("sealing"),
        "reconnect": _("reconnection"),
    }
    return words.get(status, status)


@bp.app_template_filter("pdam_label")
def _status_filter(status: str | None) -> str:
    return _status_words(status) if status else "-"


def _actor() -> Any:
    return current_user.actor


def _months_back(count: int) -> list[str]:
    current = services.period_of(regency_today())
    return [services.previous_period(current, back) for back in range(count, 0, -1)]


@bp.route("/read", methods=["GET", "POST"])
@login_required
def read_page() -> Any:
    """The meter reader's page: works on a phone; offline readings wait in the browser."""
    actor = _actor()
    if not actor.can(READER):
        abort(403)
    db = get_session()
    if request.method == "POST":
        data = request.get_json(silent=True) if request.is_json else request.form
        if not isinstance(data, dict):
            raise InvalidInput(
                _("Send the reading as a form or a JSON object."), slug="invalid-body"
            )
        try:
            reading = _record(db, actor, data)
        except PamongError as error:
            if not request.is_json:
                raise
            db.rollback()
            body = error.to_problem()
            return Response(
                json.dumps(body), status=error.status, mimetype="application/problem+json"
            )
        db.commit()
        answer = {
            "customer_number": reading.connection.number,
            "period": reading.period,
            "consumption": reading.consumption,
            "status": reading.status,
            "status_label": _status_words(reading.status),
            "problem": reading.problem,
        }
        if request.is_json:
            return answer
        flash(
            _(
                "Reading saved: %(m3)d m3 (%(status)s).",
                m3=reading.consumption,
                status=_status_words(reading.status),
            ),
            "info",
        )
        return redirect(url_for("pdam.read_page"))
    period = services.previous_period(services.period_of(regency_today()), 0)
    stops = routes.my_route(db, actor, period)
    db.commit()
    return render_template(
        "pdam/read.html",
        period=period,
        conditions=_condition_words(),
        stops=stops,
        queue_photo_limit=QUEUE_PHOTO_BYTES,
    )


def _record(db: Any, actor: Any, data: Any) -> Any:
    """Record a reading and, when one came with it, the meter's photo (all or nothing)."""
    reading = _reading(db, actor, data)
    photo = data.get("photo") if request.is_json else None
    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        photo = upload.read(photos.MAX_PHOTO_BYTES + 1)
    if photo:
        photos.attach(db, actor, reading, photo if isinstance(photo, bytes) else str(photo))
    return reading


def _reading(db: Any, actor: Any, data: Any) -> Any:
    return services.record_reading(
        db,
        actor,
        number=str(data.get("customer_number", ""))[:20],
        period=str(data.get("period", ""))[:7],
        value=str(data.get("value", ""))[:12],
        condition=str(data.get("condition") or "working")[:10],
        rollover=str(data.get("rollover", "")).lower() in ("1", "true", "on", "yes"),
        source="phone",
        today=regency_today(),
    )


@bp.route("/")
@login_required
def connections() -> Any:
    """Connections of the staff member's units, held readings and the bill run."""
    actor = _actor()
    if not any(actor.can(p) for p in (BILLING, ADMIN, REPORT)):
        abort(403)
    db = get_session()
    status = request.args.get("status") or None
    if status not in {s.value for s in ConnectionStatus}:
        status = None
    stmt = services.connections_query(
        actor, status=status, search=(request.args.get("q") or "")[:20] or None
    )
    fmt = download_format()
    if fmt:
        header = [_("Customer number"), _("Holder"), _("Desa"), _("Group"), _("Status")]
        table = [
            [c.number, c.holder_name, c.desa.name, c.group_code, c.status]
            for c in db.scalars(stmt.limit(EXPORT_LIMIT))
        ]
        return table_download("pdam-sambungan", header, table, fmt)
    page = page_arg()
    rows, total = paginate(db, stmt, page, PER_PAGE)
    last_month = services.previous_period(services.period_of(regency_today()))
    held = services.held_readings(db, actor) if actor.can(BILLING) else []
    return render_template(
        "pdam/connections.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        per_page=PER_PAGE,
        status=status,
        held=held,
        photographed=photos.with_photo(db, [r.id for r in held]),
        orders=services.work_orders(db, actor) if actor.can(BILLING) else [],
        period=last_month,
        can_bill=actor.can(BILLING),
    )


@bp.route("/connections/<string:number>")
@login_required
def connection(number: str) -> Any:
    db = get_session()
    row = services.get_connection(db, _actor(), number, personal=True)
    bills = services.bills_of(db, row, 12)
    db.commit()
    return render_template("pdam/connection.html", c=row, bills=bills)


@bp.route("/bill-run", methods=["POST"])
@login_required
def bill_run() -> Any:
    """One batch per request; the page follows with the progress until nothing remains."""
    db = get_session()
    period = (request.form.get("period") or "")[:7]
    result = services.bill_run(
        db,
        _actor(),
        period,
        estimate_missing=request.form.get("estimate") == "on",
        today=regency_today(),
        batch=500,
        limit=500,
        due_day=plugin_settings("pdam")["due_day"],
    )
    db.commit()
    flash(
        _(
            "%(period)s: %(billed)d billed in this step, %(remaining)d remaining.",
            period=period,
            billed=result.billed,
            remaining=result.remaining,
        ),
        "info",
    )
    return redirect(url_for("pdam.connections"))


@bp.route("/readings/<id:reading_id>/review", methods=["POST"])
@login_required
def review(reading_id: int) -> Any:
    db = get_session()
    services.review_reading(db, _actor(), reading_id, accept=request.form.get("accept") == "1")
    db.commit()
    flash(_("Reading reviewed."), "info")
    return redirect(url_for("pdam.connections"))


@bp.route("/sealing-orders", methods=["POST"])
@login_required
def sealing_orders() -> Any:
    db = get_session()
    made = services.open_sealing_orders(
        db, _actor(), min_months=plugin_settings("pdam")["seal_after_months"]
    )
    db.commit()
    flash(_("%(count)d sealing orders opened.", count=len(made)), "info")
    return redirect(url_for("pdam.connections"))


@bp.route("/work-orders/<id:order_id>/done", methods=["POST"])
@login_required
def work_order_done(order_id: int) -> Any:
    db = get_session()
    services.complete_work_order(db, _actor(), order_id)
    db.commit()
    flash(_("Work order done."), "info")
    return redirect(url_for("pdam.connections"))


@bp.route("/reports")
@login_required
def reports() -> Any:
    """Non-revenue water, collection efficiency and arrears, with CSV export."""
    actor = _actor()
    if not actor.can(REPORT):
        abort(403)
    db = get_session()
    months = _months_back(12)
    nrw = services.nrw_report(db, actor, months)
    collection = services.collection_report(db, actor, months)
    owed = services.arrears(db, actor, min_months=1)
    by = "group" if request.args.get("by") == "group" else "desa"
    ageing = services.arrears_ageing(db, actor, regency_today(), by=by)
    export = request.args.get("export") or request.args.get("csv")
    if export:
        fmt = request.args.get("fmt", "csv")
        period = request.args.get("period") or months[-1]
        tables = {
            "nrw": lambda: nrw,
            "collection": lambda: collection,
            "arrears": lambda: [a.__dict__ for a in owed],
            "ageing": lambda: ageing,
            "bills": lambda: services.bill_list(db, actor, period),
            "percapita": lambda: services.per_capita(db, actor, period),
        }
        if export not in tables or fmt not in TABLE_FORMATS or not PERIOD_RE.match(period):
            abort(404)
        rows = tables[export]()
        header = list(rows[0]) if rows else []
        dated = export in ("bills", "percapita")
        stem = f"pdam-{export}-{period}" if dated else f"pdam-{export}"
        return table_download(stem, header, [list(r.values()) for r in rows], fmt)
    regency = [r for r in nrw if r["zone"] == "*"]
    return render_template(
        "pdam/reports.html",
        nrw=nrw,
        regency=regency,
        collection=collection,
        arrears=owed[:100],
        arrears_count=len(owed),
        arrears_total=sum(a.amount for a in owed),
        ageing=ageing,
        ageing_by=by,
        ageing_peak=max((r["total"] for r in ageing[:-1]), default=0) or 1,
        buckets=services.AGEING_BUCKETS,
        last_month=months[-1],
        per_capita=services.per_capita(db, actor, months[-1]),
    )


@bp.route("/check")
def check() -> Any:
    """Public: the last 12 months by customer number and check code; the name is masked."""
    number = (request.args.get("number") or "").strip()[:20]
    code = (request.args.get("code") or "").strip()[:12]
    found = services.public_check(get_session(), number, code) if number and code else None
    peak = max((b["m3"] for b in found["bills"]), default=0) if found else 0
    return render_template("pdam/check.html", found=found, number=number, code=code, peak=peak or 1)


@bp.route("/readings/<id:reading_id>/photo")
@login_required
def reading_photo(reading_id: int) -> Any:
    """The meter's photo of a reading, for whoever reviews it."""
    photo = photos.photo_of(get_session(), _actor(), reading_id)
    return Response(
        photo.data, mimetype=photo.content_type, headers={"Cache-Control": "private, no-store"}
    )

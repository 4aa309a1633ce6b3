"""The auditor's pages: the log with its filters, its CSV export, the per-person report."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pamong.audit import services
from pamong.db import get_session, paginate
from pamong.errors import InvalidInput, NotFound
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit
from pamong.orgunits.services import get_unit
from pamong.web.context import page_arg
from pamong.web.export import download_format, table_download

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")
PER_PAGE = 50
FILTERS = ("actor", "nik", "unit", "action", "since", "until")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["pamong"].settings.time_zone)


def _day(name: str) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidInput(_("Dates are written as YYYY-MM-DD."), field=name) from None


def _query(session: Any) -> tuple[Any, dict[str, str], list[str]]:
    """The filtered statement, the filter values to show again, and problems to report."""
    values = {name: request.args.get(name, "").strip()[:64] for name in FILTERS}
    problems: list[str] = []
    unit = None
    if values["unit"]:
        try:
            unit = get_unit(session, values["unit"])
        except NotFound as error:
            problems.append(error.detail)
    since = until = None
    try:
        first, last = _day("since"), _day("until")
        # Days are the regency's days; "until" includes its whole day.
        since = datetime.combine(first, time.min, _zone()) if first else None
        until = datetime.combine(last + timedelta(days=1), time.min, _zone()) if last else None
    except InvalidInput as error:
        problems.append(error.detail)
    try:
        stmt = services.query_entries(
            current_user.actor,
            action=values["action"] or None,
            actor_name=values["actor"] or None,
            nik=values["nik"] or None,
            unit=unit,
            since=since,
            until=until,
        )
    except InvalidInput as error:
        problems.append(error.detail)
        stmt = services.query_entries(current_user.actor).where(False)
    if problems:
        stmt = stmt.where(False)
    return stmt, values, problems


def _require_auditor() -> None:
    if not current_user.can(services.VIEW):
        abort(403)


@bp.route("")
@login_required
def log() -> Any:
    """The audit log, newest first, filtered by actor, person, unit, action and days."""
    _require_auditor()
    session = get_session()
    stmt, values, problems = _query(session)
    fmt = download_format()
    if fmt and not problems:
        rows = services.export_rows(session, stmt)
        session.rollback()
        return table_download("audit", services.CSV_COLUMNS, rows, fmt)
    page = page_arg()
    entries, total = paginate(session, stmt, page, PER_PAGE)
    units = _unit_names(session, entries)
    return render_template(
        "audit/log.html",
        entries=entries,
        units=units,
        filters=values,
        problems=problems,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        total=total,
        export_args={k: v for k, v in values.items() if v},
    )


@bp.route("/export.csv")
@login_required
def export() -> Any:
    """The filtered log as CSV (at most :data:`~pamong.audit.services.EXPORT_LIMIT` rows)."""
    _require_auditor()
    session = get_session()
    stmt, _values, problems = _query(session)
    if problems:
        abort(400)
    rows = services.export_rows(session, stmt)
    session.rollback()  # read everything first: no transaction open while streaming
    stamp = datetime.now(_zone()).strftime("%Y%m%d-%H%M")
    return Response(
        services.csv_chunks(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )


@bp.route("/person")
@login_required
def person() -> Any:
    """Who read or changed one person's data: for a resident's request (UU PDP 27/2022)."""
    _require_auditor()
    nik = request.args.get("nik", "").strip()[:40]
    report, problem = None, None
    if nik:
        session = get_session()
        try:
            report = services.subject_report(session, current_user.actor, nik)
            session.commit()
        except InvalidInput as error:
            problem = error.detail
    return render_template("audit/person.html", nik=nik, report=report, problem=problem)


def _unit_names(session: Any, entries: list[Any]) -> dict[int, str]:
    ids = {e.org_unit_id for e in entries if e.org_unit_id}
    if not ids:
        return {}
    return dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())

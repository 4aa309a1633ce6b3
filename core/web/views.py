"""The core's pages. Business rules stay in the services; views only translate."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from pamong.accounts import services as accounts
from pamong.db import get_session, paginate
from pamong.errors import AccountLocked, PamongError, Unauthorized
from pamong.i18n import gettext as _
from pamong.identity import services as identity
from pamong.identity.models import DuplicateStatus
from pamong.identity.nik import MESSAGES as NIK_MESSAGES
from pamong.orgunits import services as orgunits
from pamong.orgunits.models import OrgUnit, OrgUnitKind
from pamong.web.context import page_arg, visible_nav_items

bp = Blueprint("web", __name__)
PER_PAGE = 25


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("web.dashboard")


@bp.route("/")
def home() -> Any:
    """Public home: the regency's profile built from the org-unit tree."""
    db = get_session()
    root = orgunits.root_unit(db)
    kecamatan = []
    if root is not None:
        village = OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value
        counts = dict(
            db.execute(
                select(OrgUnit.parent_id, func.count())
                .where(OrgUnit.kind.in_(village))
                .group_by(OrgUnit.parent_id)
            ).all()
        )
        kecamatan = [
            (unit, counts.get(unit.id, 0))
            for unit in orgunits.list_units(db, kind="kecamatan", parent_code=root.code)
        ]
    return render_template("home.html", root=root, kecamatan=kecamatan)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "POST":
        settings = current_app.extensions["pamong"].settings
        db = get_session()
        try:
            user = accounts.authenticate(
                db,
                request.form.get("username", ""),
                request.form.get("password", ""),
                max_failures=settings.login_max_failures,
                lockout_minutes=settings.login_lockout_minutes,
            )
        except AccountLocked:
            db.commit()
            flash(_("Too many failed attempts. The account is locked for a while."), "error")
            return render_template("login.html"), 403
        except Unauthorized:
            db.commit()  # count the failure
            flash(_("Wrong username or password."), "error")
            return render_template("login.html"), 401
        db.commit()
        lang = session.get("lang")
        session.clear()  # a fresh session on login: no fixation
        if lang:
            session["lang"] = lang
        session.permanent = True
        login_user(accounts_session_user(user))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html")


def accounts_session_user(user: Any) -> Any:
    from pamong.auth import load_session_user

    return load_session_user(str(user.id))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.login"))


@bp.route("/lang", methods=["POST"])
def set_language() -> Any:
    lang = request.form.get("lang")
    if lang in ("id", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/dashboard")
@login_required
def dashboard() -> Any:
    items = [item for item in visible_nav_items() if item.endpoint != "web.dashboard"]
    return render_template("dashboard.html", items=items)


@bp.route("/residents")
@login_required
def residents() -> Any:
    actor = current_user.actor
    if not actor.can(identity.VIEW):
        abort(403)
    db = get_session()
    query = request.args.get("q", "").strip()[:100]
    page = page_arg()
    stmt = identity.search_query(actor, query=query or None)
    rows, total = paginate(db, stmt, page, PER_PAGE)
    views = identity.audit_search(db, actor, query, rows)
    db.commit()
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "residents.html", query=query, views=views, total=total, page=page, pages=pages
    )


@bp.route("/residents/<id:resident_id>")
@login_required
def resident(resident_id: int) -> Any:
    db = get_session()
    try:
        view = identity.get_resident(db, current_user.actor, resident_id)
    except PamongError:
        abort(404)
    db.commit()
    return render_template("resident.html", view=view, nik_messages=NIK_MESSAGES)


@bp.route("/duplicates")
@login_required
def duplicates() -> Any:
    actor = current_user.actor
    if not actor.can(identity.REVIEW):
        abort(403)
    status = request.args.get("status", DuplicateStatus.OPEN.value)
    if status not in {s.value for s in DuplicateStatus}:
        status = DuplicateStatus.OPEN.value
    db = get_session()
    candidates = list(db.scalars(identity.duplicate_queue(actor, status).limit(100)).unique())
    return render_template("duplicates.html", candidates=candidates, status=status)


@bp.route("/duplicates/<id:candidate_id>", methods=["POST"])
@login_required
def resolve_duplicate(candidate_id: int) -> Any:
    db = get_session()
    identity.resolve_duplicate(
        db,
        current_user.actor,
        candidate_id,
        request.form.get("status", ""),
        request.form.get("note", "")[:500],
    )
    db.commit()
    flash(_("Resolved."), "info")
    return redirect(url_for("web.duplicates"))


@bp.route("/org-units")
@bp.route("/org-units/<code>")
def org_units(code: str | None = None) -> Any:
    """Browse the tree: the regency, a kecamatan, its villages. Public."""
    db = get_session()
    unit = orgunits.get_unit(db, code) if code else orgunits.root_unit(db)
    if unit is None:
        abort(404)
    children = list(
        db.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code))
    )
    trail = []
    walk: OrgUnit | None = unit
    while walk is not None:
        trail.insert(0, walk)
        walk = walk.parent
    return render_template("org_units.html", unit=unit, children=children, trail=trail)

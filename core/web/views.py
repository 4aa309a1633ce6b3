"""The core's pages. Business rules stay in the services; views only translate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from pamong import dashboard as figures
from pamong import ratelimit
from pamong.accounts import services as accounts
from pamong.accounts.sessions import end_session, purge_sessions, start_session
from pamong.audit.services import LOGIN_FAILED, record, record_security_event
from pamong.auth import SessionUser, anonymous_actor, client_ip
from pamong.db import get_session, paginate, read_mostly_session
from pamong.errors import InvalidInput, PamongError, Unauthorized
from pamong.hookrelay import hooks_of
from pamong.i18n import gettext as _
from pamong.identity import services as identity
from pamong.identity.events import events_of
from pamong.identity.models import DuplicateStatus
from pamong.identity.nik import MESSAGES as NIK_MESSAGES
from pamong.identity.nik import mask_nik
from pamong.orgunits import services as orgunits
from pamong.orgunits.models import OrgUnit, OrgUnitKind
from pamong.runtime import regency_today
from pamong.web.context import page_arg
from pamong.web.export import EXPORT_LIMIT, download_format, table_download
from pamong.web.labels import label
from pamong.web.nav import nav_groups
from pamong.web.registry import village_options
from pamong.web.security import current_request_id

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
    """Public home: a plugin's home page (``pamong_home_page``), else the org-unit tree."""
    db = get_session()
    endpoint = hooks_of(db).pamong_home_page()
    if endpoint and endpoint in current_app.view_functions:
        return current_app.view_functions[endpoint]()
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
    """Staff login; every refusal answers the same, and repeated ones wait longer each time."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "GET":
        return render_template("login.html")
    username = request.form.get("username", "")[:200]
    password = request.form.get("password", "")[:1000]
    address = client_ip()
    throttle = ratelimit.login_throttle()
    db = read_mostly_session()  # the password is checked before the write lock is taken
    wait = throttle.wait_seconds(username, address)
    if wait:
        _login_failed(db, username, "throttled")
        flash(
            _("Too many failed attempts. Wait %(seconds)d seconds and try again.", seconds=wait),
            "error",
        )
        response = make_response(render_template("login.html"), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        user = accounts.authenticate(db, username, password)
    except Unauthorized:
        db.rollback()
        throttle.failed(username, address)
        _login_failed(db, username, "bad-credentials")
        flash(_("Wrong username or password."), "error")
        return render_template("login.html"), 401
    throttle.succeeded(username, address)
    settings = current_app.extensions["pamong"].settings
    token = start_session(
        db,
        user,
        lifetime=timedelta(minutes=settings.session_lifetime_minutes),
        ip=address,
        user_agent=request.user_agent.string,
    )
    actor = accounts.actor_for(user, ip=address, request_id=current_request_id())
    record(db, actor, "auth.login", "user", user.username, org_unit_id=actor.home_unit_id)
    purge_sessions(db)
    db.commit()
    _begin(user, actor, token)
    return redirect(_safe_next(request.args.get("next")))


def _login_failed(db: Any, username: str, reason: str) -> None:
    """Audit a refused login under the name tried (no hint to the client whether it exists)."""
    record_security_event(
        db,
        anonymous_actor(),
        LOGIN_FAILED,
        object_type="user",
        object_id=username.strip().lower()[:64] or None,
        reason=reason,
    )
    db.commit()


def _begin(user: Any, actor: Any, token: str) -> None:
    """A fresh Flask session (no fixation) bound to the server-side session ``token``."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    login_user(SessionUser(user.id, user.username, user.full_name, actor, token))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Log out: the server-side session ends, so a copy of the cookie is worthless."""
    if current_user.is_authenticated:
        db = get_session()
        end_session(db, current_user.session_token)
        actor = current_user.actor
        unit_id = actor.home_unit_id
        record(db, actor, "auth.logout", "user", current_user.username, org_unit_id=unit_id)
        db.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """Change one's own password; every other session of the account ends."""
    if request.method == "GET":
        return render_template("change_password.html")
    form = request.form
    new = form.get("new_password", "")[:1000]
    if new != form.get("repeat_password", "")[:1000]:
        flash(_("The two new passwords differ."), "error")
        return render_template("change_password.html"), 422
    db = get_session()
    actor = current_user.actor
    user = accounts.load_user(db, current_user.id)
    throttle = ratelimit.login_throttle()
    wait = throttle.wait_seconds(user.username, client_ip())
    if wait:
        flash(
            _("Too many failed attempts. Wait %(seconds)d seconds and try again.", seconds=wait),
            "error",
        )
        return render_template("change_password.html"), 429
    try:
        accounts.change_own_password(db, actor, user, form.get("current_password", "")[:1000], new)
    except InvalidInput as error:
        db.rollback()
        if error.slug == "wrong-password":  # a guess at the password, like a failed login
            throttle.failed(user.username, client_ip())
        flash(error.detail, "error")
        return render_template("change_password.html"), 422
    settings = current_app.extensions["pamong"].settings
    token = start_session(
        db,
        user,
        lifetime=timedelta(minutes=settings.session_lifetime_minutes),
        ip=client_ip(),
        user_agent=request.user_agent.string,
    )
    db.commit()
    _begin(user, actor, token)
    flash(_("Password changed. Every other session of your account has ended."), "info")
    return redirect(url_for("web.dashboard"))


@bp.route("/lang", methods=["POST"])
def set_language() -> Any:
    lang = request.form.get("lang")
    if lang in ("id", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/dashboard")
@login_required
def dashboard() -> Any:
    """The user's modules, what waits for them, and today's figures at their units."""
    groups = nav_groups()
    db = get_session()
    actor = current_user.actor
    units = figures.unit_activity(db, actor, regency_today())
    waiting = figures.waiting_for(db, actor)
    roles = current_user.roles  # loaded with the session's user, no second query
    page = render_template(
        "dashboard.html", groups=groups, units=units, waiting=waiting, roles=roles
    )
    db.commit()
    return page


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
    fmt = download_format()
    if fmt:
        found = list(db.scalars(stmt.limit(EXPORT_LIMIT)))
        table = [_resident_row(v) for v in identity.audit_search(db, actor, query, found)]
        db.commit()
        header = [_("NIK"), _("Name"), _("Sex"), _("Desa/kelurahan"), _("Status")]
        return table_download("penduduk", header, table, fmt)
    rows, total = paginate(db, stmt, page, PER_PAGE)
    views = identity.audit_search(db, actor, query, rows)
    db.commit()
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "residents.html", query=query, views=views, total=total, page=page, pages=pages
    )


def _resident_row(view: identity.ResidentView) -> list[str]:
    """A line of the residents download: what the list shows, labels rather than codes."""
    resident = view.resident
    return [
        resident.nik if view.personal else mask_nik(resident.nik),
        resident.name,
        str(label(resident.sex, "sex")),
        resident.domicile.name,
        str(label(resident.status, "status")),
    ]


@bp.route("/residents/<id:resident_id>")
@login_required
def resident(resident_id: int) -> Any:
    db = get_session()
    try:
        view = identity.get_resident(db, current_user.actor, resident_id)
    except PamongError:
        abort(404)
    resident = view.resident
    can_register = current_user.actor.can(identity.REGISTER, resident.domicile)
    page = render_template(
        "resident.html",
        view=view,
        nik_messages=NIK_MESSAGES,
        events=events_of(db, resident.id) if view.personal else [],
        can_register=can_register and resident.status == "living",
        can_correct=can_register,
        villages=village_options() if can_register else [],
        today=regency_today(),
    )
    db.commit()
    return page


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

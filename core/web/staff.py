"""Staff administration pages: users and roles (the audit log is in :mod:`pamong.audit.views`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from pamong.accounts import services as accounts
from pamong.accounts.models import Role
from pamong.accounts.scope import is_regency_wide
from pamong.db import get_session
from pamong.errors import InvalidInput, NotFound, PamongError
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit
from pamong.orgunits.services import get_unit
from pamong.web.roles import role_title

bp = Blueprint("staff", __name__, url_prefix="/staff")


MANAGE = "core.users.manage"


def _manager() -> Any:
    if not current_user.can(MANAGE):
        abort(403)
    return current_user.actor


def _to_user(username: str) -> Any:
    return redirect(url_for("staff.user", username=username))


def _role_at(form: Any) -> tuple[Any, Any]:
    db = get_session()
    return (
        accounts.get_role(db, form.get("role", "")),
        get_unit(db, form.get("unit", "").strip()[:40]),
    )


def _act(username: str, action: Any, done: str) -> Any:
    """Run ``action(session, actor, user)`` on an account in scope; flash the outcome."""
    actor = _manager()
    db = get_session()
    user = accounts.get_managed_user(db, actor, username)  # 404 outside the scope
    try:
        action(db, actor, user)
        db.commit()
    except PamongError as error:
        db.rollback()
        if error.status == 404 and error.slug == "user-not-found":
            raise
        flash(error.detail, "error")
    else:
        flash(done, "info")
    return _to_user(user.username)


@bp.route("/users")
@login_required
def users() -> Any:
    actor = _manager()
    db = get_session()
    people = db.scalars(accounts.managed_users_query(actor)).all()
    home = ""
    if not is_regency_wide(actor):
        paths = actor.scope_paths(MANAGE)
        unit = db.scalar(select(OrgUnit).where(OrgUnit.path == paths[0])) if paths else None
        home = unit.code if unit is not None else ""
    return render_template("staff_users.html", users=people, home_unit=home)


@bp.route("/users", methods=["POST"])
@login_required
def create_user() -> Any:
    db = get_session()
    form = request.form
    try:
        code = form.get("unit", "").strip()[:40]
        user = accounts.create_user(
            db,
            current_user.actor,
            username=form.get("username", ""),
            password=form.get("password", ""),
            full_name=form.get("full_name", "").strip()[:200],
            email=form.get("email", "").strip()[:200] or None,
            unit=get_unit(db, code) if code else None,
        )
        db.commit()
    except PamongError as error:
        db.rollback()
        flash(error.detail, "error")
        return redirect(url_for("staff.users"))
    flash(_("User %(name)s created.", name=user.username), "info")
    return _to_user(user.username)


@bp.route("/users/<username>")
@login_required
def user(username: str) -> Any:
    actor = _manager()
    db = get_session()
    account = accounts.get_managed_user(db, actor, username)
    roles = sorted(db.scalars(select(Role)), key=role_title)
    return render_template(
        "staff_user.html",
        account=account,
        roles=roles,
        tokens=accounts.user_tokens(db, actor, account),
        is_self=account.id == actor.user_id,
    )


@bp.route("/users/<username>/grants", methods=["POST"])
@login_required
def grant_role(username: str) -> Any:
    def grant(db: Any, actor: Any, account: Any) -> None:
        accounts.assign_role(db, actor, account, *_role_at(request.form))

    return _act(username, grant, _("Role granted."))


@bp.route("/users/<username>/grants/revoke", methods=["POST"])
@login_required
def revoke_role(username: str) -> Any:
    def revoke(db: Any, actor: Any, account: Any) -> None:
        accounts.revoke_role(db, actor, account, *_role_at(request.form))

    return _act(username, revoke, _("Role revoked."))


@bp.route("/users/<username>/deactivate", methods=["POST"])
@login_required
def deactivate_user(username: str) -> Any:
    return _act(username, accounts.deactivate_user, _("The account is deactivated."))


@bp.route("/users/<username>/reactivate", methods=["POST"])
@login_required
def reactivate_user(username: str) -> Any:
    return _act(username, accounts.reactivate_user, _("The account is active again."))


@bp.route("/users/<username>/password", methods=["POST"])
@login_required
def set_password(username: str) -> Any:
    def change(db: Any, actor: Any, account: Any) -> None:
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            raise InvalidInput(_("The two passwords differ."))
        accounts.admin_set_password(db, actor, account, password)

    return _act(username, change, _("The password is set. Tell the user in person."))


@bp.route("/users/<username>/tokens/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(username: str, token_id: int) -> Any:
    def revoke(db: Any, actor: Any, account: Any) -> None:
        if accounts.revoke_token(db, actor, token_id).user_id != account.id:
            raise NotFound(_("No token %(token_id)s.", token_id=token_id))

    return _act(username, revoke, _("Token revoked."))

"""Staff administration pages: users and roles (the audit log is in :mod:`pamong.audit.views`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pamong.accounts import services as accounts
from pamong.accounts.models import Role, User
from pamong.db import get_session
from pamong.errors import PamongError
from pamong.i18n import gettext as _
from pamong.orgunits.services import get_unit

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/users")
@login_required
def users() -> Any:
    if not current_user.can("core.users.manage"):
        abort(403)
    db = get_session()
    people = db.scalars(
        select(User).options(selectinload(User.assignments)).order_by(User.username)
    ).all()
    roles = db.scalars(select(Role).order_by(Role.name)).all()
    return render_template("staff_users.html", users=people, roles=roles)


@bp.route("/users", methods=["POST"])
@login_required
def create_user() -> Any:
    db = get_session()
    form = request.form
    try:
        user = accounts.create_user(
            db,
            current_user.actor,
            username=form.get("username", ""),
            password=form.get("password", ""),
            full_name=form.get("full_name", "").strip()[:200],
        )
        db.commit()
    except PamongError as error:
        db.rollback()
        flash(error.detail, "error")
        return redirect(url_for("staff.users"))
    flash(_("User %(name)s created.", name=user.username), "info")
    return redirect(url_for("staff.users"))


@bp.route("/users/<username>/grants", methods=["POST"])
@login_required
def grant_role(username: str) -> Any:
    db = get_session()
    try:
        user = accounts.get_user(db, username)
        role = accounts.get_role(db, request.form.get("role", ""))
        unit = get_unit(db, request.form.get("unit", "").strip())
        accounts.assign_role(db, current_user.actor, user, role, unit)
        db.commit()
    except PamongError as error:
        db.rollback()
        flash(error.detail, "error")
        return redirect(url_for("staff.users"))
    flash(_("Role granted."), "info")
    return redirect(url_for("staff.users"))

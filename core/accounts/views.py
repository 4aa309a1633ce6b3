"""Pages for a forgotten password: ask for a link, then choose a new password."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from pamong import ratelimit
from pamong.accounts import reset
from pamong.accounts.links import reset_link, reset_requested_message
from pamong.auth import client_ip
from pamong.db import get_session
from pamong.errors import InvalidInput
from pamong.i18n import gettext as _

bp = Blueprint("accounts", __name__, url_prefix="/password")


@bp.route("/forgot", methods=["GET", "POST"])
@ratelimit.public
def forgot_password() -> Any:
    if request.method == "POST":
        db = get_session()
        reset.request_password_reset(
            db,
            request.form.get("login", "")[:200],
            link_for=reset_link,
            valid_minutes=current_app.extensions["pamong"].settings.password_reset_minutes,
            ip=client_ip(),
        )
        db.commit()
        flash(reset_requested_message(), "info")
        return redirect(url_for("web.login"))
    return render_template("password_forgot.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@ratelimit.public
def reset_password(token: str) -> Any:
    db = get_session()
    status = 200
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            flash(_("The two passwords differ."), "error")
            status = 422
        else:
            try:
                reset.reset_password_with_link(db, token, password, ip=client_ip())
            except InvalidInput as error:
                db.rollback()
                flash(error.detail, "error")
                status = 422
            else:
                db.commit()
                flash(_("Your password is changed. Log in with it."), "info")
                return redirect(url_for("web.login"))
    valid = reset.reset_link_is_valid(db, token)
    response = make_response(
        render_template("password_reset.html", valid=valid), status if valid else 404
    )
    # The token is in the address: never hand it on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response

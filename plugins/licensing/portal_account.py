"""Applicant account pages: confirming the e-mail address or phone, and password reset.

Registered on the licensing blueprint; every page is public and rate limited.
A wrong code is counted (and committed) before the error shows, so guessing
voids the account's open codes (:mod:`.applicant_codes`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for

from pamong.plugin import InvalidInput, _, get_session, public_rate_limited
from pamong_plugins.licensing import applicant_codes
from pamong_plugins.licensing.applicant_codes import code_minutes, send_verification
from pamong_plugins.licensing.models import Applicant
from pamong_plugins.licensing.views import APPLICANT_KEY, bp


def _logged_in() -> Applicant | None:
    applicant_id = session.get(APPLICANT_KEY)
    return get_session().get(Applicant, applicant_id) if isinstance(applicant_id, int) else None


def _verify(code: str, applicant: Applicant | None) -> Any:
    db = get_session()
    try:
        applicant_codes.verify_contact(db, code, applicant)
    except InvalidInput as error:
        db.commit()  # keep the count of wrong codes
        flash(error.detail, "error")
        return render_template("licensing/portal_verify.html", applicant=applicant), 422
    db.commit()
    flash(_("Thank you: your account is confirmed."), "info")
    return redirect(url_for("licensing.portal"))


@bp.route("/portal/verify", methods=["GET", "POST"])
@public_rate_limited
def portal_verify() -> Any:
    applicant = _logged_in()
    if applicant is None:
        return redirect(url_for("licensing.portal_login", next=request.path))
    if request.method == "POST":
        if "resend" in request.form:
            db = get_session()
            send_verification(db, applicant)
            db.commit()
            flash(_("If the limit allows, a new code is on its way."), "info")
            return redirect(url_for("licensing.portal_verify"))
        return _verify(request.form.get("code", ""), applicant)
    return render_template("licensing/portal_verify.html", applicant=applicant)


@bp.route("/portal/verify/<token>")
@public_rate_limited
def portal_verify_link(token: str) -> Any:
    return _verify(token, None)


@bp.route("/portal/forgot", methods=["GET", "POST"])
@public_rate_limited
def portal_forgot() -> Any:
    if request.method == "POST":
        db = get_session()
        applicant_codes.request_reset(
            db,
            request.form.get("login", ""),
            link_for=lambda token: url_for("licensing.portal_reset", token=token, _external=True),
            minutes=code_minutes(),
        )
        db.commit()
        flash(
            _(
                "If an account has this e-mail address or phone number, a reset link or "
                "code is on its way."
            ),
            "info",
        )
        return redirect(url_for("licensing.portal_reset_code"))
    return render_template("licensing/portal_forgot.html")


def _reset(token: str) -> Any:
    if request.method == "POST":
        db = get_session()
        try:
            applicant_codes.reset_password(
                db,
                token or request.form.get("code", ""),
                request.form.get("password", ""),
                "" if token else request.form.get("login", ""),
            )
        except InvalidInput as error:
            db.commit()  # keep the count of wrong codes
            flash(error.detail, "error")
            return render_template(
                "licensing/portal_reset.html", token=token, form=request.form
            ), 422
        db.commit()
        flash(_("Your password is changed: log in with it."), "info")
        return redirect(url_for("licensing.portal_login"))
    return render_template("licensing/portal_reset.html", token=token, form={})


@bp.route("/portal/reset", methods=["GET", "POST"])
@public_rate_limited
def portal_reset_code() -> Any:
    return _reset("")


@bp.route("/portal/reset/<token>", methods=["GET", "POST"])
@public_rate_limited
def portal_reset(token: str) -> Any:
    return _reset(token)

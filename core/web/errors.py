"""HTML error pages and flash messages for errors outside the API."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from pamong.errors import PamongError, Unauthorized
from pamong.i18n import gettext as _


def html_error_page(error: HTTPException) -> Any:
    code = error.code or 500
    titles = {
        400: _("Bad request"),
        403: _("You may not see this page"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("The upload is too large"),
        429: _("Too many requests. Please wait a minute and try again."),
        500: _("Something went wrong"),
    }
    return render_template("error.html", code=code, title=titles.get(code, error.name)), code


def html_domain_error(error: PamongError) -> Any:
    if isinstance(error, Unauthorized):
        return redirect(url_for("web.login", next=request.full_path))
    if request.method == "POST" and error.status in (409, 422):
        flash(error.detail, "error")
        return redirect(request.referrer or url_for("web.dashboard"))
    return render_template("error.html", code=error.status, title=error.detail), error.status

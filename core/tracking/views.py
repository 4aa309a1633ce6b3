"""The public tracker page: a receipt number in, the file's progress out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from pamong import ratelimit
from pamong.db import get_session
from pamong.errors import NotFound
from pamong.hookrelay import hooks_of
from pamong.hooks import TrackerLink
from pamong.tracking.models import TrackedItem
from pamong.tracking.services import public_status

bp = Blueprint("tracking", __name__, url_prefix="/track")


@bp.route("/")
@ratelimit.public
def form() -> Any:
    number = request.args.get("number", "").strip()[:30]
    if number:
        return redirect(url_for("tracking.status", number=number.upper()))
    return render_template("tracking/form.html")


@bp.route("/<number>")
@ratelimit.public
def status(number: str) -> Any:
    try:
        view = public_status(
            get_session(), number, current_app.extensions["pamong"].trackable_kinds
        )
    except NotFound:
        return render_template("tracking/form.html", number=number[:30], unknown=True), 404
    return render_template("tracking/status.html", status=view, links=_links(view.number))


def _links(number: str) -> list[TrackerLink]:
    """What plugins add under the file (``pamong_tracker_links``)."""
    session = get_session()
    item = session.scalar(select(TrackedItem).where(TrackedItem.number == number))
    found = hooks_of(session).pamong_tracker_links(item=item, session=session)
    return [link for links in found for link in links or () if isinstance(link, TrackerLink)]

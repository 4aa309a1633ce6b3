"""The public page a document's QR code points at."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from pamong import ratelimit
from pamong.db import get_session
from pamong.documents.services import verify
from pamong.errors import NotFound

bp = Blueprint("documents", __name__, url_prefix="/verify")


@bp.route("/<code>")
@ratelimit.public
def verify_page(code: str) -> Any:
    try:
        result = verify(get_session(), code, current_app.extensions["pamong"].document_kinds)
    except NotFound:
        return render_template("documents/verify.html", result=None), 404
    return render_template("documents/verify.html", result=result)

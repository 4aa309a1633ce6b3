"""The desa office's pages at ``/suratdesa/`` (blueprint ``suratdesa``).

The list of letters with a form to register a request, one letter's page
(issue it, print it). Forms carry a CSRF token and are checked with the
API's schema.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import EXCLUDE, ValidationError

from pamong.plugin import (
    InvalidInput,
    _,
    get_session,
    paginate,
    plugin_settings,
    require,
    web_actor,
)

from pamong_suratdesa import services
from pamong_suratdesa.letter import letter_pdf
from pamong_suratdesa.models import KIND_LABELS
from pamong_suratdesa.permissions import SERVE, VIEW
from pamong_suratdesa.schemas import LetterRequestSchema

bp = Blueprint("suratdesa", __name__, template_folder="templates")
SHOWN = 50


@bp.app_template_filter("suratdesa_kind")
def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.route("/")
@login_required
def index() -> str:
    actor = web_actor()
    require(actor, VIEW)
    letters, total = paginate(get_session(), services.letters_query(actor), 1, SHOWN)
    return render_template(
        "suratdesa/index.html",
        letters=letters,
        total=total,
        kinds=KIND_LABELS,
        can_serve=actor.can(SERVE),
    )


@bp.route("/letters", methods=["POST"])
@login_required
def request_letter() -> Any:
    try:
        data = LetterRequestSchema(unknown=EXCLUDE).load(request.form)
    except ValidationError as error:
        fields = ", ".join(sorted(error.messages))
        raise InvalidInput(_("Please check: %(fields)s.", fields=fields)) from None
    session = get_session()
    settings = plugin_settings("suratdesa")
    letter = services.request_letter(
        session,
        web_actor(),
        **data,
        fee=settings["fee"],
        fee_legal_basis=settings["fee_legal_basis"],
    )
    session.commit()
    flash(_("Request registered: %(number)s.", number=letter.tracking_number), "info")
    return redirect(url_for("suratdesa.letter", letter_id=letter.id))


@bp.route("/letters/<id:letter_id>")
@login_required
def letter(letter_id: int) -> str:
    session = get_session()
    actor = web_actor()
    found = services.get_letter(session, actor, letter_id)
    session.commit()  # the audit entry of the read
    return render_template(
        "suratdesa/letter.html", letter=found, can_serve=actor.can(SERVE, found.desa)
    )


@bp.route("/letters/<id:letter_id>/issue", methods=["POST"])
@login_required
def issue(letter_id: int) -> Any:
    session = get_session()
    services.issue_letter(session, web_actor(), letter_id)
    session.commit()
    flash(_("The letter is issued."), "info")
    return redirect(url_for("suratdesa.letter", letter_id=letter_id))


@bp.route("/letters/<id:letter_id>/pdf")
@login_required
def pdf(letter_id: int) -> Response:
    session = get_session()
    pdf = letter_pdf(services.get_issued_letter(session, web_actor(), letter_id))
    session.commit()
    return Response(pdf, mimetype="application/pdf")

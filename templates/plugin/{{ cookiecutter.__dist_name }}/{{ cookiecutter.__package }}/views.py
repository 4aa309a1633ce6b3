"""The staff page at ``/{{ cookiecutter.plugin_id }}/`` (blueprint ``{{ cookiecutter.plugin_id }}``).

It lists the entries, and offers a form to add one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import EXCLUDE, ValidationError

from pamong.plugin import InvalidInput, _, get_session, paginate, require, web_actor

from {{ cookiecutter.__package }} import services
from {{ cookiecutter.__package }}.permissions import VIEW
from {{ cookiecutter.__package }}.schemas import {{ cookiecutter.__model_prefix }}EntryInSchema

bp = Blueprint("{{ cookiecutter.plugin_id }}", __name__, template_folder="templates")
SHOWN = 50


@bp.route("/")
@login_required
def index() -> str:
    actor = web_actor()
    require(actor, VIEW)
    session = get_session()
    entries, total = paginate(session, services.entries_query(actor), 1, SHOWN)
    units = services.units_to_record_at(session, actor)
    return render_template("{{ cookiecutter.plugin_id }}/index.html", entries=entries, total=total, units=units)


@bp.route("/entries", methods=["POST"])
@login_required
def add() -> Any:
    try:  # the API's schema checks the form too
        data = {{ cookiecutter.__model_prefix }}EntryInSchema(unknown=EXCLUDE).load(request.form)
    except ValidationError as error:
        fields = ", ".join(sorted(error.messages))
        raise InvalidInput(_("Please check: %(fields)s.", fields=fields)) from None
    session = get_session()
    entry = services.add_entry(session, web_actor(), **data)
    session.commit()
    flash(_("Recorded: %(title)s.", title=entry.title), "info")
    return redirect(url_for("{{ cookiecutter.plugin_id }}.index"))

"""The staff page of {{ cookiecutter.plugin_id }} (blueprint ``{{ cookiecutter.plugin_id }}``, mounted at ``/{{ cookiecutter.plugin_id }}``)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from pamong.auth import require
{%- if cookiecutter.include_model %}
from pamong.db import get_session
from {{ cookiecutter.__package }} import services
{%- endif %}

web = Blueprint("{{ cookiecutter.plugin_id }}", __name__, template_folder="templates")


@web.route("/")
@login_required
def index() -> str:
    require(current_user.actor, "{{ cookiecutter.plugin_id }}.view")
{%- if cookiecutter.include_model %}
    entries = services.list_entries(get_session())
{%- else %}
    entries: list[object] = []
{%- endif %}
    return render_template("{{ cookiecutter.plugin_id }}/index.html", entries=entries)

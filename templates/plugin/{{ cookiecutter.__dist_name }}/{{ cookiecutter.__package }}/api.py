"""The REST API of {{ cookiecutter.plugin_id }} (blueprint ``{{ cookiecutter.plugin_id }}_api``, at ``/api/v1/{{ cookiecutter.plugin_id }}``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields{% if cookiecutter.include_model %}, validate{% endif %}

from pamong.auth import api_actor, require, token_required
from pamong.rest import Blueprint
{%- if cookiecutter.include_model %}
from pamong.db import get_session
from {{ cookiecutter.__package }} import services
{%- endif %}
from {{ cookiecutter.__package }} import PLUGIN

blp = Blueprint("{{ cookiecutter.plugin_id }}_api", __name__, description="{{ cookiecutter.title }}")


class AboutSchema(Schema):
    plugin = fields.String()
    version = fields.String()


@blp.route("/about")
@blp.response(200, AboutSchema)
def about() -> dict[str, str]:
    """The plugin's id and version (public)."""
    return {"plugin": PLUGIN.id, "version": PLUGIN.version}
{%- if cookiecutter.include_model %}


class EntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit_code = fields.String(required=True, load_only=True)
    created_at = fields.DateTime(dump_only=True)


@blp.route("/entries")
@token_required
@blp.response(200, EntrySchema(many=True))
def list_entries() -> Any:
    """Every entry (needs ``{{ cookiecutter.plugin_id }}.view``)."""
    require(api_actor(), "{{ cookiecutter.plugin_id }}.view")  # type: ignore[arg-type]
    return services.list_entries(get_session())


@blp.route("/entries", methods=["POST"])
@token_required
@blp.arguments(EntrySchema)
@blp.response(201, EntrySchema)
def add_entry(data: dict[str, Any]) -> Any:
    """Record an entry at an org unit (needs ``{{ cookiecutter.plugin_id }}.manage`` there)."""
    session = get_session()
    entry = services.add_entry(session, api_actor(), **data)  # type: ignore[arg-type]
    session.commit()
    return entry
{%- endif %}

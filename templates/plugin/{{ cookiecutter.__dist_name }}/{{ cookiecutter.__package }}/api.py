"""REST at ``/api/v1/{{ cookiecutter.plugin_id }}`` (blueprint ``{{ cookiecutter.plugin_id }}_api``).

Every endpoint is in the OpenAPI document, ``/api/v1/openapi.json``.

Errors are problem+json: a service's ``Forbidden`` becomes 403, a bad body 422.
"""

from __future__ import annotations

from typing import Any

from pamong.plugin import (
    BEARER,
    ApiBlueprint,
    api_actor,
    get_session,
    paginate,
    require,
    token_required,
)

from {{ cookiecutter.__package }} import PLUGIN, services
from {{ cookiecutter.__package }}.permissions import VIEW
from {{ cookiecutter.__package }}.schemas import (
    AboutSchema,
    {{ cookiecutter.__model_prefix }}EntryInSchema,
    {{ cookiecutter.__model_prefix }}EntryPageSchema,
    {{ cookiecutter.__model_prefix }}EntryQueryArgs,
    {{ cookiecutter.__model_prefix }}EntrySchema,
)

blp = ApiBlueprint("{{ cookiecutter.plugin_id }}_api", __name__, description=PLUGIN.description)


@blp.route("/about")
@blp.response(200, AboutSchema)
def about() -> dict[str, str]:
    """The plugin's id and version (public: no token needed)."""
    return {"plugin": PLUGIN.id, "version": PLUGIN.version}


@blp.route("/entries")
@token_required
@blp.arguments({{ cookiecutter.__model_prefix }}EntryQueryArgs, location="query")
@blp.response(200, {{ cookiecutter.__model_prefix }}EntryPageSchema)
@blp.doc(security=BEARER)
def list_entries(args: dict[str, Any]) -> dict[str, Any]:
    """The entries of the caller's org units, newest first (needs the view permission)."""
    actor = api_actor()
    require(actor, VIEW)
    stmt = services.entries_query(actor, unit_code=args.get("unit_code"))
    items, total = paginate(get_session(), stmt, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/entries", methods=["POST"])
@token_required
@blp.arguments({{ cookiecutter.__model_prefix }}EntryInSchema)
@blp.response(201, {{ cookiecutter.__model_prefix }}EntrySchema)
@blp.doc(security=BEARER)
@blp.alt_response(403, description="No permission to record at that org unit")
def create_entry(data: dict[str, Any]) -> Any:
    """Record an entry at an org unit (needs the manage permission there)."""
    session = get_session()
    entry = services.add_entry(session, api_actor(), **data)
    session.commit()
    return entry

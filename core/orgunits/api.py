"""REST: ``/api/v1/org-units``. Reading the tree is public; changing it needs a token."""

from __future__ import annotations

from typing import Any

from pamong.auth import api_actor, token_required
from pamong.db import get_session
from pamong.orgunits import services
from pamong.orgunits.schemas import OrgUnitCreateSchema, OrgUnitQuerySchema, OrgUnitSchema
from pamong.rest import API_PREFIX, BEARER, Blueprint

blp = Blueprint(
    "orgunits_api",
    __name__,
    url_prefix=f"{API_PREFIX}/org-units",
    description="The regency's org-unit tree: territorial units and offices",
)


@blp.route("")
@blp.arguments(OrgUnitQuerySchema, location="query")
@blp.response(200, OrgUnitSchema(many=True))
def list_org_units(args: dict[str, Any]):
    """List org units, filtered by kind, parent or ancestor. Public."""
    return services.list_units(
        get_session(),
        kind=args.get("kind"),
        parent_code=args.get("parent"),
        within_code=args.get("within"),
    )


@blp.route("", methods=["POST"])
@token_required
@blp.arguments(OrgUnitCreateSchema)
@blp.response(201, OrgUnitSchema)
@blp.doc(security=BEARER)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not allowed at this parent")
@blp.alt_response(409, description="Code exists")
def create_org_unit(data: dict[str, Any]):
    """Add an org unit (e.g. an SKPD or a service point) under a parent."""
    actor = api_actor()
    session = get_session()
    unit = services.add_unit(session, actor, **data)
    session.commit()
    return unit


@blp.route("/<code>")
@blp.response(200, OrgUnitSchema)
@blp.alt_response(404, description="Unknown code")
def get_org_unit(code: str):
    """One org unit by code. Public."""
    return services.get_unit(get_session(), code)

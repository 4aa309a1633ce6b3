"""REST: ``/api/v1/pdam/routes``: reading routes per reader and month, and their progress."""

from __future__ import annotations

from typing import Any

from pamong.plugin import BEARER, api_actor, get_session, regency_today, token_required
from pamong_plugins.pdam import routes
from pamong_plugins.pdam.api import blp
from pamong_plugins.pdam.schemas import (
    PdamCopiedRoutesSchema,
    PdamRouteCopySchema,
    PdamRouteProgressSchema,
    PdamRouteSchema,
    PdamRouteSetSchema,
    PdamRouteStopSchema,
)
from pamong_plugins.pdam.schemas import (
    PdamPerCapitaArgs as PdamPeriodArgs,
)


@blp.route("/routes")
@token_required
@blp.arguments(PdamPeriodArgs, location="query")
@blp.response(200, PdamRouteProgressSchema(many=True))
@blp.doc(security=BEARER)
def route_progress(args: dict[str, Any]):
    """Every route of the month in the caller's units: stops, read, held (``pdam.billing``)."""
    return routes.progress(get_session(), api_actor(), args["period"])


@blp.route("/routes", methods=["POST"])
@token_required
@blp.arguments(PdamRouteSetSchema)
@blp.response(200, PdamRouteSchema)
@blp.doc(security=BEARER)
def set_route(data: dict[str, Any]):
    """Set or replace a reader's route for a month (bad stops listed with their line)."""
    session = get_session()
    route = routes.set_route(session, api_actor(), today=regency_today(), **data)
    session.commit()
    return route


@blp.route("/routes/copy", methods=["POST"])
@token_required
@blp.arguments(PdamRouteCopySchema)
@blp.response(200, PdamCopiedRoutesSchema)
@blp.doc(security=BEARER)
def copy_routes(data: dict[str, Any]):
    """Give every reader last month's route for the month (closed connections left out)."""
    session = get_session()
    result = routes.copy_routes(session, api_actor(), data["period"], today=regency_today())
    session.commit()
    return result


@blp.route("/routes/mine")
@token_required
@blp.arguments(PdamPeriodArgs, location="query")
@blp.response(200, PdamRouteStopSchema(many=True))
@blp.doc(security=BEARER)
def my_route(args: dict[str, Any]):
    """The caller's stops for the month in walking order, with what is read already."""
    session = get_session()
    stops = routes.my_route(session, api_actor(), args["period"])
    session.commit()
    return stops

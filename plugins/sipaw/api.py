"""REST: ``/api/v1/sipaw``: markets, commodities, observations, publication, open data, board.

Open data (``/open-data``, ``/open-data/summary``, ``/open-data/board``)
is public and is what peer regencies pull.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from pamong.plugin import (
    BEARER,
    ApiBlueprint,
    InvalidInput,
    _,
    api_actor,
    get_session,
    public_rate_limited,
    regency_today,
    token_required,
)
from pamong_plugins.sipaw import board, opendata, peers, services, traders
from pamong_plugins.sipaw.schemas import (
    BoardFeedSchema,
    CommoditySaveSchema,
    CommoditySchema,
    MarketCreateSchema,
    MarketSchema,
    ModerateSchema,
    ObservationBatchSchema,
    ObservationsSavedSchema,
    OpenDataSchema,
    PostOutSchema,
    PostSchema,
    PublishResultSchema,
    PublishSchema,
    RangeArgs,
    ReferencePriceOutSchema,
    ReferencePriceSchema,
    SummarySchema,
    TraderConfirmSchema,
    TraderDecisionSchema,
    TraderListArgs,
    TraderRegisterSchema,
    TraderSchema,
    TraderStateSchema,
)

blp = ApiBlueprint("sipaw_api", __name__, description="SIPAW: staple-food prices")


def _range(args: dict[str, Any]) -> tuple[Any, Any]:
    last = args.get("last") or services.latest_day(get_session()) or regency_today()
    first = args.get("first") or last
    opendata.check_range(first, last)
    return first, last


@blp.route("/markets")
@blp.response(200, MarketSchema(many=True))
def list_markets():
    """The markets where prices are collected (public)."""
    return services.list_markets(get_session())


@blp.route("/markets", methods=["POST"])
@token_required
@blp.arguments(MarketCreateSchema)
@blp.response(201, MarketSchema)
@blp.doc(security=BEARER)
def create_market(data: dict[str, Any]):
    """Add a market (a functional org unit under the trade office)."""
    session = get_session()
    market = services.add_market(session, api_actor(), **data)
    session.commit()
    return market


@blp.route("/commodities")
@blp.response(200, CommoditySchema(many=True))
def list_commodities():
    """The commodity list (PIHPS/SP2KP) with units and variants (public)."""
    return services.list_commodities(get_session())


@blp.route("/commodities", methods=["POST"])
@token_required
@blp.arguments(CommoditySaveSchema)
@blp.response(200, CommoditySchema)
@blp.doc(security=BEARER)
def save_commodity(data: dict[str, Any]):
    """Add a commodity or edit one (name, category, unit, variant, active)."""
    session = get_session()
    commodity = services.save_commodity(session, api_actor(), **data)
    session.commit()
    return commodity


@blp.route("/reference-prices", methods=["POST"])
@token_required
@blp.arguments(ReferencePriceSchema)
@blp.response(201, ReferencePriceOutSchema)
@blp.doc(security=BEARER)
def add_reference(data: dict[str, Any]):
    """Set a HET or HAP for a period (a new open-ended one ends the previous)."""
    session = get_session()
    ref = services.add_reference_price(session, api_actor(), **data)
    session.commit()
    return ref


@blp.route("/observations", methods=["POST"])
@token_required
@blp.arguments(ObservationBatchSchema)
@blp.response(201, ObservationsSavedSchema)
@blp.doc(security=BEARER)
def add_observations(data: dict[str, Any]):
    """A market's observations of a day, all or none; errors list each bad entry."""
    session = get_session()
    made = services.record_observations(
        session, api_actor(), market_code=data["market"], day=data["day"], entries=data["entries"]
    )
    session.commit()
    return {"saved": len(made)}


@blp.route("/publications", methods=["POST"])
@token_required
@blp.arguments(PublishSchema)
@blp.response(201, PublishResultSchema)
@blp.doc(security=BEARER)
def publish(data: dict[str, Any]):
    """Publish the day's medians; changing a published price needs a note."""
    session = get_session()
    result = services.publish_day(
        session, api_actor(), data["day"], market_codes=data["markets"], note=data["note"]
    )
    session.commit()
    return result


@blp.route("/open-data")
@public_rate_limited
@blp.arguments(RangeArgs, location="query")
@blp.response(200, OpenDataSchema)
def open_data(args: dict[str, Any]):
    """Published prices per market and day (WFP/HDX columns); missing prices are explicit."""
    first, last = _range(args)
    if (last - first).days > 366:
        raise InvalidInput(
            _("JSON is served for at most a year; use the CSV."), slug="range-too-long"
        )
    meta = opendata.metadata()
    meta["from"], meta["to"] = first.isoformat(), last.isoformat()
    meta["rows"] = list(opendata.rows(get_session(), first, last))
    return meta


@blp.route("/open-data/summary")
@public_rate_limited
@blp.etag
@blp.arguments(RangeArgs, location="query")
@blp.response(200, SummarySchema)
def open_data_summary(args: dict[str, Any]):
    """The regency price (median over markets) per commodity and day: what peers pull."""
    first, last = _range(args)
    return peers.summary(get_session(), first, last)


@blp.route("/open-data/board")
@public_rate_limited
@blp.etag
@blp.response(200, BoardFeedSchema)
def open_data_board():
    """Approved, current trade-board posts without contacts: what peers match against.

    Each post has a stable ``id`` and a ``link`` to it on our board, through which a
    peer's trader reaches the poster (contacts never leave this deployment).
    """
    link = url_for("sipaw.board_page", _external=True)
    return board.feed(get_session(), regency_today(), link)


@blp.route("/traders", methods=["POST"])
@public_rate_limited
@blp.arguments(TraderRegisterSchema)
@blp.response(201, TraderStateSchema)
def register_trader(data: dict[str, Any]):
    """A trader, cooperative or BUMDes registers itself; a code is sent to its phone."""
    session = get_session()
    data["region"] = data.pop("region_code")
    trader = traders.register(session, **data)
    session.commit()
    return {"status": trader.status}


@blp.route("/traders/confirmation", methods=["POST"])
@public_rate_limited
@blp.arguments(TraderConfirmSchema)
@blp.response(200, TraderStateSchema)
def confirm_trader(data: dict[str, Any]):
    """The code sent to the phone proves it; the trader then waits for the trade office."""
    session = get_session()
    try:
        trader = traders.confirm(session, data["phone"], data["code"])
    finally:
        session.commit()  # a wrong try counts even though the answer is an error
    return {"status": trader.status}


@blp.route("/traders")
@token_required
@blp.arguments(TraderListArgs, location="query")
@blp.response(200, TraderSchema(many=True))
@blp.doc(security=BEARER)
def list_traders(args: dict[str, Any]):
    """Registered traders by status (default: waiting for verification); reads audited."""
    session = get_session()
    found = [traders.public(t) for t in traders.queue(session, api_actor(), args["status"])]
    session.commit()
    return found


@blp.route("/traders/<id:trader_id>/decision", methods=["POST"])
@token_required
@blp.arguments(TraderDecisionSchema)
@blp.response(200, TraderSchema)
@blp.doc(security=BEARER)
def decide_trader(data: dict[str, Any], trader_id: int):
    """Verify or reject a trader whose phone is confirmed (it is told by SMS)."""
    session = get_session()
    trader = traders.decide(session, api_actor(), trader_id, data["status"], data["note"])
    session.commit()
    return traders.public(trader)


@blp.route("/board/posts", methods=["POST"])
@token_required
@blp.arguments(PostSchema)
@blp.response(201, PostOutSchema)
@blp.doc(security=BEARER)
def add_post(data: dict[str, Any]):
    """A verified trader's offer or request (waits for moderation)."""
    session = get_session()
    post = board.add_post(session, api_actor(), **data)
    session.commit()
    return post


@blp.route("/board/posts/<id:post_id>/moderation", methods=["POST"])
@token_required
@blp.arguments(ModerateSchema)
@blp.response(200, PostOutSchema)
@blp.doc(security=BEARER)
def moderate_post(data: dict[str, Any], post_id: int):
    """Approve, reject or close a post."""
    session = get_session()
    post = board.moderate(session, api_actor(), post_id, data["status"])
    session.commit()
    return post

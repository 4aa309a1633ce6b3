"""The trade board: verified traders, cooperatives and BUMDes post offers and requests.

Posts wait for moderation; approved ones are public without contact
details (those are for logged-in verified traders). Matching pairs an
offer in one region with a request in another (ours and the peers'
boards) for the same commodity in overlapping periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Forbidden,
    InvalidInput,
    NotFound,
    _,
    audit,
    record_personal_read,
    region_code,
)
from pamong_plugins.sipaw import permissions as perm
from pamong_plugins.sipaw import services
from pamong_plugins.sipaw.models import PostKind, PostStatus, SipawTradePost, SipawTrader

BOARD_SCHEMA = "pamong-sipaw-board"
#: At most this many posts are taken from one peer's board.
MAX_PEER_POSTS = 500


def add_post(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    commodity_code: str,
    quantity_kg: int,
    price: Any,
    place: str,
    period_from: date,
    period_until: date,
    organisation: str = "",
    contact: str = "",
    trader: SipawTrader | None = None,
) -> SipawTradePost:
    """A verified trader's offer or request; it waits for moderation.

    ``trader`` is a registered trader (its name and phone are the defaults of
    organisation and contact); without one, ``actor`` must hold ``sipaw.trader``.
    """
    if trader is not None:
        if not trader.verified:
            raise Forbidden(_("Only verified traders post on the trade board."))
        organisation = organisation or trader.name
        contact = contact or trader.phone
    elif not actor.can(perm.TRADER):
        raise Forbidden(_("Only verified traders post on the trade board."))
    if kind not in {k.value for k in PostKind}:
        raise InvalidInput(_("A post is an offer or a request."), slug="invalid-kind")
    if quantity_kg <= 0:
        raise InvalidInput(_("The quantity must be above zero."), slug="invalid-quantity")
    if period_until < period_from:
        raise InvalidInput(_("The period ends before it starts."), slug="invalid-period")
    if not place.strip() or not organisation.strip() or not contact.strip():
        raise InvalidInput(_("Place, organisation and contact are required."), slug="missing-field")
    commodity = services.get_commodity(session, commodity_code)
    post = SipawTradePost(
        kind=kind,
        commodity_id=commodity.id,
        quantity_kg=quantity_kg,
        price=services.parse_price(price),
        place=place.strip()[:100],
        region_code=region_code(),
        period_from=period_from,
        period_until=period_until,
        organisation=organisation.strip()[:100],
        contact=contact.strip()[:100],
        status=PostStatus.PENDING.value,
        posted_by_id=actor.user_id,
        trader_id=trader.id if trader else None,
    )
    post.commodity = commodity
    session.add(post)
    session.flush()
    audit(session, actor, "sipaw.post.add", "sipaw_trade_post", post.id)
    return post


def moderate(session: Session, actor: Actor, post_id: int, status: str) -> SipawTradePost:
    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not moderate the trade board."))
    if status not in {
        PostStatus.APPROVED.value,
        PostStatus.REJECTED.value,
        PostStatus.CLOSED.value,
    }:
        raise InvalidInput(_("Approve, reject or close."), slug="invalid-status")
    post = session.get(SipawTradePost, post_id)
    if post is None:
        raise NotFound(_("No such trade post."), slug="post-not-found")
    post.status = status
    audit(session, actor, f"sipaw.post.{status}", "sipaw_trade_post", post.id)
    return post


def posts(
    session: Session, *, status: str | None = PostStatus.APPROVED.value, today: date | None = None
) -> list[SipawTradePost]:
    stmt = select(SipawTradePost).order_by(
        SipawTradePost.created_at.desc(), SipawTradePost.id.desc()
    )
    if status:
        stmt = stmt.where(SipawTradePost.status == status)
    if today:
        stmt = stmt.where(SipawTradePost.period_until >= today)
    return list(session.scalars(stmt))


def contacts(session: Session, actor: Actor, shown: list[SipawTradePost]) -> dict[int, str]:
    """The contacts of ``shown`` posts for a verified trader; each one shown is audited."""
    out = {}
    for post in shown:
        out[post.id] = post.contact
        record_personal_read(
            session,
            actor,
            subject=("sipaw_trade_post", post.id),
            unit=None,
            purpose="sipaw.board.contact",
            fields=["contact"],
        )
    return out


def public_post(post: SipawTradePost, link: str = "") -> dict[str, Any]:
    """A post as the board feed shares it: no contact, no person; ``link`` is its page."""
    return {
        "id": f"{post.region_code}:{post.id}",
        "kind": post.kind,
        "commodity_id": post.commodity.code,
        "quantity_kg": post.quantity_kg,
        "price": post.price,
        "place": post.place,
        "region_code": post.region_code,
        "period_from": post.period_from.isoformat(),
        "period_until": post.period_until.isoformat(),
        "organisation": post.organisation,
        "link": link,
    }


def feed(session: Session, today: date, board_url: str = "") -> dict[str, Any]:
    """Our open offers and requests for peers (``board_url``: our public board page)."""
    return {
        "schema": BOARD_SCHEMA,
        "schema_version": "1.0",
        "region_code": region_code(),
        "posts": [
            public_post(p, f"{board_url}#post-{p.id}" if board_url else "")
            for p in posts(session, today=today)
        ],
    }


def _text(value: Any, limit: int) -> str:
    return str(value)[:limit] if isinstance(value, str) else ""


def _peer_post(raw: Any, peer: dict[str, Any], today: date) -> dict[str, Any] | None:
    """One post of a peer's board, checked; None when malformed or implausible."""
    if not isinstance(raw, dict):
        return None
    try:
        start = date.fromisoformat(str(raw["period_from"]))
        end = date.fromisoformat(str(raw["period_until"]))
        kind, quantity, price = raw["kind"], raw["quantity_kg"], raw["price"]
    except (KeyError, TypeError, ValueError):
        return None
    numbers_ok = all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (quantity, price)
    )
    if (
        kind not in {k.value for k in PostKind}
        or not numbers_ok
        or price > services.MAX_PRICE
        or quantity > 10_000_000
        or end < start
        or end < today
        or not _text(raw.get("commodity_id"), 40)
        or not str(raw.get("id") or "").strip()
    ):
        return None
    link = _text(raw.get("link"), 300)
    return {
        "id": f"{peer['code']}:{str(raw['id'])[:60]}",
        "kind": kind,
        "commodity_id": _text(raw["commodity_id"], 40),
        "quantity_kg": quantity,
        "price": price,
        "place": _text(raw.get("place"), 100),
        # A peer speaks for its own region only.
        "region_code": peer.get("region_code") or _text(raw.get("region_code"), 20),
        "period_from": start.isoformat(),
        "period_until": end.isoformat(),
        "organisation": _text(raw.get("organisation"), 100),
        "link": link if link.startswith("https://") else "",
        "peer": peer["code"],
        "peer_name": peer.get("name", ""),
    }


def valid_peer_posts(
    body: Any, peer: dict[str, Any], today: date
) -> tuple[list[dict[str, Any]], int]:
    """A peer's board feed checked post by post: (the good posts, how many were refused).

    Only the listed fields are kept: a peer that sends contacts has them dropped.
    """
    from pamong_plugins.sipaw.peers import FeedError

    if not isinstance(body, dict) or body.get("schema") != BOARD_SCHEMA:
        raise FeedError(_("not a SIPAW board feed (wrong schema)"))
    raw = body.get("posts")
    if not isinstance(raw, list):
        raise FeedError(_("the feed has no posts"))
    good = [p for p in (_peer_post(r, peer, today) for r in raw[:MAX_PEER_POSTS]) if p]
    return good, len(raw) - len(good)


@dataclass(frozen=True)
class Match:
    offer: dict[str, Any]
    request: dict[str, Any]
    quantity_kg: int


def matches(own: list[dict[str, Any]], others: list[dict[str, Any]]) -> list[Match]:
    """Offers and requests of the same commodity, in different regions, with overlapping periods.

    Only pairs touching our region are listed; the offered price must not
    exceed the price the request names.
    """
    everything = own + others
    mine = {p["region_code"] for p in own} or {region_code()}
    found = []
    for offer in (p for p in everything if p["kind"] == PostKind.OFFER.value):
        for request in (p for p in everything if p["kind"] == PostKind.REQUEST.value):
            if offer["region_code"] == request["region_code"]:
                continue
            if not ({offer["region_code"], request["region_code"]} & mine):
                continue
            if offer["commodity_id"] != request["commodity_id"]:
                continue
            if (
                offer["period_from"] > request["period_until"]
                or request["period_from"] > offer["period_until"]
            ):
                continue
            if offer["price"] > request["price"]:
                continue
            found.append(Match(offer, request, min(offer["quantity_kg"], request["quantity_kg"])))
    return found


def demo_peer_posts(today: date, region: str | None = None) -> list[dict[str, Any]]:
    """The demo peers' boards (served in process, like their price feeds)."""
    start, end = today.isoformat(), date.fromordinal(today.toordinal() + 21).isoformat()
    everything = [
        {
            "id": "1",
            "kind": "request",
            "commodity_id": "cabai_merah_keriting",
            "quantity_kg": 800,
            "price": 48_000,
            "place": "Pasar Induk Klaten",
            "region_code": "33.10",
            "period_from": start,
            "period_until": end,
            "organisation": "Koperasi Pedagang Pasar Klaten",
        },
        {
            "id": "1",
            "kind": "offer",
            "commodity_id": "beras_medium_1",
            "quantity_kg": 5000,
            "price": 12_800,
            "place": "Penggilingan Banyudono",
            "region_code": "33.09",
            "period_from": start,
            "period_until": end,
            "organisation": "BUMDes Maju Makmur",
        },
    ]
    return [p for p in everything if region is None or p["region_code"] == region]

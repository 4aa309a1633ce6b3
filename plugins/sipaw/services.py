"""SIPAW business rules: markets, commodities, reference prices, collection, publication.

Every function takes a ``Session`` and an ``Actor`` (where it writes or
reads non-public data) and checks permissions here, scoped to org units:
an enumerator granted at a market enters only that market's prices. This
is the plugin's public module: other plugins may read prices through
:func:`regency_prices` and :func:`price_board`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    OrgUnitKind,
    _,
    add_unit,
    audit,
    get_unit,
    holders_of_role,
    hook_relay,
    regency_today,
    region_code,
    send_message,
    utcnow,
)
from pamong_plugins.sipaw import permissions as perm
from pamong_plugins.sipaw.catalogue import COMMODITIES
from pamong_plugins.sipaw.models import (
    MarketKind,
    ReferenceKind,
    SipawAlert,
    SipawCommodity,
    SipawMarket,
    SipawObservation,
    SipawPrice,
    SipawReferencePrice,
)
from pamong_plugins.sipaw.settings import settings

#: A price below the previous one divided by this was most likely typed per ons (100 g).
WRONG_UNIT_FACTOR = 5
MAX_PRICE = 10_000_000
_PRICE_RE = re.compile(r"^(?:rp\.?\s*)?(\d{1,3}(?:\.\d{3})+|\d+)(?:,-|,00)?$", re.IGNORECASE)


# -- reading prices typed by people ---------------------------------------------


def parse_price(value: Any) -> int:
    """Rupiah from ``12500``, ``"12.500"`` or ``"Rp12.500"``; letters, zero, negatives refused."""
    if isinstance(value, bool):
        raise InvalidInput(_("A price is a whole number of rupiah."), slug="invalid-price")
    if isinstance(value, int):
        price = value
    elif isinstance(value, float) and value.is_integer():
        price = int(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        match = _PRICE_RE.match(text)
        if match is None:
            if text.startswith("-"):
                raise InvalidInput(_("A price must be above zero."), slug="invalid-price")
            raise InvalidInput(
                _("%(value)s is not a price in rupiah.", value=repr(value)), slug="invalid-price"
            )
        price = int(match.group(1).replace(".", ""))
    else:
        raise InvalidInput(_("A price is a whole number of rupiah."), slug="invalid-price")
    if price <= 0:
        raise InvalidInput(_("A price must be above zero."), slug="invalid-price")
    if price > MAX_PRICE:
        raise InvalidInput(_("A price above Rp10.000.000 is not plausible."), slug="invalid-price")
    return price


def median_price(prices: Sequence[int]) -> int:
    """The median in whole rupiah (the mean of the middle two rounded half up)."""
    if not prices:
        raise ValueError("median of no prices")
    ordered = sorted(prices)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle] + 1) // 2


def change(now: int | None, before: int | None) -> tuple[int | None, float | None]:
    """(Rp, %) from ``before`` to ``now``; None where either is missing."""
    if now is None or before is None or before == 0:
        return None, None
    return now - before, round((now - before) * 100 / before, 1)


# -- commodities ------------------------------------------------------------------


def ensure_commodities(session: Session) -> int:
    """Add the PIHPS/SP2KP list's commodities that are missing; returns how many were added."""
    have = set(session.scalars(select(SipawCommodity.code)))
    added = 0
    for sort, (code, name, category, unit, variant, source) in enumerate(COMMODITIES):
        if code in have:
            continue
        session.add(
            SipawCommodity(
                code=code,
                name=name,
                category=category,
                unit=unit,
                variant=variant,
                source=source,
                sort=sort,
            )
        )
        added += 1
    session.flush()
    return added


def list_commodities(session: Session, *, active_only: bool = True) -> list[SipawCommodity]:
    stmt = select(SipawCommodity).order_by(SipawCommodity.sort, SipawCommodity.code)
    if active_only:
        stmt = stmt.where(SipawCommodity.active.is_(True))
    return list(session.scalars(stmt))


def get_commodity(session: Session, code: str) -> SipawCommodity:
    commodity = session.scalar(select(SipawCommodity).where(SipawCommodity.code == code))
    if commodity is None:
        raise NotFound(
            _("No commodity with code %(code)s.", code=repr(code)), slug="commodity-not-found"
        )
    return commodity


def _require_admin(actor: Actor, unit: OrgUnit | None = None) -> None:
    if not actor.can(perm.ADMIN, unit):
        raise Forbidden(_("You may not manage SIPAW's markets and commodities."))


def save_commodity(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    category: str,
    unit: str,
    variant: str = "",
    active: bool = True,
) -> SipawCommodity:
    """Add a commodity or edit one (the list is the regency's to extend)."""
    _require_admin(actor)
    if unit not in ("kg", "liter"):
        raise InvalidInput(_("The unit is kg or liter."), slug="invalid-unit")
    if not re.match(r"^[a-z0-9_]{2,40}$", code):
        raise InvalidInput(
            _("A commodity code is 2-40 lower-case letters, digits or underscores."),
            slug="invalid-code",
        )
    commodity = session.scalar(select(SipawCommodity).where(SipawCommodity.code == code))
    if commodity is None:
        sort = (session.scalar(select(func.max(SipawCommodity.sort))) or 0) + 1
        commodity = SipawCommodity(code=code, sort=sort, source="local")
        session.add(commodity)
    commodity.name, commodity.category, commodity.unit = name.strip(), category.strip(), unit
    commodity.variant, commodity.active = variant.strip(), active
    session.flush()
    _bump()
    audit(session, actor, "sipaw.commodity.save", "sipaw_commodity", code)
    return commodity


# -- reference prices -------------------------------------------------------------


def add_reference_price(
    session: Session,
    actor: Actor,
    *,
    commodity_code: str,
    kind: str,
    price_low: int,
    price_high: int | None = None,
    valid_from: date,
    valid_until: date | None = None,
    legal_basis: str = "",
) -> SipawReferencePrice:
    """A HET (ceiling) or HAP (reference, maybe a range) for a period; no overlaps per kind."""
    _require_admin(actor)
    if kind not in {k.value for k in ReferenceKind}:
        raise InvalidInput(_("The kind is HET or HAP."), slug="invalid-kind")
    commodity = get_commodity(session, commodity_code)
    low = parse_price(price_low)
    high = parse_price(price_high) if price_high not in (None, "") else low
    if high < low:
        raise InvalidInput(_("The upper price is below the lower one."), slug="invalid-range")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(_("The period ends before it starts."), slug="invalid-period")
    far = date.max
    for other in session.scalars(
        select(SipawReferencePrice).where(
            SipawReferencePrice.commodity_id == commodity.id, SipawReferencePrice.kind == kind
        )
    ):
        if other.valid_from <= (valid_until or far) and valid_from <= (other.valid_until or far):
            if other.valid_until is None and other.valid_from < valid_from:
                other.valid_until = valid_from - timedelta(days=1)  # a new decree ends the old
                continue
            raise Conflict(
                _(
                    "A %(kind)s of this commodity is already set for part of that period.",
                    kind=kind,
                ),
                slug="reference-overlap",
            )
    ref = SipawReferencePrice(
        commodity_id=commodity.id,
        kind=kind,
        price_low=low,
        price_high=high,
        valid_from=valid_from,
        valid_until=valid_until,
        legal_basis=legal_basis.strip(),
    )
    session.add(ref)
    session.flush()
    audit(session, actor, "sipaw.reference.add", "sipaw_reference_price", ref.id, kind=kind)
    return ref


def references_on(session: Session, day: date) -> dict[int, SipawReferencePrice]:
    """Commodity id -> the reference in force on ``day`` (a HET before a HAP)."""
    found: dict[int, SipawReferencePrice] = {}
    rows = session.scalars(
        select(SipawReferencePrice).where(
            SipawReferencePrice.valid_from <= day,
            (SipawReferencePrice.valid_until.is_(None)) | (SipawReferencePrice.valid_until >= day),
        )
    )
    for ref in rows:
        if ref.commodity_id not in found or ref.kind == ReferenceKind.HET:
            found[ref.commodity_id] = ref
    return found


def list_references(session: Session) -> list[SipawReferencePrice]:
    return list(
        session.scalars(
            select(SipawReferencePrice).order_by(
                SipawReferencePrice.commodity_id, SipawReferencePrice.valid_from
            )
        )
    )


# -- markets --------------------------------------------------------------------


def trade_office(session: Session) -> OrgUnit:
    """The trade office (Dinas Perdagangan): the configured unit, else ``<region>-DISDAG``."""
    code = settings()["trade_office"] or f"{region_code()}-DISDAG"
    try:
        return get_unit(session, code)
    except NotFound:
        return get_unit(session, region_code())


def add_market(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    kecamatan_code: str,
    kind: str = MarketKind.TRADITIONAL.value,
    latitude: float | None = None,
    longitude: float | None = None,
) -> SipawMarket:
    """A market as a functional org unit (a service point) under its kecamatan.

    Grants at the kecamatan (or the regency) cover its markets: an
    enumerator granted at a market or its kecamatan enters its prices.
    """
    kecamatan = get_unit(session, kecamatan_code)
    _require_admin(actor, kecamatan)
    if kecamatan.kind != OrgUnitKind.KECAMATAN.value:
        raise InvalidInput(
            _("%(code)s is not a kecamatan.", code=kecamatan_code), slug="invalid-kecamatan"
        )
    if kind not in {k.value for k in MarketKind}:
        raise InvalidInput(_("A market is traditional or modern."), slug="invalid-kind")
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidInput(_("The latitude is between -90 and 90."), slug="invalid-coordinates")
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidInput(_("The longitude is between -180 and 180."), slug="invalid-coordinates")
    # The SIPAW admin may add a market's unit without the core's org-unit
    # permission (checked above); the core still checks the tree's rules.
    unit = add_unit(
        session,
        Actor.system(f"sipaw:{actor.username}"),
        code=code,
        name=name,
        kind=OrgUnitKind.SERVICE_POINT.value,
        parent_code=kecamatan.code,
    )
    market = SipawMarket(
        org_unit_id=unit.id,
        kecamatan_id=kecamatan.id,
        kind=kind,
        latitude=latitude,
        longitude=longitude,
    )
    market.unit, market.kecamatan = unit, kecamatan
    session.add(market)
    session.flush()
    audit(session, actor, "sipaw.market.add", "sipaw_market", code, org_unit_id=unit.id)
    return market


def list_markets(session: Session, *, active_only: bool = False) -> list[SipawMarket]:
    stmt = select(SipawMarket).join(SipawMarket.unit).order_by(OrgUnit.code)
    if active_only:
        stmt = stmt.where(SipawMarket.active.is_(True))
    return list(session.scalars(stmt).unique())


def get_market(session: Session, code: str) -> SipawMarket:
    market = session.scalar(select(SipawMarket).join(SipawMarket.unit).where(OrgUnit.code == code))
    if market is None:
        raise NotFound(_("No market with code %(code)s.", code=repr(code)), slug="market-not-found")
    return market


def set_market_open(session: Session, actor: Actor, code: str, active: bool) -> SipawMarket:
    market = get_market(session, code)
    _require_admin(actor, market.unit)
    market.active = active
    _bump()
    audit(
        session,
        actor,
        "sipaw.market.open" if active else "sipaw.market.close",
        "sipaw_market",
        code,
    )
    return market


def entry_markets(session: Session, actor: Actor) -> list[SipawMarket]:
    """The open markets where ``actor`` may enter prices."""
    return [
        m for m in list_markets(session, active_only=True) if actor.can(perm.ENUMERATOR, m.unit)
    ]


# -- collection ------------------------------------------------------------------


@dataclass(frozen=True)
class EntryError:
    """A refused observation: its position (row or line) and why."""

    row: int
    commodity: str
    message: str
    slug: str


def previous_price(session: Session, market_id: int, commodity_id: int, day: date) -> int | None:
    """The market's last published price of the commodity before ``day``."""
    return session.scalar(
        select(SipawPrice.price)
        .where(
            SipawPrice.market_id == market_id,
            SipawPrice.commodity_id == commodity_id,
            SipawPrice.day < day,
            SipawPrice.current.is_(True),
        )
        .order_by(SipawPrice.day.desc())
        .limit(1)
    )


def _check_one(
    session: Session,
    market: SipawMarket,
    commodity: SipawCommodity,
    day: date,
    raw: dict[str, Any],
    references: dict[int, SipawReferencePrice],
) -> int:
    price = parse_price(raw.get("price"))
    before = previous_price(session, market.id, commodity.id, day)
    ref = references.get(commodity.id)
    anchor = before or (ref.price_low if ref else None)
    if anchor and price * WRONG_UNIT_FACTOR < anchor:
        raise InvalidInput(
            _(
                "%(price)s is far below %(anchor)s: prices are per %(unit)s, not per ons (100 g).",
                price=price,
                anchor=anchor,
                unit=commodity.unit,
            ),
            slug="wrong-unit",
        )
    limit = settings()["confirm_change_percent"]
    if before and abs(price - before) * 100 > limit * before:
        note = str(raw.get("note") or "").strip()
        if not raw.get("confirmed") or not note:
            raise InvalidInput(
                _(
                    "%(price)s is more than %(limit)s%% away from the last published %(before)s: "
                    "confirm it with a note.",
                    price=price,
                    limit=limit,
                    before=before,
                ),
                slug="confirm-needed",
            )
    return price


def _insert_once(session: Session, made: list[SipawObservation]) -> list[SipawObservation]:
    """Insert the observations; those a concurrent request already saved are skipped.

    A phone coming back online may send its queue twice at once: both
    requests find no ``client_ref`` yet, and the second insert meets the
    unique index. Its observations are then the ones the first request saved.
    """
    try:
        with session.begin_nested():
            session.add_all(made)
            session.flush()
        return made
    except IntegrityError:
        refs = [m.client_ref for m in made if m.client_ref]
        if not refs:
            raise
    saved = set(
        session.scalars(
            select(SipawObservation.client_ref).where(SipawObservation.client_ref.in_(refs))
        )
    )
    fresh = [
        SipawObservation(**{c: getattr(m, c) for c in _OBSERVATION_FIELDS})
        for m in made
        if m.client_ref not in saved
    ]
    session.add_all(fresh)
    session.flush()
    return fresh


_OBSERVATION_FIELDS = (
    "market_id",
    "commodity_id",
    "day",
    "price",
    "trader",
    "note",
    "client_ref",
    "entered_by_id",
)


def record_observations(
    session: Session,
    actor: Actor,
    *,
    market_code: str,
    day: date,
    entries: Iterable[dict[str, Any]],
    first_row: int = 1,
) -> list[SipawObservation]:
    """Add a market's observations of a day, all or none.

    Each entry is ``{commodity, price, trader, note, confirmed, client_ref}``.
    Any bad entry refuses the lot with every error listed (``errors`` in
    the problem body: row, commodity, message). An entry whose
    ``client_ref`` was already received is skipped (the phone sent it twice).
    """
    market = get_market(session, market_code)
    if not actor.can(perm.ENUMERATOR, market.unit):
        raise Forbidden(_("You may not enter prices for this market."))
    if not market.active:
        raise Conflict(_("%(market)s is closed.", market=market.name), slug="market-closed")
    if day > regency_today():
        raise InvalidInput(_("Prices cannot be entered for a future day."), slug="future-day")
    commodities = {c.code: c for c in list_commodities(session)}
    references = references_on(session, day)
    errors: list[EntryError] = []
    made: list[SipawObservation] = []
    seen_refs: set[str] = set()
    for row, raw in enumerate(entries, first_row):
        row = raw.get("_line", row)
        code = str(raw.get("commodity") or "").strip()
        commodity = commodities.get(code)
        if commodity is None:
            errors.append(
                EntryError(
                    row,
                    code,
                    _("Unknown commodity %(code)s.", code=repr(code)),
                    "unknown-commodity",
                )
            )
            continue
        client_ref = str(raw.get("client_ref") or "").strip()[:64] or None
        if client_ref:
            if client_ref in seen_refs or session.scalar(
                select(SipawObservation.id).where(SipawObservation.client_ref == client_ref)
            ):
                continue
            seen_refs.add(client_ref)
        try:
            price = _check_one(session, market, commodity, day, raw, references)
        except InvalidInput as exc:
            errors.append(EntryError(row, code, exc.detail, exc.slug))
            continue
        made.append(
            SipawObservation(
                market_id=market.id,
                commodity_id=commodity.id,
                day=day,
                price=price,
                trader=str(raw.get("trader") or "")[:60],
                note=str(raw.get("note") or "").strip()[:300],
                client_ref=client_ref,
                entered_by_id=actor.user_id,
            )
        )
    if errors:
        first = errors[0]
        raise InvalidInput(
            _(
                "Row %(row)s (%(commodity)s): %(message)s",
                row=first.row,
                commodity=first.commodity or "-",
                message=first.message,
            )
            if len(errors) == 1
            else _("%(count)s entries are wrong; nothing was saved.", count=len(errors)),
            slug="invalid-observations",
            errors=[e.__dict__ for e in errors],
        )
    made = _insert_once(session, made)
    audit(
        session,
        actor,
        "sipaw.observations.add",
        "sipaw_market",
        market.code,
        org_unit_id=market.org_unit_id,
        day=day.isoformat(),
        count=len(made),
    )
    return made


# -- review and publication --------------------------------------------------------


@dataclass
class MarketDay:
    """A market's state on a day for the coordinator: entries, medians, publication."""

    market: SipawMarket
    observations: int
    commodities: int
    published: int
    pending: int
    medians: dict[str, tuple[int, int]]  # commodity code -> (median, observations)


def _medians(
    session: Session, day: date, market_ids: Sequence[int]
) -> dict[tuple[int, int], list[int]]:
    grouped: dict[tuple[int, int], list[int]] = defaultdict(list)
    if not market_ids:
        return grouped
    rows = session.execute(
        select(
            SipawObservation.market_id, SipawObservation.commodity_id, SipawObservation.price
        ).where(SipawObservation.day == day, SipawObservation.market_id.in_(market_ids))
    )
    for market_id, commodity_id, price in rows:
        grouped[(market_id, commodity_id)].append(price)
    return grouped


def _current(
    session: Session, day: date, market_ids: Sequence[int]
) -> dict[tuple[int, int], SipawPrice]:
    if not market_ids:
        return {}
    rows = session.scalars(
        select(SipawPrice).where(
            SipawPrice.day == day,
            SipawPrice.current.is_(True),
            SipawPrice.market_id.in_(market_ids),
        )
    )
    return {(p.market_id, p.commodity_id): p for p in rows}


def review_day(session: Session, actor: Actor, day: date) -> list[MarketDay]:
    """Every market the coordinator covers, with its entries and what is still unpublished."""
    markets = [m for m in list_markets(session) if actor.can(perm.COORDINATOR, m.unit)]
    if not markets and not actor.can(perm.COORDINATOR):
        raise Forbidden(_("You may not review prices."))
    ids = [m.id for m in markets]
    grouped = _medians(session, day, ids)
    current = _current(session, day, ids)
    codes = {c.id: c.code for c in list_commodities(session, active_only=False)}
    out = []
    for market in markets:
        keys = [k for k in grouped if k[0] == market.id]
        medians = {codes[k[1]]: (median_price(grouped[k]), len(grouped[k])) for k in keys}
        pending = sum(
            1
            for k in keys
            if k not in current
            or (current[k].price, current[k].observations)
            != (median_price(grouped[k]), len(grouped[k]))
        )
        out.append(
            MarketDay(
                market=market,
                observations=sum(len(grouped[k]) for k in keys),
                commodities=len(keys),
                published=sum(1 for k in current if k[0] == market.id),
                pending=pending,
                medians=medians,
            )
        )
    return out


@dataclass(frozen=True)
class PublishResult:
    day: date
    published: int
    corrected: int
    unchanged: int
    alerts: int


def publish_day(
    session: Session,
    actor: Actor,
    day: date,
    *,
    market_codes: Sequence[str] | None = None,
    note: str = "",
) -> PublishResult:
    """Publish the day's medians of the coordinator's markets.

    A price already published and now different (new or removed
    observations) is corrected: that needs a note; the old version stays,
    marked superseded.
    """
    if day > regency_today():
        raise InvalidInput(_("A future day cannot be published."), slug="future-day")
    markets = [m for m in list_markets(session) if actor.can(perm.COORDINATOR, m.unit)]
    if market_codes:
        wanted = set(market_codes)
        unknown = wanted - {m.code for m in markets}
        if unknown:
            raise Forbidden(
                _("You may not publish prices of %(codes)s.", codes=", ".join(sorted(unknown)))
            )
        markets = [m for m in markets if m.code in wanted]
    if not markets:
        raise Forbidden(_("You may not publish prices."))
    ids = [m.id for m in markets]
    grouped = _medians(session, day, ids)
    current = _current(session, day, ids)
    now = utcnow()
    published = corrected = unchanged = 0
    to_add: list[SipawPrice] = []
    for key, prices in grouped.items():
        median, count = median_price(prices), len(prices)
        old = current.get(key)
        if old is not None and (old.price, old.observations) == (median, count):
            unchanged += 1
            continue
        version = 1
        if old is not None:
            if not note.strip():
                raise InvalidInput(
                    _("Published prices change: a correction needs a note."),
                    slug="correction-note-needed",
                )
            old.current = False
            old.superseded_at = now
            version = old.version + 1
            corrected += 1
        else:
            published += 1
        to_add.append(
            SipawPrice(
                market_id=key[0],
                commodity_id=key[1],
                day=day,
                version=version,
                price=median,
                observations=count,
                current=True,
                note=note.strip()[:300] if old is not None else "",
                published_by_id=actor.user_id,
                published_at=now,
            )
        )
    session.flush()  # the superseded versions first: one current row per key
    session.add_all(to_add)
    session.flush()
    alerts = raise_alerts(session, day) if to_add else 0
    audit(
        session,
        actor,
        "sipaw.publish",
        "sipaw_day",
        day.isoformat(),
        published=published,
        corrected=corrected,
    )
    if to_add:
        from pamong_plugins.sipaw.opendata import rows

        hook_relay(session).pamong_sipaw_prices_published(
            day=day, prices=list(rows(session, day, day)), session=session
        )
    return PublishResult(day, published, corrected, unchanged, alerts)


def price_history(
    session: Session, market_code: str, commodity_code: str, day: date
) -> list[SipawPrice]:
    """Every version of a published price, newest first (corrections keep the history)."""
    market = get_market(session, market_code)
    commodity = get_commodity(session, commodity_code)
    return list(
        session.scalars(
            select(SipawPrice)
            .where(
                SipawPrice.market_id == market.id,
                SipawPrice.commodity_id == commodity.id,
                SipawPrice.day == day,
            )
            .order_by(SipawPrice.version.desc())
        )
    )


# -- the regency's prices ------------------------------------------------------------


def latest_day(session: Session, *, before: date | None = None) -> date | None:
    stmt = select(func.max(SipawPrice.day)).where(SipawPrice.current.is_(True))
    if before is not None:
        stmt = stmt.where(SipawPrice.day < before)
    return session.scalar(stmt)


def regency_prices(
    session: Session, day: date, *, market_id: int | None = None
) -> dict[int, tuple[int, int]]:
    """Commodity id -> (median of the markets' published prices, markets) on ``day``."""
    stmt = select(SipawPrice.commodity_id, SipawPrice.price).where(
        SipawPrice.day == day, SipawPrice.current.is_(True)
    )
    if market_id is not None:
        stmt = stmt.where(SipawPrice.market_id == market_id)
    grouped: dict[int, list[int]] = defaultdict(list)
    for commodity_id, price in session.execute(stmt):
        grouped[commodity_id].append(price)
    return {cid: (median_price(p), len(p)) for cid, p in grouped.items()}


def market_prices(session: Session, commodity_id: int, day: date) -> dict[int, int]:
    """Market id -> its published price of a commodity on ``day``."""
    return dict(
        session.execute(
            select(SipawPrice.market_id, SipawPrice.price).where(
                SipawPrice.commodity_id == commodity_id,
                SipawPrice.day == day,
                SipawPrice.current.is_(True),
            )
        ).all()
    )


@dataclass
class BoardRow:
    """A line of the public price table."""

    commodity: SipawCommodity
    price: int | None
    markets: int
    day_change: tuple[int | None, float | None]
    month_change: tuple[int | None, float | None]
    reference: SipawReferencePrice | None
    #: ``above`` the reference's upper price, ``within`` its range, ``below``, or ``none``.
    status: str


def _day_on_or_before(session: Session, day: date) -> date | None:
    return session.scalar(
        select(func.max(SipawPrice.day)).where(SipawPrice.current.is_(True), SipawPrice.day <= day)
    )


#: price_board results by (day, market, data stamp): the public page's hot path.
_BOARD_CACHE: dict[tuple[Any, ...], tuple[date | None, list[BoardRow]]] = {}
_SERIES_CACHE: dict[tuple[Any, ...], list[tuple[date, int]]] = {}
_generation = [0]


def _bump() -> None:
    """Forget cached boards in this process (commodity or market edits)."""
    _generation[0] += 1
    _BOARD_CACHE.clear()
    _SERIES_CACHE.clear()


def _stamp(session: Session) -> tuple[Any, ...]:
    """What a board depends on: the newest price and reference rows (new versions get new ids)."""
    row = session.execute(
        select(
            select(func.max(SipawPrice.id)).scalar_subquery(),
            select(func.max(SipawReferencePrice.id)).scalar_subquery(),
            select(func.count(SipawReferencePrice.id)).scalar_subquery(),
        )
    ).one()
    return (*row, _generation[0])


def price_board(
    session: Session, day: date | None = None, *, market_id: int | None = None
) -> tuple[date | None, list[BoardRow]]:
    """The day's prices with the change vs the previous day and month, and the HET status.

    Results are cached per process and keyed on the data they read, so a
    publication, a correction or a new reference shows at once.
    """
    key = (day, market_id, str(session.get_bind().url), *_stamp(session))
    cached = _BOARD_CACHE.get(key)
    if cached is None:
        if len(_BOARD_CACHE) > 256:
            _BOARD_CACHE.clear()
        cached = _BOARD_CACHE[key] = _price_board(session, day, market_id=market_id)
    return cached


def _price_board(
    session: Session, day: date | None = None, *, market_id: int | None = None
) -> tuple[date | None, list[BoardRow]]:
    """The day's prices with the change vs the previous day and month, and the HET status."""
    day = day or latest_day(session)
    if day is None:
        return None, []
    today = regency_prices(session, day, market_id=market_id)
    before_day = latest_day(session, before=day)
    month_day = _day_on_or_before(session, day - timedelta(days=30))
    before = regency_prices(session, before_day, market_id=market_id) if before_day else {}
    month = regency_prices(session, month_day, market_id=market_id) if month_day else {}
    refs = references_on(session, day)
    rows = []
    for commodity in list_commodities(session):
        price, markets = today.get(commodity.id, (None, 0))
        ref = refs.get(commodity.id)
        status = "none"
        if ref is not None and price is not None:
            status = (
                "above"
                if price > ref.price_high
                else "within"
                if price >= ref.price_low
                else "below"
            )
        rows.append(
            BoardRow(
                commodity=commodity,
                price=price,
                markets=markets,
                day_change=change(price, before.get(commodity.id, (None,))[0]),
                month_change=change(price, month.get(commodity.id, (None,))[0]),
                reference=ref,
                status=status,
            )
        )
    return day, rows


def series(
    session: Session, commodity_code: str, first: date, last: date
) -> list[tuple[date, int]]:
    """The regency price (median over markets) of each published day in ``first..last``.

    Cached per process like :func:`price_board` (charts read years of prices).
    """
    key = ("series", commodity_code, first, last, str(session.get_bind().url), *_stamp(session))
    cached = _SERIES_CACHE.get(key)
    if cached is None:
        if len(_SERIES_CACHE) > 256:
            _SERIES_CACHE.clear()
        cached = _SERIES_CACHE[key] = _series(session, commodity_code, first, last)
    return list(cached)


def _series(
    session: Session, commodity_code: str, first: date, last: date
) -> list[tuple[date, int]]:
    commodity = get_commodity(session, commodity_code)
    grouped: dict[date, list[int]] = defaultdict(list)
    rows = session.execute(
        select(SipawPrice.day, SipawPrice.price).where(
            SipawPrice.commodity_id == commodity.id,
            SipawPrice.current.is_(True),
            SipawPrice.day >= first,
            SipawPrice.day <= last,
        )
    )
    for day, price in rows:
        grouped[day].append(price)
    return [(d, median_price(grouped[d])) for d in sorted(grouped)]


# -- alerts ----------------------------------------------------------------------------


def raise_alerts(session: Session, day: date) -> int:
    """Alerts for ``day``: regency prices above their reference, or jumps above the threshold.

    Each new alert is sent to the trade office's inbox (core messaging).
    """
    _day, rows = _price_board(session, day)
    threshold = settings()["alert_change_percent"]
    existing = set(
        session.execute(
            select(SipawAlert.commodity_id, SipawAlert.kind).where(SipawAlert.day == day)
        ).all()
    )
    new: list[SipawAlert] = []
    for row in rows:
        if row.price is None:
            continue
        if row.status == "above" and (row.commodity.id, "above_reference") not in existing:
            new.append(
                SipawAlert(
                    day=day,
                    commodity_id=row.commodity.id,
                    kind="above_reference",
                    price=row.price,
                    reference=row.reference.price_high if row.reference else None,
                )
            )
        pct = row.day_change[1]
        if (
            pct is not None
            and abs(pct) > threshold
            and (row.commodity.id, "change") not in existing
        ):
            new.append(
                SipawAlert(
                    day=day,
                    commodity_id=row.commodity.id,
                    kind="change",
                    price=row.price,
                    change_percent=pct,
                )
            )
    if not new:
        return 0
    session.add_all(new)
    session.flush()
    names = {r.commodity.id: f"{r.commodity.name} {r.commodity.variant}".strip() for r in rows}
    lines = [
        _(
            "%(name)s: Rp%(price)s, above the reference Rp%(ref)s",
            name=names[a.commodity_id],
            price=a.price,
            ref=a.reference,
        )
        if a.kind == "above_reference"
        else _(
            "%(name)s: Rp%(price)s, %(pct)s%% in a day",
            name=names[a.commodity_id],
            price=a.price,
            pct=a.change_percent,
        )
        for a in new
    ]
    office = trade_office(session)
    heads = holders_of_role(session, "sipaw_admin", office)
    if heads:
        send_message(
            session,
            Actor.system("sipaw alerts"),
            sender_unit=office,
            kind="notice",
            subject=_("Staple-food price alerts, %(day)s", day=day.isoformat()),
            body="\n".join(lines),
            to_users=[u.username for u in heads],
            email_copies=False,
        )
    return len(new)


def alerts_on(session: Session, day: date) -> list[tuple[SipawAlert, SipawCommodity]]:
    return list(
        session.execute(
            select(SipawAlert, SipawCommodity)
            .join(SipawCommodity, SipawCommodity.id == SipawAlert.commodity_id)
            .where(SipawAlert.day == day)
            .order_by(SipawCommodity.sort, SipawAlert.kind)
        )
    )


# -- reminders --------------------------------------------------------------------------


def remind_missing(session: Session, day: date) -> list[str]:
    """Markets that have entered nothing on ``day`` get a notice; returns their codes."""
    entered = set(
        session.scalars(
            select(SipawObservation.market_id).where(SipawObservation.day == day).distinct()
        )
    )
    missing = [m for m in list_markets(session, active_only=True) if m.id not in entered]
    if not missing:
        return []
    staffed = [m for m in missing if holders_of_role(session, "sipaw_enumerator", m.unit)]
    if staffed:
        send_message(
            session,
            Actor.system("sipaw reminders"),
            sender_unit=trade_office(session),
            kind="notice",
            subject=_("Prices of %(day)s not entered yet", day=day.isoformat()),
            body=_(
                "Please enter today's staple-food prices of your market before publication "
                "at 13:00."
            ),
            to_users=sorted(
                {
                    u.username
                    for m in staffed
                    for u in holders_of_role(session, "sipaw_enumerator", m.unit)
                }
            ),
            email_copies=False,
        )
    return [m.code for m in missing]


# -- CSV import -------------------------------------------------------------------------

CSV_COLUMNS = ("market", "day", "commodity", "price", "trader", "note", "confirmed")


def import_csv(session: Session, actor: Actor, text: str) -> int:
    """Observations from CSV (``market,day,commodity,price,trader,note,confirmed``), all or none.

    Every bad line is reported with its line number (``errors`` in the
    problem body); nothing is saved unless every line is good.
    """

    from pamong.plugin import csv_dict_reader, nul_line

    bad_nul = nul_line(text)
    if bad_nul:
        raise InvalidInput(
            _("Line %(line)s holds a NUL character.", line=bad_nul), slug="invalid-csv"
        )
    reader = csv_dict_reader(text)
    missing = [
        c for c in ("market", "day", "commodity", "price") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise InvalidInput(
            _("The CSV lacks the columns %(columns)s.", columns=", ".join(missing)),
            slug="invalid-csv",
        )
    errors: list[dict[str, Any]] = []
    groups: dict[tuple[str, date], list[dict[str, Any]]] = defaultdict(list)
    for row in reader:
        line = reader.line_num
        try:
            day = date.fromisoformat((row.get("day") or "").strip())
        except ValueError:
            errors.append(
                {
                    "row": line,
                    "commodity": row.get("commodity") or "",
                    "message": _("The day is not a date (YYYY-MM-DD)."),
                    "slug": "invalid-day",
                }
            )
            continue
        confirmed = (row.get("confirmed") or "").strip().lower() in ("1", "yes", "ya", "true", "y")
        groups[((row.get("market") or "").strip(), day)].append(
            {**row, "confirmed": confirmed, "_line": line}
        )
    saved = 0
    for (market_code, day), entries in groups.items():
        try:
            with session.begin_nested():
                saved += len(
                    record_observations(
                        session, actor, market_code=market_code, day=day, entries=entries
                    )
                )
        except InvalidInput as exc:
            listed = exc.extra.get("errors")
            if listed:
                errors.extend(listed)
            else:
                errors.extend(
                    {
                        "row": e["_line"],
                        "commodity": e.get("commodity") or "",
                        "message": exc.detail,
                        "slug": exc.slug,
                    }
                    for e in entries
                )
        except (NotFound, Conflict, Forbidden) as exc:
            errors.extend(
                {
                    "row": e["_line"],
                    "commodity": e.get("commodity") or "",
                    "message": exc.detail,
                    "slug": exc.slug,
                }
                for e in entries
            )
    if errors:
        errors.sort(key=lambda e: e["row"])
        raise InvalidInput(
            _(
                "%(count)s lines are wrong; nothing was imported. First: line %(row)s: %(message)s",
                count=len(errors),
                row=errors[0]["row"],
                message=errors[0]["message"],
            ),
            slug="invalid-csv",
            errors=errors,
        )
    return saved

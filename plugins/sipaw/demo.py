"""Demo data: Sragen's markets with five years of prices, today's entries, peers and a board.

Prices follow each commodity's typical level with inflation, the run-up
to Idul Fitri (dates from the ``holidays`` package), chili's rainy-season
spikes and per-market noise. History is bulk-inserted (published prices,
no observations) so the demo builds in seconds; the last weeks have
observations (three traders) whose medians are the published prices, and
today's entries wait for the coordinator.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    actor_of,
    add_staff,
    is_working_day,
    regency_today,
    region_code,
    utcnow,
)
from pamong_plugins.sipaw import board, peers, services
from pamong_plugins.sipaw.catalogue import TYPICAL_PRICE
from pamong_plugins.sipaw.models import SipawObservation, SipawPrice, SipawTrader
from pamong_plugins.sipaw.traders import trader_actor

YEARS = 5
OBSERVED_DAYS = 15
#: (code suffix, name, kecamatan name, kind, latitude, longitude)
MARKETS = (
    ("PSR-BUNDER", "Pasar Bunder", "Sragen", "traditional", -7.4269, 111.0218),
    ("PSR-GEMOLONG", "Pasar Gemolong", "Gemolong", "traditional", -7.3977, 110.8324),
    ("PSR-SUMBERLAWANG", "Pasar Sumberlawang", "Sumberlawang", "traditional", -7.3037, 110.8745),
    ("PSR-MASARAN", "Pasar Masaran", "Masaran", "traditional", -7.4530, 110.9930),
    ("PSR-KALIJAMBE", "Pasar Kalijambe", "Kalijambe", "traditional", -7.4300, 110.8360),
    ("PSR-GONDANG", "Pasar Gondang", "Gondang", "traditional", -7.4890, 111.1300),
    ("PSR-TANGEN", "Pasar Tangen", "Tangen", "traditional", -7.3480, 111.0950),
    ("SWA-LUWES", "Luwes Sragen", "Sragen", "modern", -7.4245, 111.0190),
)
#: Reference prices in force (kind, low, high, legal basis).
REFERENCES = {
    "beras_medium_1": ("HET", 12_500, 12_500, "Perbadan 5/2024 (zona 1)"),
    "beras_medium_2": ("HET", 12_500, 12_500, "Perbadan 5/2024 (zona 1)"),
    "beras_super_1": ("HET", 14_900, 14_900, "Perbadan 5/2024 (zona 1, premium)"),
    "minyakita": ("HET", 15_700, 15_700, "Permendag 18/2024"),
    "bawang_merah": ("HAP", 36_500, 41_500, "Perbadan 11/2022"),
    "cabai_merah_keriting": ("HAP", 37_000, 55_000, "Perbadan 11/2022"),
    "cabai_rawit_merah": ("HAP", 40_000, 57_000, "Perbadan 11/2022"),
    "telur_ayam_ras": ("HAP", 27_000, 30_000, "Perbadan 11/2022"),
    "gula_pasir_lokal": ("HAP", 17_500, 17_500, "Perbadan 17/2024"),
}
SEASONAL = {
    "daging_ayam_ras",
    "daging_sapi_1",
    "daging_sapi_2",
    "telur_ayam_ras",
    "gula_pasir_premium",
    "gula_pasir_lokal",
    "bawang_merah",
    "bawang_putih",
}


def _lebaran_days(first_year: int, last_year: int) -> list[date]:
    import holidays  # 0.15 s to import: only when the demo seeds

    found = []
    for year in range(first_year, last_year + 2):
        # English names ("Eid al-Fitr"); the first day is the one without "Second".
        for day, name in sorted(holidays.Indonesia(years=year, language="en_US").items()):
            if ("Fitr" in name or "Fitri" in name) and "Second" not in name:
                found.append(day)
                break
    return sorted(found)


def model_price(code: str, day: date, today: date, lebaran: list[date], market_bias: float) -> int:
    """The demo's price of a commodity on a day: trend, Ramadan/Idul Fitri peak, chili season."""
    base = TYPICAL_PRICE[code] * 1.03 ** ((day - today).days / 365)
    factor = 1.0
    if code.startswith("cabai"):
        # Rainy season (Dec-Feb) spikes, strongest in some years.
        season = math.cos((day.timetuple().tm_yday - 20) / 365 * 2 * math.pi)
        factor += 0.35 * max(season, 0) ** 3 * (1.4 if day.year % 2 else 0.8)
    nearest = min(lebaran, key=lambda d: abs((d - day).days))
    before = (nearest - day).days
    if code in SEASONAL or code.startswith("cabai"):
        if 0 <= before <= 30:
            factor += (0.15 if code.startswith("cabai") else 0.09) * (1 - before / 30)
        elif -10 <= before < 0:
            factor += 0.05 * (1 + before / 10)
    if code == "minyakita":
        factor += 0.07  # sold above its HET in the regency's markets
    price = base * factor * market_bias
    step = 100 if price < 20_000 else 500
    return max(step, round(price / step) * step)


def seed(session: Session, context: Any) -> None:
    """Markets, staff, five years of prices, today's entries, two peers, the trade board."""
    rng = random.Random(3314)
    today = regency_today()
    system = Actor.system("pamong demo")
    services.ensure_commodities(session)
    office = context.root  # the trade office works regency-wide: its grants sit here
    by_name = {k.name.lower(): k for k in context.kecamatan}
    markets = []
    for suffix, name, kecamatan, kind, lat, lon in MARKETS:
        unit = by_name.get(kecamatan.lower()) or context.kecamatan[0]
        markets.append(
            services.add_market(
                session,
                system,
                code=f"{context.region}-{suffix}",
                name=name,
                kecamatan_code=unit.code,
                kind=kind,
                latitude=lat,
                longitude=lon,
            )
        )
    for code, (kind, low, high, basis) in REFERENCES.items():
        services.add_reference_price(
            session,
            system,
            commodity_code=code,
            kind=kind,
            price_low=low,
            price_high=high,
            valid_from=date(today.year - YEARS, 1, 1),
            legal_basis=basis,
        )
    add_staff(session, context, "disdag", "Kepala Bidang Perdagangan", "sipaw_admin", office)
    add_staff(
        session,
        context,
        "koordinator.harga",
        "Koordinator Harga Pasar",
        "sipaw_coordinator",
        office,
    )
    for market in markets[:3]:
        username = f"harga.{market.code.rsplit('-', 1)[-1].lower()}"
        add_staff(
            session, context, username, f"Enumerator {market.name}", "sipaw_enumerator", market.unit
        )
    add_staff(
        session, context, "pedagang", "Koperasi Pedagang Pasar Bunder", "sipaw_trader", context.root
    )
    _history(session, markets, today, rng)
    for code, (name, region, _level, _phase) in peers.DEMO_PEERS.items():
        peers.register_peer(session, code=code, name=name, url=f"demo:{code}", region_code=region)
    for peer in peers.configured_peers(session):
        peers.pull_peer(session, peer, today)
    _board(session, context, today)
    context.samples["sipaw_prices"] = "/sipaw/"


def _history(session: Session, markets: list[Any], today: date, rng: random.Random) -> None:
    commodities = services.list_commodities(session)
    first = date(today.year - YEARS, today.month, 1)
    lebaran = _lebaran_days(first.year, today.year)
    bias = {m.id: 1 + rng.uniform(-0.04, 0.04) for m in markets}
    observed_from = today - timedelta(days=OBSERVED_DAYS * 7 // 5)
    prices: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    day = first
    last_published = None
    while day <= today:
        if is_working_day(day):
            for market in markets:
                if market.kind == "modern" and day < today - timedelta(days=365 * 2):
                    continue  # the supermarket joined two years ago: earlier days are missing
                for c in commodities:
                    target = model_price(c.code, day, today, lebaran, bias[market.id])
                    if day >= observed_from:
                        seen = [
                            round(target * (1 + rng.uniform(-0.03, 0.03)) / 100) * 100
                            for _ in range(3)
                        ]
                        if day == today and market is markets[-2]:
                            continue  # one market has not entered today: the reminder's case
                        observations.extend(
                            {
                                "market_id": market.id,
                                "commodity_id": c.id,
                                "day": day,
                                "price": p,
                                "trader": str(n),
                                "note": "",
                                "client_ref": None,
                            }
                            for n, p in enumerate(seen, 1)
                        )
                        target = services.median_price(seen)
                    if day < today:
                        prices.append(
                            {
                                "market_id": market.id,
                                "commodity_id": c.id,
                                "day": day,
                                "version": 1,
                                "price": target,
                                "observations": 3 if day >= observed_from else 2,
                                "current": True,
                                "note": "",
                            }
                        )
            if day < today:
                last_published = day
        if len(prices) > 20_000:
            session.execute(insert(SipawPrice), prices)
            prices.clear()
        day += timedelta(days=1)
    if prices:
        session.execute(insert(SipawPrice), prices)
    for chunk in range(0, len(observations), 20_000):
        session.execute(insert(SipawObservation), observations[chunk : chunk + 20_000])
    if last_published:
        services.raise_alerts(session, last_published)


def _traders(session: Session) -> SipawTrader:
    """Registered traders: one verified (it posts below), one waiting for the trade office."""
    made = []
    for name, kind, phone, place, status in (
        ("BUMDes Gemolong Sejahtera", "bumdes", "081329005678", "Gemolong", "verified"),
        ("UD Tani Makmur", "trader", "081226004321", "Pasar Sumberlawang", "pending"),
    ):
        trader = SipawTrader(
            name=name,
            kind=kind,
            region_code=region_code(),
            place=place,
            phone=phone,
            status=status,
            phone_verified_at=utcnow(),
            code_hash="",
            code_attempts=0,
            decision_note="",
        )
        session.add(trader)
        made.append(trader)
    session.flush()
    return made[0]


def _board(session: Session, context: Any, today: date) -> None:
    trader = actor_of(session, "pedagang")
    admin = Actor.system("pamong demo")
    bumdes = _traders(session)
    offer = board.add_post(
        session,
        trader,
        kind="offer",
        commodity_code="cabai_merah_keriting",
        quantity_kg=1200,
        price=45_000,
        place="Pasar Bunder, Sragen",
        period_from=today,
        period_until=today + timedelta(days=14),
        organisation="Koperasi Pedagang Pasar Bunder",
        contact="0812-2600-1234",
    )
    request = board.add_post(
        session,
        trader_actor(bumdes),
        trader=bumdes,
        kind="request",
        commodity_code="beras_medium_1",
        quantity_kg=3000,
        price=13_000,
        place="Pasar Gemolong",
        period_from=today,
        period_until=today + timedelta(days=30),
    )
    for post in (offer, request):
        board.moderate(session, admin, post.id, "approved")

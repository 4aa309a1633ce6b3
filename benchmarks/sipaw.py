"""SIPAW at a regency's scale: collection history, the public page, charts, publication, export.

    python benchmarks/sipaw.py [--quick] [--database-url URL]

Builds ``--markets`` markets x ``--commodities`` commodities x 3
observations a working day for ``--years`` years (the issue's figure: 20 x
40 x 3 for 10 years, about 6 million observations) with the published
median of each, bulk-inserted, then prints:

1. build time and rows per second (observations and published prices);
2. the public price page (``/sipaw/``): the first request of a fresh app
   (cold), the first view of each market filter, and p50/p99 of
   ``--requests`` requests after them (warm, all filters); the goal is
   p99 < 50 ms warm on SQLite;
3. a commodity's five-year chart page (server-rendered SVG): p50/p99;
4. the daily median and publication step: ``publish_day`` over the last
   ``--publish-days`` days whose observations are not yet published (ms per day);
5. the open-data CSV export of a year: seconds and rows per second.

``--quick`` (CI): 5 markets x 24 commodities for 60 days. Runs on SQLite in
a temporary folder, or on PostgreSQL with ``--database-url`` (or
``PAMONG_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from pamong.accounts.permissions import Actor
from pamong.testing import build_app

SYSTEM = Actor.system("benchmark")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def build(app, markets: int, commodities: int, days: int, unpublished: int) -> dict[str, float]:
    from pamong.plugin import is_working_day, regency_today
    from pamong_plugins.sipaw import services
    from pamong_plugins.sipaw.catalogue import TYPICAL_PRICE
    from pamong_plugins.sipaw.models import SipawCommodity, SipawObservation, SipawPrice

    db = app.extensions["pamong"].db
    rng = random.Random(18)
    with app.app_context():
        today = regency_today()
        with db.transaction() as session:
            services.ensure_commodities(session)
            extra = commodities - len(TYPICAL_PRICE)
            for n in range(max(extra, 0)):
                session.add(
                    SipawCommodity(
                        code=f"lokal_{n}",
                        name=f"Komoditas lokal {n}",
                        category="miscellaneous food",
                        unit="kg",
                        sort=100 + n,
                    )
                )
            session.flush()
            kecamatan = [f"33.14.{k:02d}" for k in range(1, 21)]
            made = [
                services.add_market(
                    session,
                    SYSTEM,
                    code=f"33.14-PSR-B{m:02d}",
                    name=f"Pasar {m}",
                    kecamatan_code=kecamatan[m % 20],
                )
                for m in range(markets)
            ]
            items = services.list_commodities(session)[:commodities]
            market_ids = [m.id for m in made]
            item_ids = [(c.id, TYPICAL_PRICE.get(c.code, 20_000)) for c in items]
        started = time.perf_counter()
        observations = prices = 0
        working = [
            today - timedelta(days=d)
            for d in range(days, -1, -1)
            if is_working_day(today - timedelta(days=d))
        ]
        batch_obs: list[dict] = []
        batch_prices: list[dict] = []
        for index, day in enumerate(working):
            publish = index < len(working) - unpublished
            season = 1 + 0.1 * ((day.toordinal() % 365) / 365)
            for market_id in market_ids:
                for item_id, typical in item_ids:
                    seen = [
                        int(typical * season * rng.uniform(0.97, 1.03)) // 100 * 100
                        for _ in range(3)
                    ]
                    batch_obs.extend(
                        {
                            "market_id": market_id,
                            "commodity_id": item_id,
                            "day": day,
                            "price": p,
                            "trader": str(n),
                            "note": "",
                        }
                        for n, p in enumerate(seen, 1)
                    )
                    if publish:
                        batch_prices.append(
                            {
                                "market_id": market_id,
                                "commodity_id": item_id,
                                "day": day,
                                "version": 1,
                                "price": sorted(seen)[1],
                                "observations": 3,
                                "current": True,
                                "note": "",
                            }
                        )
            if len(batch_obs) > 50_000 or index == len(working) - 1:
                with db.transaction() as session:
                    session.execute(insert(SipawObservation), batch_obs)
                    if batch_prices:
                        session.execute(insert(SipawPrice), batch_prices)
                observations += len(batch_obs)
                prices += len(batch_prices)
                batch_obs, batch_prices = [], []
        seconds = time.perf_counter() - started
    return {
        "observations": observations,
        "prices": prices,
        "seconds": seconds,
        "days": len(working),
        "first_unpublished": working[-unpublished] if unpublished else None,
        "last_day": working[-1],
        "first_day": working[0],
    }


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    answer = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"{url}: {answer.status_code}")
    answer.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for CI")
    parser.add_argument("--markets", type=int, default=20)
    parser.add_argument("--commodities", type=int, default=40)
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--publish-days", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("PAMONG_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if args.quick:
        args.markets, args.commodities, args.years, args.requests = 5, 24, 60 / 365, 100
        args.publish_days = 2
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"embedded_delivery": False}
        if args.database_url:
            overrides["database_url"] = args.database_url
        app = build_app(Path(tmp), ["sipaw"], **overrides)
        days = int(args.years * 365)
        built = build(app, args.markets, args.commodities, days, args.publish_days)
        rate = (built["observations"] + built["prices"]) / built["seconds"]
        print(
            f"build: {built['observations']:,} observations, {built['prices']:,} prices over "
            f"{built['days']} working days in {built['seconds']:.1f} s ({rate:,.0f} rows/s)"
        )
        # A fresh app on the same database: the first request is cold.
        app = build_app(Path(tmp), ["sipaw"], **overrides)
        client = app.test_client()
        cold = timed_get(client, "/sipaw/")
        urls = ["/sipaw/"] + [f"/sipaw/?market=33.14-PSR-B{m:02d}" for m in range(args.markets)]
        first_hits = [timed_get(client, u) for u in urls[1:]]  # each market filter's first view
        warm = [timed_get(client, urls[n % len(urls)]) for n in range(args.requests)]
        print(
            f"public page: cold {cold:.1f} ms (fresh app); first view of each market filter "
            f"p50 {pct(first_hits, 0.5):.1f} ms, max {max(first_hits):.1f} ms; warm p50 "
            f"{pct(warm, 0.5):.1f} ms, p99 {pct(warm, 0.99):.1f} ms (goal p99 < 50 ms) "
            f"over {len(warm)} requests"
        )
        chart = [
            timed_get(client, "/sipaw/commodities/cabai_merah_keriting?range=5y")
            for _ in range(max(5, args.requests // 20))
        ]
        print(f"5-year chart page: p50 {pct(chart, 0.5):.1f} ms, p99 {pct(chart, 0.99):.1f} ms")
        from pamong_plugins.sipaw import services

        publish_ms = []
        day = built["first_unpublished"]
        with app.app_context():
            while day and day <= built["last_day"]:
                db = app.extensions["pamong"].db
                started = time.perf_counter()
                with db.transaction() as session:
                    result = services.publish_day(session, SYSTEM, day)
                if result.published:
                    publish_ms.append((time.perf_counter() - started) * 1000)
                day += timedelta(days=1)
        if publish_ms:
            cells = args.markets * args.commodities
            print(
                f"daily median + publication: {sum(publish_ms) / len(publish_ms):.0f} ms per day "
                f"({cells} market-commodity medians of 3 observations) over {len(publish_ms)} days"
            )
        last = built["last_day"]
        first = max(built["first_day"], last - timedelta(days=364))
        started = time.perf_counter()
        answer = client.get(f"/sipaw/open-data/prices.csv?from={first}&to={last}")
        body = answer.get_data()
        seconds = time.perf_counter() - started
        lines = body.count(b"\n") - 1
        print(
            f"open-data CSV {first}..{last}: {lines:,} rows, {len(body) / 1e6:.1f} MB in "
            f"{seconds:.2f} s ({lines / seconds:,.0f} rows/s)"
        )
        ok = pct(warm, 0.99) < 50
        print(f"ratio=p99_warm/goal {pct(warm, 0.99) / 50:.2f} ({'met' if ok else 'not met'})")
        app.extensions["pamong"].db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

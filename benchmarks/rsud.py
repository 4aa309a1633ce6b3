"""Hospital billing at a year's scale: discharge bills, the indicator and revenue reports.

    python benchmarks/rsud.py [--quick] [--days N] [--database-url URL]

Writes a 200-bed hospital's history in bulk (the demo's generator,
``pamong_plugins.rsud.demo.generate_history``): outpatient and emergency
visits and inpatient stays at about 75% occupancy, with their charges and
BPJS claims. Then times:

1. the discharge bill (``services.compute_bill``) of ``--bills`` random
   stays: p50, p99 and the slowest;
2. the monthly indicator report (per ward and for the hospital) of the
   last full month;
3. the year's revenue report (by payer, class, unit, month and doctor).

Full run (the issue's scale): 365 days, 330 outpatient and 45 emergency
visits a day, ~7,000 stays: about 140,000 encounters and 800,000 charge
lines. ``--quick`` (CI): 30 days at the same daily rates. Runs on SQLite
in a temporary folder, or on PostgreSQL with ``--database-url`` (or
``PAMONG_TEST_DATABASE_URL``). Exits 1 when a report disagrees with the
data it was built from.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from pamong.accounts.permissions import Actor
from pamong.orgunits.services import get_unit
from pamong.testing import build_app

SYSTEM = Actor.system("benchmark")
HOSPITAL = "33.14.01"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    parser.add_argument("--days", type=int)
    parser.add_argument("--outpatients", type=int, default=330)
    parser.add_argument("--emergencies", type=int, default=45)
    parser.add_argument("--bills", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("PAMONG_TEST_DATABASE_URL"))
    args = parser.parse_args()
    days = args.days or (30 if args.quick else 365)
    if args.database_url:
        os.environ["PAMONG_TEST_DATABASE_URL"] = args.database_url
    from pamong_plugins.rsud import demo, services
    from pamong_plugins.rsud.models import RsudCharge, RsudEncounter

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp) / "instance", ["billing", "rsud"])
        db = app.extensions["pamong"].db
        print(f"rsud benchmark on {db.engine.dialect.name}: {days} days of a 200-bed hospital")
        last = date(2026, 10, 31)
        first = last - timedelta(days=days - 1)
        started = time.perf_counter()
        with app.app_context(), db.transaction() as session:
            hospital = get_unit(session, HOSPITAL)
            demo.setup_hospital(session, hospital, in_service_from=first - timedelta(days=30))
            made = demo.generate_history(
                session,
                hospital,
                first=first,
                last=last,
                rng=random.Random(16),
                outpatients_per_day=args.outpatients,
                emergencies_per_day=args.emergencies,
                patients=max(5000, days * 100),
            )
        elapsed = time.perf_counter() - started
        print(
            f"history: {made.encounters} encounters ({made.stays} stays), {made.charges} "
            f"charge lines written in {elapsed:.1f} s"
        )

        with app.app_context(), db.transaction() as session:
            stays = session.scalars(
                select(RsudEncounter.number).where(RsudEncounter.kind == "inpatient")
            ).all()
            sample = random.Random(2).sample(list(stays), min(args.bills, len(stays)))
            times: list[float] = []
            wrong = 0
            for number in sample:
                started = time.perf_counter()
                encounter = services.get_encounter(session, SYSTEM, number)
                bill = services.compute_bill(session, encounter)
                times.append(time.perf_counter() - started)
                wrong += bill.real_cost != encounter.real_cost
        print(
            f"discharge bill over {len(times)} stays: p50 {p(times, 0.5) * 1000:.1f} ms, "
            f"p99 {p(times, 0.99) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
        )

        month = last.replace(day=1)
        with app.app_context(), db.transaction() as session:
            started = time.perf_counter()
            report = services.indicator_report(session, SYSTEM, HOSPITAL, month)
            elapsed = time.perf_counter() - started
        total = report["total"]
        print(
            f"indicator report {report['month']} ({len(report['wards'])} wards): "
            f"{elapsed * 1000:.0f} ms; BOR {total['bor']}%, ALOS {total['alos']}, "
            f"TOI {total['toi']}, BTO {total['bto']}, GDR {total['gdr']}, NDR {total['ndr']}"
        )

        with app.app_context(), db.transaction() as session:
            started = time.perf_counter()
            revenue = services.revenue_report(session, SYSTEM, HOSPITAL, last.year)
            elapsed = time.perf_counter() - started
            in_year = (
                session.scalar(
                    select(func.coalesce(func.sum(RsudCharge.amount), 0)).where(
                        RsudCharge.service_date.between(date(last.year, 1, 1), last)
                    )
                )
                or 0
            )
        print(
            f"revenue report {last.year}: {elapsed * 1000:.0f} ms over "
            f"{sum(1 for _ in revenue['by_month'])} months, total Rp{revenue['total']:,}"
        )
        db.dispose()
    problems = []
    if wrong:
        problems.append(f"{wrong} bills differ from the stored real cost")
    if revenue["total"] != in_year:
        problems.append(f"revenue {revenue['total']} != charges {in_year}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The PDAM monthly bill run at scale, its idempotent re-run, and the public bill check.

    python benchmarks/pdam_bill_run.py [--quick] [--connections N] [--database-url URL]

1. ``--connections`` connections (bulk inserted, 10,000 at a time) with two
   months of readings; the Karanganyar tariffs.
2. The bill run of the second month as ``pamong pdam bill-run`` does it: one
   call of the service, a commit after every ``--batch`` connections, the
   progress printed every tenth: seconds, invoices/s, and the peak memory of
   the run (the process's peak resident set, reset before the run on Linux).
3. The re-run of the same month (bills nothing): seconds.
4. The ledger's hash chain verified (``pamong billing verify-ledger``).
5. The baseline: ``--baseline`` invoices issued one by one with billing's
   ``create_invoice``; prints the bill run's rate over it (``ratio=``).
6. ``--checks`` public bill checks (``GET /api/v1/pdam/public/bills/...``)
   in-process: p50/p99 milliseconds.

Full run (the issue's figures): 100,000 connections; goals < 60 s for the
run, < 10 s for the re-run, < 300 MB peak, printed next to each figure.
``--quick`` (CI): 2,000 connections. SQLite in a temporary folder, or
PostgreSQL with ``--database-url`` (or ``PAMONG_TEST_DATABASE_URL``). Exits 1
when a connection is billed twice or not at all, or the ledger does not
verify (a missed time goal is printed, not an error: machines differ).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select, text

from pamong.accounts.permissions import Actor
from pamong.testing import build_app

SYSTEM = Actor.system("benchmark")
PERIODS = ("2026-09", "2026-10")
TODAY = date(2026, 11, 30)


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def peak_mb() -> float:
    """The process's peak resident set since the last :func:`reset_peak` (MB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start the peak over from the current resident set (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def populate(app, count: int, chunk: int = 10_000) -> None:
    """``count`` connections with two months of readings, ``chunk`` at a time."""
    from pamong.orgunits.models import OrgUnit
    from pamong_plugins.pdam import services
    from pamong_plugins.pdam.models import PdamConnection, PdamReading

    db = app.extensions["pamong"].db
    rng = random.Random(15)
    with app.app_context(), db.transaction() as session:
        services.seed_karanganyar(session, SYSTEM)
        desas = [unit.id for unit in session.scalars(select(OrgUnit).where(OrgUnit.kind == "desa"))]
        groups = ("R1", "R2", "R2", "R3", "NK")
        for start in range(0, count, chunk):
            numbers = [f"B{n:08d}" for n in range(start, min(count, start + chunk))]
            session.execute(
                insert(PdamConnection.__table__),
                [
                    {
                        "number": number,
                        "holder_kind": "resident",
                        "holder_name": f"Pelanggan {n}",
                        "holder_nik": "",
                        "address": "",
                        "desa_id": desas[n % len(desas)],
                        "group_code": groups[n % len(groups)],
                        "zone": "Z1",
                        "meter_serial": "",
                        "meter_size": "1/2",
                        "meter_digits": 5,
                        "status": "active",
                        "connected_on": date(2020, 1, 1),
                        "check_code": "ABCDEF",
                    }
                    for n, number in enumerate(numbers, start)
                ],
            )
            ids = session.scalars(
                select(PdamConnection.id).where(PdamConnection.number.in_(numbers))
            ).all()
            readings = []
            for cid in ids:
                first = rng.randint(0, 50_000)
                values = (first, first + rng.randint(5, 40))
                for period, value in zip(PERIODS, values, strict=True):
                    readings.append(
                        {
                            "connection_id": cid,
                            "period": period,
                            "read_on": TODAY,
                            "value": value,
                            "consumption": value - first,
                            "condition": "working",
                            "estimated": False,
                            "rollover": False,
                            "status": "accepted",
                            "problem": "",
                            "source": "csv",
                        }
                    )
            session.execute(insert(PdamReading.__table__), readings)
    if db.engine.dialect.name == "postgresql":  # the statistics autovacuum would have by then
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def bill_run(app, batch: int) -> tuple[int, float]:
    """The month billed as ``pamong pdam bill-run`` bills it: one call, a commit per batch."""
    from pamong_plugins.pdam import services

    db = app.extensions["pamong"].db
    shown = [0]
    started = time.perf_counter()

    def progress(done: int, todo: int) -> None:
        if done * 10 // todo > shown[0] * 10 // todo or done == todo:
            shown[0] = done
            seconds = time.perf_counter() - started
            print(f"  progress: {done:,} of {todo:,} billed, {seconds:.1f} s", flush=True)

    with app.app_context(), db.session() as session:
        result = services.bill_run(
            session,
            SYSTEM,
            PERIODS[1],
            today=TODAY,
            batch=batch,
            commit=session.commit,
            progress=progress,
        )
        session.commit()
    return result.billed, time.perf_counter() - started


def baseline(app, count: int) -> float:
    """Invoices per second through billing's one-at-a-time ``create_invoice``."""
    from pamong_plugins.billing.services import Line, Payer, create_invoice

    db = app.extensions["pamong"].db
    started = time.perf_counter()
    with app.app_context(), db.transaction() as session:
        for n in range(count):
            create_invoice(
                session,
                SYSTEM,
                source="baseline",
                reference=f"b:{n}",
                unit_code="33.14.01.2001",
                payer=Payer("resident", f"Pelanggan {n}"),
                lines=[Line("Air 0-10 m3", 13_000), Line("Biaya beban", 11_500)],
                period=PERIODS[1],
            )
    return count / (time.perf_counter() - started)


def checks(app, count: int, connections: int) -> list[float]:
    client = app.test_client()
    rng = random.Random(7)
    times = []
    for _ in range(count):
        number = f"B{rng.randrange(connections):08d}"
        started = time.perf_counter()
        response = client.get(f"/api/v1/pdam/public/bills/{number}?code=ABCDEF")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI size: 2,000 connections")
    parser.add_argument("--connections", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--baseline", type=int, default=500)
    parser.add_argument("--checks", type=int, default=1_000)
    parser.add_argument("--database-url", default=os.environ.get("PAMONG_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if args.quick:
        args.connections, args.baseline, args.checks = 2_000, 200, 100
    logging.disable(logging.WARNING)
    if args.database_url:  # build_app starts that database over (an empty schema)
        os.environ["PAMONG_TEST_DATABASE_URL"] = args.database_url
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder) / "instance", ["billing", "pdam"])
        try:
            return run(app, args)
        finally:
            app.extensions["pamong"].db.dispose()


def goal(ok: bool, text: str) -> str:
    return f"goal {text}: {'met' if ok else 'MISSED'}"


def run(app, args) -> int:
    from pamong_plugins.billing import ledger
    from pamong_plugins.pdam.models import PdamBill

    db = app.extensions["pamong"].db
    print(f"database: {db.engine.dialect.name}, {args.connections:,} connections")
    started = time.perf_counter()
    populate(app, args.connections)
    print(f"{args.connections} connections with readings in {time.perf_counter() - started:.1f} s")
    reset_peak()
    billed, seconds = bill_run(app, args.batch)
    rate = billed / seconds if seconds else 0.0
    peak = peak_mb()
    print(
        f"bill run: {billed} invoices in {seconds:.1f} s ({rate:,.0f} invoices/s); "
        + goal(seconds < 60, "< 60 s")
    )
    print(f"peak memory of the run: {peak:.0f} MB; " + goal(peak < 300, "< 300 MB"))
    again, again_seconds = bill_run(app, args.batch)
    print(f"re-run: {again} billed in {again_seconds:.2f} s; " + goal(again_seconds < 10, "< 10 s"))
    with app.app_context(), db.transaction() as session:
        bills = session.scalar(select(func.count()).select_from(PdamBill))
        distinct = session.scalar(select(func.count(func.distinct(PdamBill.connection_id))))
        check = ledger.verify(session)
    print(
        f"ledger: {check.entries} entries verified in {check.seconds:.1f} s "
        f"({'OK' if check.ok else 'BROKEN'})"
    )
    one_by_one = baseline(app, args.baseline)
    print(f"baseline create_invoice one by one: {one_by_one:,.0f} invoices/s")
    times = checks(app, args.checks, args.connections)
    print(f"public bill check: p50 {p(times, 0.5):.1f} ms, p99 {p(times, 0.99):.1f} ms")
    print(f"ratio={rate / one_by_one:.2f}")
    if bills != args.connections or distinct != bills or again or not check.ok:
        print(f"FAILED: {bills} bills for {distinct} connections, {again} re-billed")
        print(*check.problems[:5], sep="\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

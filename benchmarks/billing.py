"""Billing under load: invoices, concurrent bank callbacks, day closing, arrears, the ledger.

    python benchmarks/billing.py [--quick] [--database-url URL]

1. ``--invoices`` invoices issued through ``services.create_invoice`` (500
   per transaction), due dates spread over the last 200 days; invoices/s.
2. ``--callbacks`` of them get a demo-bank virtual account, are paid at the
   bank, and the bank's signed callbacks are posted over HTTP to a live
   server by ``--clients`` concurrent clients, one in ten sent twice (a
   replay). Prints throughput, p50/p99 latency, and checks that no payment
   was lost (every invoice paid) and none duplicated (one payment each).
3. ``--closing`` invoices paid in cash in one cashier session, the session
   closed and the day closed (deposit slip); prints both times.
4. The arrears report over all invoices; its time.
5. Ledger verification; entries per second.

Full run (the issue's figures): 100,000 invoices, 1,000 callbacks from 20
clients, a day closing of 5,000 payments. ``--quick`` (CI): 5,000
invoices, 200 callbacks from 20 clients, 500 payments.
Runs on SQLite in a temporary folder, or on PostgreSQL with
``--database-url`` (or ``PAMONG_TEST_DATABASE_URL``). Exits 1 when a
callback was lost or counted twice, or the ledger does not verify.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy import func, select

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.orgunits.services import get_unit
from pamong.testing import build_app, live_server

SYSTEM = Actor.system("benchmark")
UNIT = "33.14.01"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def issue(app, count: int) -> list[str]:
    """Issue ``count`` invoices; return their numbers."""
    from pamong.plugin import regency_today
    from pamong_plugins.billing.services import Line, Payer, create_invoice

    db = app.extensions["pamong"].db
    rng = random.Random(14)
    today = regency_today(app)
    kinds = ("resident", "resident", "resident", "business", "institution")
    numbers: list[str] = []
    for start in range(0, count, 500):
        with app.app_context(), db.transaction() as session:
            for n in range(start, min(start + 500, count)):
                made = create_invoice(
                    session,
                    SYSTEM,
                    source="benchmark",
                    reference=f"bench:{n}",
                    unit_code=UNIT,
                    payer=Payer(rng.choice(kinds), f"Wajib Bayar {n}"),
                    lines=[
                        Line("Retribusi", rng.choice((5_000, 25_000, 150_000))),
                        Line("Denda", 2_000, priority=200),
                    ],
                    due_date=today - timedelta(days=rng.randint(-10, 200)),
                )
                numbers.append(made.number)
    return numbers


def callbacks(app, numbers: list[str], clients: int) -> tuple[bool, dict[str, float]]:
    """Pay ``numbers`` at the demo bank and post the callbacks concurrently over HTTP."""
    from pamong_plugins.billing import services
    from pamong_plugins.billing.demo_channel import CALLBACK_PATH, bank_pay, notification_for
    from pamong_plugins.billing.models import BillingInvoice, BillingPayment
    from pamong_plugins.billing.settings import DEMO_SECRET

    db = app.extensions["pamong"].db
    bills = []
    with app.app_context(), db.transaction() as session:
        for number in numbers:
            va = next(
                b for b in services.open_channel_bills(session, SYSTEM, number) if b.kind == "va"
            )
            bills.append(bank_pay(session, va.reference).reference)
    posts: list[tuple[bytes, dict[str, str]]] = []
    with app.app_context(), db.transaction() as session:
        from pamong_plugins.billing.models import BillingDemoBankBill

        rows = session.scalars(
            select(BillingDemoBankBill).where(BillingDemoBankBill.reference.in_(bills))
        ).all()
        for row in rows:
            posts.append(notification_for(row, secret=DEMO_SECRET))
    replays = posts[:: max(1, len(posts) // max(1, len(posts) // 10))][: len(posts) // 10]
    work = posts + replays
    random.Random(3).shuffle(work)
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[int] = []

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with live_server(app) as base:
        host = urlparse(base)

        def post(item: tuple[bytes, dict[str, str]]) -> None:
            body, headers = item
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
            started = time.perf_counter()
            conn.request("POST", CALLBACK_PATH, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            conn.close()
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures.append(response.status)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(post, work))
        wall = time.perf_counter() - started

    with db.transaction() as session:
        paid = session.scalar(
            select(func.count())
            .select_from(BillingInvoice)
            .where(BillingInvoice.number.in_(numbers), BillingInvoice.status == "paid")
        )
        payments = session.scalar(
            select(func.count())
            .select_from(BillingPayment)
            .join(BillingInvoice, BillingPayment.invoice_id == BillingInvoice.id)
            .where(BillingInvoice.number.in_(numbers))
        )
    lost, duplicated = len(numbers) - paid, payments - paid
    print(
        f"callbacks: {len(work)} posted ({len(replays)} replays) by {clients} clients "
        f"in {wall:.1f} s = {len(work) / wall:.0f}/s; "
        f"latency p50 {p(latencies, 0.5) * 1000:.0f} ms, p99 {p(latencies, 0.99) * 1000:.0f} ms; "
        f"lost {lost}, duplicated {duplicated}, non-200 answers {len(failures)}"
    )
    return lost == 0 and duplicated == 0 and not failures, {
        "throughput": len(work) / wall,
        "p99_ms": p(latencies, 0.99) * 1000,
    }


def closing(app, numbers: list[str]) -> None:
    """Pay ``numbers`` in cash in one session, then close the session and the day."""
    from pamong.plugin import regency_today
    from pamong_plugins.billing import services

    db = app.extensions["pamong"].db
    with db.transaction() as session:
        user = accounts.create_user(
            session, SYSTEM, username="kasir.bench", password="benchmark-password"
        )
        accounts.assign_role(
            session,
            SYSTEM,
            user,
            accounts.get_role(session, "billing_cashier"),
            get_unit(session, UNIT),
        )
        session.flush()
        cashier = accounts.actor_for(accounts.load_user(session, user.id))
    with app.app_context(), db.transaction() as session:
        services.open_cashier_session(session, cashier, unit_code=UNIT, opening_float=500_000)
    started = time.perf_counter()
    taken = 0
    for start in range(0, len(numbers), 250):
        with app.app_context(), db.transaction() as session:
            for number in numbers[start : start + 250]:
                due = services.invoice_status(session, number).outstanding
                services.pay_cash(session, cashier, invoice_number=number, amount=due)
                taken += due
    paying = time.perf_counter() - started
    with app.app_context(), db.transaction() as session:
        services.close_cashier_session(session, cashier, counted_cash=500_000 + taken)
    started = time.perf_counter()
    with app.app_context(), db.transaction() as session:
        row = services.close_day(session, SYSTEM, unit_code=UNIT, day=regency_today(app))
        assert row.payments >= len(numbers) and row.cash_total == taken
    closing_time = time.perf_counter() - started
    print(
        f"cash: {len(numbers)} payments in {paying:.1f} s = {len(numbers) / paying:.0f}/s; "
        f"day closing of {row.payments} payments ({row.sts_number}) in {closing_time:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    parser.add_argument("--invoices", type=int)
    parser.add_argument("--callbacks", type=int)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--closing", type=int)
    parser.add_argument("--database-url", default=os.environ.get("PAMONG_TEST_DATABASE_URL"))
    args = parser.parse_args()
    full = (5_000, 200, 500) if args.quick else (100_000, 1_000, 5_000)
    invoices = args.invoices or full[0]
    n_callbacks = args.callbacks or full[1]
    n_closing = args.closing or full[2]
    if n_callbacks + n_closing > invoices:
        parser.error("--invoices must cover --callbacks and --closing")
    if args.database_url:
        os.environ["PAMONG_TEST_DATABASE_URL"] = args.database_url
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp) / "instance", ["billing"], public_rate_limit="1000000/minute")
        database = app.extensions["pamong"].db.engine.dialect.name
        print(f"billing benchmark on {database}: {invoices} invoices")
        started = time.perf_counter()
        numbers = issue(app, invoices)
        elapsed = time.perf_counter() - started
        print(f"invoices: {invoices} issued in {elapsed:.1f} s = {invoices / elapsed:.0f}/s")

        ok, figures = callbacks(app, numbers[:n_callbacks], args.clients)
        closing(app, numbers[n_callbacks : n_callbacks + n_closing])

        from pamong.plugin import regency_today
        from pamong_plugins.billing import ledger, reports

        db = app.extensions["pamong"].db
        with app.app_context(), db.transaction() as session:
            started = time.perf_counter()
            rows = reports.arrears(session, SYSTEM, regency_today(app))
            elapsed = time.perf_counter() - started
        print(
            f"arrears report over {invoices} invoices: {elapsed * 1000:.0f} ms "
            f"({sum(r.invoices for r in rows)} invoices past due)"
        )
        with db.transaction() as session:
            check = ledger.verify(session)
        rate = check.entries / check.seconds if check.seconds else 0
        print(f"ledger: {check.entries} entries verified in {check.seconds:.2f} s = {rate:,.0f}/s")
        app.extensions["pamong"].db.dispose()
        ok = ok and check.ok
        print(
            f"callbacks_per_s={figures['throughput']:.0f} p99_ms={figures['p99_ms']:.0f} "
            f"ledger_entries_per_s={rate:.0f} ok={ok}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

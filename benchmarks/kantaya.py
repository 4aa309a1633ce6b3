"""Kantaya under load: the controlling grid over a year of reports, and 20 clerks numbering.

    python benchmarks/kantaya.py [--quick] [--database-url URL]

1. ``--units`` reporting units (Satker) get ``--days`` days of daily
   reports (about 93% of working days, bulk inserted), and
   ``--letters`` outgoing letters are already numbered this year.
2. The controlling grid of the last full month, for the regency's leader,
   ``--repeat`` times: p50/p99 in ms (the issue's goal: under 200 ms on
   SQLite for 500 units).
3. The leader dashboard of today for the regency, ``--repeat`` times
   (goal: under 200 ms on SQLite).
4. ``--threads`` forum threads of two posts each (bulk inserted); a search
   for two words, ``--repeat`` times: PostgreSQL full-text, SQLite LIKE.
5. ``--clerks`` threads number ``--per-clerk`` letters each, at once,
   through ``services.number_letter`` (one transaction per letter): p50/p99
   per number, and a check that the sequence has neither gaps nor twins
   (exit 1 otherwise).

Full run (the issue's size): 500 units x 365 days, 50,000 letters, 2,000
threads, 20 clerks. ``--quick`` (CI): 60 units x 60 days, 1,000 letters,
200 threads, 20 clerks x 5.
Runs on SQLite in a temporary folder, or on PostgreSQL with
``--database-url`` (or ``PAMONG_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from pamong.accounts.permissions import Actor
from pamong.testing import build_app

SYSTEM = Actor.system("benchmark")


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def seed(app, units: int, days: int, letters: int) -> None:
    from pamong.orgunits.models import OrgUnit
    from pamong.orgunits.services import add_unit
    from pamong.plugin import regency_today
    from pamong.workdays import is_working_day
    from pamong_plugins.kantaya.models import KantayaLetter, KantayaLetterCounter, KantayaReport

    db = app.extensions["pamong"].db
    rng = random.Random(17)
    with app.app_context(), db.transaction() as session:
        for n in range(units):
            add_unit(
                session,
                SYSTEM,
                code=f"33.14-S{n:04d}",
                name=f"Satker {n}",
                kind="skpd",
                parent_code="33.14",
            )
    with app.app_context(), db.transaction() as session:
        ids = list(session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "skpd")))
        root = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "33.14"))
        today = regency_today(app)
        rows = []
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            if not is_working_day(day):
                continue
            stamp = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2)
            for unit_id in ids:
                if rng.random() < 0.07:
                    continue
                rows.append(
                    {
                        "unit_id": unit_id,
                        "day": day,
                        "status": "approved",
                        "activities": "Apel",
                        "results": "",
                        "problems": "",
                        "follow_up": "",
                        "facts": [],
                        "return_reason": "",
                        "created_at": stamp,
                        "updated_at": stamp,
                        "submitted_at": stamp,
                        "late": rng.random() < 0.05,
                    }
                )
            if len(rows) > 20_000:
                session.execute(insert(KantayaReport), rows)
                rows = []
        if rows:
            session.execute(insert(KantayaReport), rows)
        year = today.year
        session.execute(
            insert(KantayaLetter),
            [
                {
                    "number": f"000.1.2/{n:05d}/B/{year}",
                    "year": year,
                    "scope": "",
                    "sequence": n,
                    "classification": "000.1.2",
                    "grade": "B",
                    "unit_id": root,
                    "subject": f"Surat {n}",
                    "addressee": "",
                    "reserved": False,
                    "created_at": datetime.now(UTC),
                }
                for n in range(1, letters + 1)
            ],
        )
        session.execute(insert(KantayaLetterCounter).values(year=year, scope="", last=letters))


WORDS = (
    "jalan",
    "jembatan",
    "blangko",
    "ktp",
    "internet",
    "rapat",
    "musrenbang",
    "posyandu",
    "stunting",
    "irigasi",
    "pasar",
    "sampah",
    "banjir",
    "sekolah",
    "puskesmas",
    "pajak",
)


def seed_forum(app, threads: int) -> None:
    from pamong.orgunits.models import OrgUnit
    from pamong_plugins.kantaya.forum import normalise
    from pamong_plugins.kantaya.models import KantayaPost, KantayaThread

    db = app.extensions["pamong"].db
    rng = random.Random(5)
    with app.app_context(), db.transaction() as session:
        root = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "33.14"))
        now = datetime.now(UTC)
        session.execute(
            insert(KantayaThread),
            [
                {
                    "unit_id": root,
                    "topic": "umum",
                    "title": f"Utas {n} {rng.choice(WORDS)}",
                    "locked": False,
                    "hidden": False,
                    "created_at": now,
                    "last_post_at": now,
                }
                for n in range(threads)
            ],
        )
        ids = list(session.scalars(select(KantayaThread.id)))
        posts = []
        for tid in ids:
            for _ in range(2):
                body = " ".join(rng.choice(WORDS) for _ in range(30))
                posts.append(
                    {
                        "thread_id": tid,
                        "body": body,
                        "search_text": normalise(body),
                        "hidden": False,
                        "created_at": now,
                    }
                )
        session.execute(insert(KantayaPost), posts)


def timed(app, repeat: int, call) -> list[float]:
    db = app.extensions["pamong"].db
    times = []
    for _ in range(repeat):
        with app.app_context(), db.transaction() as session:
            start = time.perf_counter()
            call(session)
            times.append((time.perf_counter() - start) * 1000)
    return times


def grid_times(app, repeat: int) -> list[float]:
    from pamong.plugin import regency_today
    from pamong_plugins.kantaya import services

    db = app.extensions["pamong"].db
    month = (regency_today(app).replace(day=1) - timedelta(days=1)).replace(day=1)
    times = []
    for _ in range(repeat):
        with app.app_context(), db.transaction() as session:
            start = time.perf_counter()
            grid = services.controlling_grid(session, SYSTEM, month)
            times.append((time.perf_counter() - start) * 1000)
    print(f"grid: {len(grid.units)} units x {len(grid.days)} days, totals {grid.totals}")
    return times


def clerks(app, count: int, per_clerk: int, letters_before: int) -> tuple[list[float], bool]:
    from pamong.plugin import regency_today
    from pamong_plugins.kantaya import services
    from pamong_plugins.kantaya.models import KantayaLetter

    db = app.extensions["pamong"].db
    barrier = threading.Barrier(count, timeout=60)
    times: list[float] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        barrier.wait()
        for k in range(per_clerk):
            start = time.perf_counter()
            try:
                with app.app_context(), db.transaction() as session:
                    services.number_letter(
                        session,
                        SYSTEM,
                        unit_code="33.14",
                        classification="000.1.2",
                        subject=f"Benchmark {n}-{k}",
                    )
            except BaseException as exc:
                failures.append(exc)
                continue
            with lock:
                times.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context(), db.transaction() as session:
        year = regency_today(app).year
        sequences = sorted(
            session.scalars(select(KantayaLetter.sequence).where(KantayaLetter.year == year))
        )
        distinct = session.scalar(select(func.count(func.distinct(KantayaLetter.number))))
    expected = list(range(1, letters_before + count * per_clerk + 1))
    ok = not failures and sequences == expected and distinct == len(expected)
    if failures:
        print(f"failures: {len(failures)}, first: {failures[0]!r}")
    return times, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--letters", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--clerks", type=int, default=20)
    parser.add_argument("--per-clerk", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("PAMONG_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if args.quick:
        args.units, args.days, args.letters, args.per_clerk, args.repeat = 60, 60, 1000, 5, 10
        args.threads = 200
    logging.disable(logging.WARNING)
    settings = {"database_url": args.database_url} if args.database_url else {}
    if args.database_url:
        os.environ["PAMONG_TEST_DATABASE_URL"] = args.database_url
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp) / "instance", ["kantaya"], **settings)
        start = time.perf_counter()
        seed(app, args.units, args.days, args.letters)
        print(
            f"seeded {args.units} units x {args.days} days and {args.letters} letters "
            f"in {time.perf_counter() - start:.1f} s"
        )
        grid = grid_times(app, args.repeat)
        print(f"grid_ms p50={p(grid, 0.5):.1f} p99={p(grid, 0.99):.1f} (goal: under 200)")
        from pamong.plugin import regency_today
        from pamong_plugins.kantaya import services

        today = regency_today(app)
        board = timed(app, args.repeat, lambda s: services.leader_dashboard(s, SYSTEM, today))
        print(f"dashboard_ms p50={p(board, 0.5):.1f} p99={p(board, 0.99):.1f} (goal: under 200)")
        seed_forum(app, args.threads)
        search = timed(app, args.repeat, lambda s: services.search(s, SYSTEM, "jembatan banjir"))
        print(
            f"forum_search_ms ({args.threads} threads) p50={p(search, 0.5):.1f} "
            f"p99={p(search, 0.99):.1f}"
        )
        numbers, ok = clerks(app, args.clerks, args.per_clerk, args.letters)
        print(
            f"letter_numbering {args.clerks} clerks x {args.per_clerk}: "
            f"p50={p(numbers, 0.5):.1f} ms p99={p(numbers, 0.99):.1f} ms; "
            f"gapless and unique: {ok}"
        )
        app.extensions["pamong"].db.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

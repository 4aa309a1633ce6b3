"""CPU per request of the tracker and the NIK lookup, Pamong against the bare apps, in-process.

    python benchmarks/request_cpu.py [--files 2000] [--rows 20000] [--requests 1000]

The wall-clock benchmarks (``tracker.py``, ``lookup.py``) measure what a
client sees, which on a busy machine is mostly the wait for a core. This
one measures what the code costs: the same instance, the same bare apps
(``tracker.BARE_APP``, ``lookup.BARE_APP``) and Pamong's app, each called
through Werkzeug's test client in this one process, ``--requests``
requests per round, baseline and Pamong alternated for ``--rounds``
rounds; it prints the median CPU time per request (``time.process_time``)
and the Python function calls per request (cProfile), which do not depend
on the load at all. Both sides include the test client's own cost.

The app is built with ``pamong.create_app`` and frozen, as gunicorn's
``pamong:create_app()`` is. Last lines: ``tracker_cpu_ratio=`` and
``lookup_cpu_ratio=`` (bare CPU over Pamong's: 1.0 would be no overhead).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import lookup
import tracker
from _serve import init_instance, pamong


def bare_app(source: str, **env: str) -> Any:
    """The WSGI app a baseline script's source defines, with its environment set."""
    os.environ.update(env)
    namespace: dict[str, Any] = {"__name__": "bare"}
    exec(compile(source, "bare_app", "exec"), namespace)
    return namespace["app"]


def requester(app: Any, paths: list[str], headers: dict[str, str]) -> Callable[[int], None]:
    """A function making ``n`` GET requests to ``app``, cycling through ``paths``."""
    from werkzeug.test import Client

    client = Client(app)

    def run(n: int) -> None:
        for index in range(n):
            response = client.get(paths[index % len(paths)], headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{paths[index % len(paths)]}: {response.status_code}")

    return run


def compare(
    label: str, runs: dict[str, Callable[[int], None]], requests: int, rounds: int
) -> float:
    """Alternate ``runs``; print the median CPU ms and the calls per request; the ratio."""
    for run in runs.values():
        run(min(200, requests))  # warm: compiled statements, caches
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.process_time()
            run(requests)
            cpu[name].append((time.process_time() - started) / requests * 1000)
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    for name, run in runs.items():
        profile = cProfile.Profile()
        profile.runcall(run, min(200, requests))
        calls = pstats.Stats(profile).total_calls // min(200, requests)  # type: ignore[attr-defined]
        print(
            f"{label:>8} {name:>8}: {medians[name]:6.3f} ms CPU/request  {calls:5d} calls/request"
        )
    return medians["baseline"] / medians["pamong"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2_000, help="tracked files")
    parser.add_argument("--rows", type=int, default=20_000, help="residents")
    parser.add_argument("--requests", type=int, default=1_000, help="per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="CI: 200 files, 2,000 residents")
    args = parser.parse_args()
    if args.quick:
        args.files, args.rows, args.requests, args.rounds = 200, 2_000, 100, 3

    import gc

    import pamong as pamong_package
    from pamong.demo import write_residents_csv
    from pamong.regions import RegionLevel, subtree

    work = Path(tempfile.mkdtemp(prefix="pamong-request-cpu-"))
    instance = init_instance(work, public_rate_limit="100000000/minute")
    numbers, title, labels = tracker.seed(instance, args.files)
    villages = [(r.code, r.name) for r in subtree("33.14") if r.level is RegionLevel.VILLAGE]
    csv_path = work / "residents.csv"
    write_residents_csv(csv_path, villages, args.rows)
    pamong(instance, "residents", "import", str(csv_path))
    with csv_path.open(newline="", encoding="utf-8") as handle:
        niks = [row["nik"] for row in csv.DictReader(handle)]
    token = pamong(instance, "tokens", "create", "admin").strip()
    print(f"{args.files} tracked files and {args.rows} residents in {instance}", flush=True)

    database = str(instance / "pamong.sqlite3")
    app = pamong_package.create_app(str(instance))  # frozen, as under gunicorn
    track_bare = bare_app(tracker.BARE_APP, BARE_DB=database, BARE_LABELS=labels, BARE_TITLE=title)
    lookup_bare = bare_app(lookup.BARE_APP, BARE_DB=database)
    gc.freeze()

    rng = random.Random(1)
    track_paths = [f"/api/v1/track/{n}" for n in rng.sample(numbers, min(500, len(numbers)))]
    nik_paths = [f"/api/v1/residents/{n}" for n in rng.sample(niks, min(1000, len(niks)))]
    bearer = {"Authorization": f"Bearer {token}"}
    ratios = {
        "tracker": compare(
            "tracker",
            {
                "baseline": requester(track_bare, track_paths, {}),
                "pamong": requester(app, track_paths, {}),
            },
            args.requests,
            args.rounds,
        ),
        "lookup": compare(
            "lookup",
            {
                "baseline": requester(lookup_bare, nik_paths, bearer),
                "pamong": requester(app, nik_paths, bearer),
            },
            args.requests,
            args.rounds,
        ),
    }
    print(f"medians of {args.rounds} alternated rounds of {args.requests} requests")
    print(f"tracker_cpu_ratio={ratios['tracker']:.2f}")
    print(f"lookup_cpu_ratio={ratios['lookup']:.2f}")


if __name__ == "__main__":
    main()

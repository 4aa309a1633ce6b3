"""The public tracker under load: Pamong against a bare Flask + sqlite3 app.

    python benchmarks/tracker.py [--files 20000] [--rounds 3] [--seconds 10]

1. ``pamong init --region 33.14`` (Sragen, SQLite) and N tracked
   population-service files, each with one to four steps (not timed);
2. Pamong (``pamong:create_app()``) and a bare app, Flask and ``sqlite3``
   answering ``GET /api/v1/track/<number>`` with the same two queries
   (the file with its unit, then its steps) and the same JSON fields, are
   each served by gunicorn with the same number of sync workers;
3. ``wrk`` warms each up for a second (untimed: every worker has served
   requests, as a server in use has), then loads each in turn, baseline
   then Pamong, with 20 connections cycling through 500 receipt numbers,
   for ``--rounds`` rounds.

Pamong runs its full request path (rate limit, locale, security headers,
request id, serialisation); its public rate limit is raised so that it
counts but never refuses. The last line is ``ratio=`` (median Pamong
requests per second over the median baseline's); the goal is >= 0.6.
Before it, ``cpu_ratio=``: the gunicorn workers' CPU time per request
(read from ``/proc``), the baseline's over Pamong's, which does not depend
on the machine's other work.
The load average before and after is printed: on a machine busy with other
work the figures measure the wait for a core as much as the code.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _serve import Load, alternate, gunicorn, init_instance, lua_paths, server_cpu_seconds, wrk

BARE_APP = """
import os
import sqlite3
import threading

from flask import Flask, abort, jsonify

app = Flask(__name__)
DB = os.environ["BARE_DB"]
LABELS = dict(pair.split("=", 1) for pair in os.environ["BARE_LABELS"].split(";"))
TITLE = os.environ["BARE_TITLE"]
local = threading.local()


def connection():
    conn = getattr(local, "conn", None)
    if conn is None:
        conn = local.conn = sqlite3.connect(DB, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=10000")
    return conn


def iso(text):
    return text.replace(" ", "T") + "+00:00" if text else None


@app.get("/api/v1/track/<number>")
def track(number):
    number = number.strip().upper()
    conn = connection()
    row = conn.execute(
        "SELECT t.id, t.kind, t.stage, t.opened_at, t.closed_at, o.name FROM tracked_items t "
        "JOIN org_units o ON o.id = t.org_unit_id WHERE t.number = ?",
        (number,),
    ).fetchone()
    if row is None:
        abort(404)
    steps = conn.execute(
        "SELECT stage, at, public_note FROM status_events WHERE item_id = ? ORDER BY id",
        (row[0],),
    ).fetchall()
    return jsonify(
        number=number,
        kind=row[1],
        kind_title=TITLE,
        stage=row[2],
        stage_label=LABELS.get(row[2], row[2]),
        unit=row[5],
        opened_at=iso(row[3]),
        closed=row[4] is not None,
        history=[
            {"stage": s, "label": LABELS.get(s, s), "at": iso(at), "note": note}
            for s, at, note in steps
        ],
    )
"""


def seed(instance: Path, files: int) -> tuple[list[str], str, str]:
    """``files`` tracked files; their numbers, the kind's title and stage labels."""
    from pamong.accounts.permissions import Actor
    from pamong.app import create_app
    from pamong.core_hooks import POPULATION_SERVICE as KIND
    from pamong.orgunits.models import OrgUnit
    from pamong.tracking.services import import_file

    app = create_app(instance)
    db = app.extensions["pamong"].db
    rng = random.Random(13)
    stages = [stage.code for stage in KIND.stages]
    numbers = []
    start = datetime(2026, 1, 5, 1, tzinfo=UTC)
    with app.app_context():
        with db.transaction() as session:
            units = list(session.query(OrgUnit).all())
        actor = Actor.system("benchmark")
        for batch in range(0, files, 1000):
            with db.transaction() as session:
                for _ in range(min(1000, files - batch)):
                    steps = rng.randint(1, len(stages))
                    opened = start + timedelta(minutes=rng.randint(0, 300_000))
                    history = [(stages[i], opened + timedelta(days=i)) for i in range(steps)]
                    item = import_file(
                        session,
                        actor,
                        KIND,
                        session.merge(rng.choice(units), load=False),
                        history,
                        closed=steps == len(stages),
                    )
                    numbers.append(item.number)
        labels = ";".join(f"{stage.code}={stage.label}" for stage in KIND.stages)
        title = str(KIND.title)
    db.dispose()
    return numbers, str(title), labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both apps")
    parser.add_argument("--quick", action="store_true", help="CI: 500 files, 3 rounds of 1 s")
    args = parser.parse_args()
    if args.quick:
        args.files, args.seconds = 500, 1

    work = Path(tempfile.mkdtemp(prefix="pamong-tracker-"))
    instance = init_instance(work, public_rate_limit="100000000/minute")
    numbers, title, labels = seed(instance, args.files)
    print(f"{args.files} tracked files in {instance}", flush=True)
    paths = [f"/api/v1/track/{n}" for n in random.Random(1).sample(numbers, min(500, len(numbers)))]
    script = lua_paths(work / "paths.lua", paths)
    (work / "bare").mkdir()
    (work / "bare" / "bare_tracker.py").write_text(BARE_APP)

    bare_env = {
        "BARE_DB": str(instance / "pamong.sqlite3"),
        "BARE_LABELS": labels,
        "BARE_TITLE": title,
    }
    pamong_env = {"PAMONG_INSTANCE": str(instance)}
    with (
        gunicorn(
            "bare_tracker:app",
            workers=args.workers,
            env=bare_env,
            chdir=work / "bare",
            probe=paths[0],
        ) as bare,
        gunicorn(
            "pamong:create_app()", workers=args.workers, env=pamong_env, probe=paths[0]
        ) as app,
    ):
        for base_url in (bare, app):  # warm-up, untimed
            wrk(base_url + paths[0], connections=args.connections, seconds=1, script=script)
        cpu: dict[str, list[float]] = {"baseline": [], "pamong": []}

        def run(name: str, base_url: str) -> Load:
            """One wrk round; notes the workers' CPU per request."""
            before = server_cpu_seconds(base_url)
            load = wrk(
                base_url + paths[0],
                connections=args.connections,
                seconds=args.seconds,
                script=script,
            )
            requests = load.rps * max(1, round(args.seconds))
            cpu[name].append((server_cpu_seconds(base_url) - before) / requests * 1000)
            return load

        load_before = os.getloadavg()
        medians = alternate(
            args.rounds,
            {"baseline": lambda: run("baseline", bare), "pamong": lambda: run("pamong", app)},
        )
        load_after = os.getloadavg()
    base, ours = medians["baseline"], medians["pamong"]
    print(
        f"medians of {args.rounds} alternated rounds, {args.connections} connections, "
        f"{args.workers} gunicorn workers each; load average (1 min) "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    for name, load in medians.items():
        print(
            f"{name:>8}: {load.rps:8.0f} req/s  p50 {load.p50:6.1f} ms  "
            f"p99 {load.p99:6.1f} ms  errors {load.errors}"
        )
    cpu_base, cpu_ours = (statistics.median(cpu[name]) for name in ("baseline", "pamong"))
    print(
        f"server CPU per request (gunicorn workers, median): baseline {cpu_base:.3f} ms, "
        f"pamong {cpu_ours:.3f} ms"
    )
    print(f"cpu_ratio={cpu_base / cpu_ours:.2f}")
    if ours.errors or base.errors:
        print("errors: some requests failed", file=sys.stderr)
        sys.exit(1)
    print(f"ratio={ours.rps / base.rps:.2f}")


if __name__ == "__main__":
    main()

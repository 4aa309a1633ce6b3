"""The authenticated NIK lookup under load: Pamong against a bare Flask + sqlite3 app.

    python benchmarks/lookup.py [--rows 100000] [--rounds 3] [--seconds 10]

1. ``pamong init --region 33.14`` (Sragen, SQLite), N synthetic residents
   imported with ``pamong residents import`` and a bearer token for the
   administrator (not timed);
2. Pamong (``pamong:create_app()``) and a bare app, Flask and ``sqlite3``
   doing the same work for ``GET /api/v1/residents/<nik>``: the bearer
   token looked up by its SHA-256 with its active user, the resident
   fetched by NIK, an audit row of the personal-data read inserted and
   committed, the record returned as JSON; each served by gunicorn with
   the same number of sync workers;
3. ``wrk`` loads each in turn, baseline then Pamong, with 1 client and
   with 20, cycling through 1,000 NIKs, for ``--rounds`` rounds.

Prints medians of requests per second and p50/p99 latency, then
``ratio_1=`` and, last, ``ratio=`` (20 clients; the goal is >= 0.5) and
``p99_1_client_ms=`` (the goal is < 10 ms at 865,417 residents).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _serve import alternate, gunicorn, init_instance, lua_paths, pamong, wrk

BARE_APP = """
import hashlib
import json
import os
import sqlite3
import threading
import uuid
from datetime import datetime, timezone

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
DB = os.environ["BARE_DB"]
local = threading.local()
COLUMNS = (
    "id, nik, kk_number, name, birth_place, birth_date, sex, religion, marital_status, "
    "occupation, address, rt, rw, domicile_unit_id, status, nik_issues, needs_review, "
    "created_at, updated_at"
)
NAMES = [c.strip() for c in COLUMNS.split(",")]


def connection():
    conn = getattr(local, "conn", None)
    if conn is None:
        conn = local.conn = sqlite3.connect(DB, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@app.get("/api/v1/residents/<nik>")
def resident(nik):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        abort(401)
    conn = connection()
    user = conn.execute(
        "SELECT u.id, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.is_active",
        (hashlib.sha256(token.strip().encode()).hexdigest(),),
    ).fetchone()
    if user is None:
        abort(401)
    row = conn.execute(f"SELECT {COLUMNS} FROM residents WHERE nik = ?", (nik,)).fetchone()
    if row is None:
        abort(404)
    record = dict(zip(NAMES, row))
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, actor, action, object_type, object_id, "
        "org_unit_id, subject_nik, detail, ip, request_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" "),
            user[0], user[1], "personal.read", "resident", str(record["id"]),
            record["domicile_unit_id"], nik, json.dumps({"purpose": "core.resident.by_nik"}),
            request.remote_addr, uuid.uuid4().hex,
        ),
    )
    conn.execute("COMMIT")
    record["nik_issues"] = json.loads(record["nik_issues"])
    return jsonify(record)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="residents (865417: Sragen)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both apps")
    parser.add_argument("--quick", action="store_true", help="CI: 2,000 residents, 1 s rounds")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.seconds = 2_000, 1

    from pamong.demo import write_residents_csv
    from pamong.regions import RegionLevel, subtree

    work = Path(tempfile.mkdtemp(prefix="pamong-lookup-"))
    instance = init_instance(work)
    villages = [(r.code, r.name) for r in subtree("33.14") if r.level is RegionLevel.VILLAGE]
    csv_path = work / "residents.csv"
    write_residents_csv(csv_path, villages, args.rows)
    started = time.perf_counter()
    pamong(instance, "residents", "import", str(csv_path))
    print(f"{args.rows} residents imported in {time.perf_counter() - started:.0f} s", flush=True)
    with csv_path.open(newline="", encoding="utf-8") as handle:
        niks = [row["nik"] for row in csv.DictReader(handle)]
    sample = random.Random(1).sample(niks, min(1000, len(niks)))
    del niks
    token = pamong(instance, "tokens", "create", "admin").strip()
    headers = {"Authorization": f"Bearer {token}"}
    paths = [f"/api/v1/residents/{nik}" for nik in sample]
    script = lua_paths(work / "paths.lua", paths)
    (work / "bare").mkdir()
    (work / "bare" / "bare_lookup.py").write_text(BARE_APP)

    def load(base: str, connections: int):
        return lambda: wrk(
            base + paths[0],
            connections=connections,
            seconds=args.seconds,
            script=script,
            headers=headers,
        )

    with (
        gunicorn(
            "bare_lookup:app",
            workers=args.workers,
            env={"BARE_DB": str(instance / "pamong.sqlite3")},
            chdir=work / "bare",
            probe="/api/v1/residents/0",
        ) as bare,
        gunicorn(
            "pamong:create_app()",
            workers=args.workers,
            env={"PAMONG_INSTANCE": str(instance)},
            probe="/api/v1/residents/0",
        ) as app,
    ):
        results = {}
        for clients in (1, 20):
            print(f"{clients} client(s):", flush=True)
            results[clients] = alternate(
                args.rounds, {"baseline": load(bare, clients), "pamong": load(app, clients)}
            )
    print(
        f"medians of {args.rounds} alternated rounds, {args.rows} residents, "
        f"{args.workers} gunicorn workers each"
    )
    errors = 0
    for clients, medians in results.items():
        for name, load_ in medians.items():
            errors += load_.errors
            print(
                f"{clients:>2} client(s) {name:>8}: {load_.rps:8.0f} req/s  "
                f"p50 {load_.p50:6.1f} ms  p99 {load_.p99:6.1f} ms  errors {load_.errors}"
            )
    if errors:
        print("errors: some requests failed", file=sys.stderr)
        sys.exit(1)
    one, twenty = results[1], results[20]
    print(f"p99_1_client_ms={one['pamong'].p99:.1f}")
    print(f"ratio_1={one['pamong'].rps / one['baseline'].rps:.2f}")
    print(f"ratio={twenty['pamong'].rps / twenty['baseline'].rps:.2f}")


if __name__ == "__main__":
    main()

"""Import a regency's population and look residents up; print the figures.

    python benchmarks/import_residents.py [--rows 865417]

1. ``pamong init --region 33.14`` in a temporary instance (SQLite);
2. N synthetic residents with valid NIKs, spread over Sragen's 208 desa,
   written to a CSV file (not timed);
3. ``pamong residents import`` of that file (timed, peak memory measured);
4. the same rows inserted with raw ``sqlite3.executemany`` into an
   equivalent table (same columns, indexes and pragmas) as the baseline;
5. 1,000 ``GET /api/v1/residents/<nik>`` through the Flask test client;
6. 60 name searches, ``GET /api/v1/residents?q=...`` (a page of 25 and the
   total), as staff type them: one word of a resident's name, a name and
   the start of the next, a name no one has (see :func:`name_queries`).

It prints the wall and CPU seconds of both, ``cpu_ratio=`` (the raw
inserts' CPU seconds over the import's, the figure to read on a loaded
machine) and, last, ``ratio=<pamong rows/s / raw rows/s>``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).parent))

from _serve import byte_compile

from pamong.demo import write_residents_csv
from pamong.identity.services import normalise_key
from pamong.regions import RegionLevel, subtree

BIN = Path(sys.executable).parent
BATCH = 20_000  # as `pamong residents import` commits
RAW_SCHEMA = """
CREATE TABLE residents (
    id INTEGER PRIMARY KEY, nik VARCHAR(16) NOT NULL UNIQUE, kk_number VARCHAR(16),
    name VARCHAR(200) NOT NULL, name_key VARCHAR(200) NOT NULL,
    birth_place VARCHAR(100) NOT NULL, birth_place_key VARCHAR(100) NOT NULL,
    birth_date DATE NOT NULL, sex VARCHAR(1) NOT NULL, religion VARCHAR(20),
    marital_status VARCHAR(20), occupation VARCHAR(100), address VARCHAR(300) NOT NULL,
    rt VARCHAR(3), rw VARCHAR(3), domicile_unit_id INTEGER NOT NULL, status VARCHAR(12) NOT NULL,
    nik_issues JSON NOT NULL, needs_review BOOLEAN NOT NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL
);
CREATE INDEX ix_kk ON residents (kk_number);
CREATE INDEX ix_screening ON residents (name_key, birth_date, birth_place_key);
CREATE INDEX ix_domicile_name ON residents (domicile_unit_id, name_key);
"""


def pamong(instance: Path, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "pamong"), "--instance", str(instance), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def raw_insert(csv_path: Path, db_path: Path, village_ids: dict[str, int]) -> tuple[float, float]:
    """The baseline: plain sqlite3, same rows, same indexes, batch commits.

    Only the inserts and commits are timed (wall and CPU seconds): reading
    the CSV and computing the name keys is left out, which makes the
    baseline as fast as it can be.
    """
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.executescript(RAW_SCHEMA)
    sql = "INSERT INTO residents VALUES (NULL" + ", ?" * 20 + ")"
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    elapsed = cpu = 0.0

    def write(batch: list[tuple]) -> float:
        nonlocal cpu
        started, started_cpu = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
        cpu += time.process_time() - started_cpu
        return time.perf_counter() - started

    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        batch = []
        for row in reader:
            batch.append(
                (
                    row["nik"],
                    row["kk_number"],
                    row["name"],
                    normalise_key(row["name"]),
                    row["birth_place"],
                    normalise_key(row["birth_place"]),
                    row["birth_date"],
                    row["sex"],
                    row["religion"],
                    row["marital_status"],
                    row["occupation"],
                    row["address"],
                    row["rt"],
                    row["rw"],
                    village_ids[row["desa_code"]],
                    "living",
                    "[]",
                    0,
                    now,
                    now,
                )
            )
            if len(batch) >= BATCH:
                elapsed += write(batch)
                batch = []
        elapsed += write(batch)
    conn.close()
    return elapsed, cpu


def lookups(instance: Path, paths: list[str], token: str) -> list[float]:
    """Milliseconds of each ``GET`` of ``paths`` (API paths) through the test client."""
    from pamong.app import create_app

    app = create_app(instance)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    app.extensions["pamong"].db.dispose()
    return timings


def name_queries(names: list[str], count: int) -> list[str]:
    """What staff type to find a resident by name, from ``names`` (a sample of the file's).

    One word of a name (a first name, many matches), two words (a first
    name and the start of the next: few) and a name nobody has, in turn.
    """
    chooser = random.Random(2)
    queries = []
    for number in range(count):
        words = chooser.choice(names).split()
        if number % 3 == 0:
            queries.append(chooser.choice(words))
        elif number % 3 == 1 and len(words) > 1:
            queries.append(f"{words[0]} {words[1][:3]}")
        else:
            queries.append(f"{words[0][:4]}xq")  # no one: the whole registry is searched
    return queries


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return round(statistics.median(ordered), 2), round(ordered[int(len(ordered) * 0.99) - 1], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=865_417, help="residents to import")
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=60, help="name searches, as staff type")
    parser.add_argument("--keep", type=Path, help="keep the instance in this folder")
    parser.add_argument("--quick", action="store_true", help="a small run for CI (5,000 rows)")
    parser.add_argument(
        "--no-compile", action="store_true", help="do not byte-compile Pamong's modules first"
    )
    args = parser.parse_args()
    if args.quick:
        args.rows, args.lookups, args.searches = 5_000, 100, 30

    if not args.no_compile:
        byte_compile()
    work = args.keep or Path(tempfile.mkdtemp(prefix="pamong-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    instance = work / "instance"
    password = work / "admin-password.txt"
    password.write_text("benchmark-password\n")
    pamong(instance, "init", "--region", "33.14", "--admin-password-file", str(password))

    villages = [(r.code, r.name) for r in subtree("33.14") if r.level is RegionLevel.VILLAGE]
    csv_path = work / "residents.csv"
    started = time.perf_counter()
    write_residents_csv(csv_path, villages, args.rows)
    print(
        f"generated {args.rows} rows in {time.perf_counter() - started:.1f} s "
        f"({csv_path.stat().st_size / 1e6:.0f} MB)"
    )

    print(f"importing {args.rows} rows with `pamong residents import`...", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    output = subprocess.run(  # its progress bar (on standard error) shows on a terminal
        [str(BIN / "pamong"), "--instance", str(instance), "residents", "import", str(csv_path)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    pamong_seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    pamong_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mb = after.ru_maxrss / 1024
    print(output.strip().splitlines()[-1])

    with sqlite3.connect(instance / "pamong.sqlite3") as conn:
        village_ids = dict(conn.execute("SELECT code, id FROM org_units"))
    print("inserting the same rows with sqlite3.executemany...", flush=True)
    raw_seconds, raw_cpu = raw_insert(csv_path, work / "raw.sqlite3", village_ids)

    with csv_path.open(newline="", encoding="utf-8") as handle:
        sample_source = [(row["nik"], row["name"]) for row in csv.DictReader(handle)]
    sample = random.Random(1).sample(sample_source, min(args.lookups, len(sample_source)))
    del sample_source
    token = pamong(instance, "tokens", "create", "admin").strip()
    lookup_p50, lookup_p99 = percentiles(
        lookups(instance, [f"/api/v1/residents/{nik}" for nik, _ in sample], token)
    )
    searches = name_queries([name for _, name in sample], args.searches)
    search_p50, search_p99 = percentiles(
        lookups(instance, [f"/api/v1/residents?q={quote(q)}&per_page=25" for q in searches], token)
    )

    pamong_rate = args.rows / pamong_seconds
    raw_rate = args.rows / raw_seconds
    figures = {
        "rows": args.rows,
        "pamong_seconds": round(pamong_seconds, 1),
        "pamong_rows_per_s": round(pamong_rate),
        "pamong_cpu_seconds": round(pamong_cpu, 1),
        "raw_seconds": round(raw_seconds, 1),
        "raw_rows_per_s": round(raw_rate),
        "raw_cpu_seconds": round(raw_cpu, 1),
        "import_peak_memory_mb": round(peak_mb),
        "lookup_p50_ms": lookup_p50,
        "lookup_p99_ms": lookup_p99,
        "name_search_p50_ms": search_p50,
        "name_search_p99_ms": search_p99,
    }
    print(json.dumps(figures, indent=2))
    # CPU seconds hold still when other programs load the machine; wall seconds do not.
    print(f"cpu_ratio={raw_cpu / pamong_cpu:.2f}")
    print(f"ratio={pamong_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()

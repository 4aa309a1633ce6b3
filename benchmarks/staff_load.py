"""A regency's staff at work: many logged-in users clicking with think time.

    python benchmarks/staff_load.py [--staff 200] [--seconds 120] [--database-url URL]

1. ``pamong demo --no-serve`` builds Sragen with every plugin, its staff
   accounts and demo data (20,000 residents by default; not timed);
2. the instance is served by gunicorn (``--workers`` processes with
   ``--threads`` threads each, gthread);
3. ``--staff`` simulated staff each log in with their own session (the
   login form, its CSRF token, a cookie jar of their own), then click
   through a realistic mix for ``--seconds``, pausing 3-10 s between
   clicks: kecamatan operators search residents and open a result, look at
   the KTP counter queue and their inbox; licensing staff list and open
   files; everyone sees the dashboard;
4. the same mix with no think time and 20 clients gives the saturation
   throughput.

Prints p50/p95/p99 per page kind, the error count (any status >= 400 or a
failed connection), and ``saturation_rps=``; the last line is
``p99_ms=`` over every click (the goal is < 150 ms with 0 errors).
``--database-url`` (or ``PAMONG_TEST_DATABASE_URL``) runs on PostgreSQL.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _serve import BIN, free_port

PASSWORD = "pamong-demo-2026"
OPERATORS = ("op.sragen", "op.karangmalang", "op.sidoharjo", "op.gemolong", "op.tanon")
LICENSING = ("bpt.loket", "bpt.verifikator", "bpt.teknis", "bpt.kepala")
NAMES = ("sri", "budi", "siti", "agus", "dwi", "eko", "tri", "wahyu", "sumarni", "joko")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Staff:
    """One logged-in member of staff with their own cookie jar."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.username = username
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def login(self) -> None:
        _status, page = self.get("/login")
        token = CSRF.search(page)
        form = urllib.parse.urlencode(
            {
                "csrf_token": token.group(1) if token else "",
                "username": self.username,
                "password": PASSWORD,
            }
        ).encode()
        with self.opener.open(self.base + "/login", data=form, timeout=120) as response:
            response.read()
        status, _ = self.get("/dashboard")
        if status != 200:
            raise RuntimeError(f"{self.username} could not log in ({status})")

    def clicks(self, rng: random.Random) -> list[tuple[str, str]]:
        """The next few (page kind, path) a person of this role clicks."""
        if self.username.startswith("op."):
            kind = rng.choice(("search", "search", "ktp", "inbox", "dashboard"))
            if kind == "search":
                return [("resident search", f"/residents?q={rng.choice(NAMES)}")]
            if kind == "ktp":
                return [("ktp counter", "/ktp/")]
            if kind == "inbox":
                return [("inbox", "/messages/")]
            return [("dashboard", "/dashboard")]
        kind = rng.choice(("list", "list", "inbox", "dashboard"))
        if kind == "list":
            return [("licensing list", "/licensing/")]
        if kind == "inbox":
            return [("inbox", "/messages/")]
        return [("dashboard", "/dashboard")]


FOLLOW = {
    "resident search": ("resident detail", re.compile(r'href="(/residents/\d+)"')),
    "licensing list": ("licensing file", re.compile(r'href="(/licensing/files/\d+)"')),
}


def work(
    staff: Staff,
    until: float,
    think: tuple[float, float],
    timings: dict[str, list[float]],
    errors: list[str],
    seed: int,
) -> None:
    rng = random.Random(seed)
    lock = threading.Lock()
    while time.monotonic() < until:
        for kind, path in staff.clicks(rng):
            started = time.perf_counter()
            try:
                status, body = staff.get(path)
            except OSError as exc:
                status, body = 599, str(exc)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                timings[kind].append(elapsed)
                if status >= 400:
                    errors.append(f"{staff.username} {path}: {status}")
            follow = FOLLOW.get(kind)
            if follow and status == 200:
                links = follow[1].findall(body)
                if links:
                    if think[1]:
                        time.sleep(rng.uniform(*think) / 3)
                    started = time.perf_counter()
                    status, _ = staff.get(rng.choice(links))
                    with lock:
                        timings[follow[0]].append((time.perf_counter() - started) * 1000)
                        if status >= 400:
                            errors.append(f"{staff.username} {follow[0]}: {status}")
        if think[1]:
            time.sleep(rng.uniform(*think))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run(
    staff: list[Staff], seconds: float, think: tuple[float, float]
) -> tuple[dict[str, list[float]], list[str], float]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=work, args=(s, until, think, timings, errors, i), daemon=True)
        for i, s in enumerate(staff)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
        if think[1]:
            time.sleep(think[0] / len(staff))  # people do not all arrive in the same second
    for thread in threads:
        thread.join()
    return timings, errors, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("PAMONG_TEST_DATABASE_URL"))
    parser.add_argument("--quick", action="store_true", help="CI: 20 staff for 15 s")
    args = parser.parse_args()
    if args.quick:
        args.staff, args.seconds, args.residents = 20, 15, 1000

    work_dir = Path(tempfile.mkdtemp(prefix="pamong-staff-"))
    instance = work_dir / "instance"
    env = {**os.environ, "PAMONG_INSTANCE": str(instance)}
    if args.database_url:
        env["PAMONG_DATABASE_URL"] = args.database_url
    started = time.perf_counter()
    built = subprocess.run(
        [str(BIN / "pamong"), "demo", "--no-serve", "--residents", str(args.residents)]
        # CI's quick run builds only the modules its page mix visits: every
        # plugin's demo data (a PDAM year of bills...) would take minutes.
        + (["--plugins", "billing,ktp,licensing"] if args.quick else []),
        env=env,
        capture_output=True,
        text=True,
    )
    if built.returncode:
        sys.exit(f"pamong demo failed:\n{built.stdout}\n{built.stderr}")
    print(f"demo instance built in {time.perf_counter() - started:.0f} s", flush=True)
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "pamong:create_app()",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=30).read()
                break
            except (urllib.error.URLError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        accounts = [*OPERATORS, *LICENSING]
        staff = [Staff(base, accounts[i % len(accounts)]) for i in range(args.staff)]
        started = time.perf_counter()
        for member in staff:
            member.login()
        print(f"{len(staff)} staff logged in in {time.perf_counter() - started:.0f} s", flush=True)
        timings, errors, _ = run(staff, args.seconds, (3.0, 10.0))
        saturation, sat_errors, elapsed = run(staff[:20], max(5.0, args.seconds / 4), (0.0, 0.0))
    finally:
        server.terminate()
        server.wait(timeout=30)

    db = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{args.staff} staff, think time 3-10 s, {args.seconds:.0f} s, {db}, "
        f"gunicorn {args.workers} workers x {args.threads} threads"
    )
    every: list[float] = []
    for kind, values in sorted(timings.items()):
        every += values
        print(
            f"  {kind:>16}: {len(values):5d} clicks  p50 {statistics.median(values):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms"
        )
    clicks = sum(len(v) for v in saturation.values())
    print(f"errors={len(errors) + len(sat_errors)}")
    for error in (errors + sat_errors)[:10]:
        print(f"  {error}")
    print(f"saturation_rps={clicks / elapsed:.0f} (20 clients, no think time)")
    print(f"p99_ms={percentile(every, 0.99):.1f}")
    if errors or sat_errors:
        sys.exit(1)


if __name__ == "__main__":
    main()

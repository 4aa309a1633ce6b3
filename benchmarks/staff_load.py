"""A regency's staff at work: many logged-in users clicking with think time.

    python benchmarks/staff_load.py [--staff 200] [--seconds 120] [--database-url URL]
    python benchmarks/staff_load.py --in-process [--instance DIR] [--profile KIND]

1. ``pamong demo --no-serve`` builds Sragen with every plugin, its staff
   accounts and demo data (20,000 residents by default; not timed);
   ``--instance DIR`` reuses (or keeps) the instance in ``DIR``;
2. the instance is served by gunicorn (``--workers`` processes with
   ``--threads`` threads each, gthread);
3. ``--staff`` simulated staff each log in with their own session (the
   login form, its CSRF token, a cookie jar of their own), then click
   through a realistic mix for ``--seconds``, pausing 3-10 s between
   clicks (a third of that before a click that follows from the page just
   read): kecamatan operators search residents and open a result, open an
   application of the KTP counter's queue and take its biodata check step;
   licensing staff list files, open one and move it on to its next stage
   when their role may, else give it to a colleague (assign); everyone
   reads the inbox and the dashboard. Staff sharing a demo account act
   only on their own share of the files (by id), as a real office splits
   its queue, so two of them never take the same step on the same file at
   once;
4. the same mix with no think time and 20 clients gives the saturation
   throughput.

Prints p50/p95/p99 per page kind (a step is its POST and the page it
redirects to, what the officer waits for), the error count (any status >=
400 or a failed connection), ``saturation_rps=`` and, last, ``p99_ms=`` over
every click (the goal is < 150 ms with 0 errors). ``--database-url`` (or
``PAMONG_TEST_DATABASE_URL``) runs on PostgreSQL.

``--in-process`` measures, without a server, each page kind's CPU time
(the thread's, so steady on a busy machine) and SQL statements, one member
of staff per account; ``--profile KIND`` prints that kind's cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import http.cookiejar
import os
import pstats
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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _serve import BIN, free_port

PASSWORD = "pamong-demo-2026"
OPERATORS = ("op.sragen", "op.karangmalang", "op.sidoharjo", "op.gemolong", "op.tanon")
LICENSING = ("bpt.loket", "bpt.verifikator", "bpt.teknis", "bpt.kepala")
NAMES = ("sri", "budi", "siti", "agus", "dwi", "eko", "tri", "wahyu", "sumarni", "joko")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RESIDENT = re.compile(r'href="(/residents/\d+)"')
KTP_APPLICATION = re.compile(r'href="(/ktp/applications/(\d+))"')
KTP_CHECK = re.compile(r'action="(/ktp/applications/\d+/check)"')
LICENSING_FILE = re.compile(r'href="(/licensing/files/(\d+))"')
LICENSING_ADVANCE = re.compile(r'action="(/licensing/files/\d+/advance)"')
LICENSING_ASSIGN = re.compile(r'action="(/licensing/files/\d+/assign)"(.*?)</form>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"')


class Staff:
    """One logged-in member of staff with their own cookie jar, over HTTP.

    ``share`` is (index, count) among the simulated staff of the same
    account: they act on the files whose id modulo count is index.
    """

    def __init__(self, base: str, username: str, share: tuple[int, int] = (0, 1)) -> None:
        self.base = base
        self.username = username
        self.share = share
        self.token = ""
        self.last_url = ""  # where the last click landed, after redirects
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        """GET ``path``, or POST ``form`` to it (following the redirect)."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=120) as response:
                self.last_url = response.geturl()
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def login(self) -> None:
        _status, page = self.fetch("/login")
        token = CSRF.search(page)
        form = {
            "csrf_token": token.group(1) if token else "",
            "username": self.username,
            "password": PASSWORD,
        }
        status, page = self.fetch("/login", form)
        if status != 200 or "/logout" not in page:
            raise RuntimeError(f"{self.username} could not log in ({status})")
        found = CSRF.search(page)
        self.token = found.group(1) if found else ""

    def mine(self, links: list[tuple[str, str]]) -> list[str]:
        """The links (path, id) of this member's share of the files."""
        index, count = self.share
        return [path for path, ident in links if int(ident) % count == index]


class Meter:
    """Times each click (wall clock) and keeps the errors; thread-safe."""

    def __init__(self) -> None:
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        #: Steps the service refused (a registry check failing...): answered, not errors.
        self.refused: list[str] = []
        self.lock = threading.Lock()

    @contextmanager
    def measure(self, kind: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.timings[kind].append(elapsed)

    def click(
        self, staff: Staff, kind: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        with self.measure(kind):
            try:
                status, body = staff.fetch(path, form)
            except OSError as exc:
                status, body = 599, str(exc)
        if status >= 400:
            with self.lock:
                self.errors.append(f"{staff.username} {'POST' if form else 'GET'} {path}: {status}")
        return status, body

    def step(self, staff: Staff, kind: str, path: str, form: dict[str, str]) -> None:
        """POST a step; one that does not land back on its file was refused."""
        status, _ = self.click(staff, kind, path, form)
        if status < 400 and not staff.last_url.endswith(path.rsplit("/", 1)[0]):
            with self.lock:
                self.refused.append(f"{staff.username} {path}")


def visit(staff: Staff, rng: random.Random, meter: Meter, pause: Callable[[], None]) -> None:
    """One errand of a member of staff: a page and what they do from it."""
    if staff.username.startswith("op."):
        errand = rng.choice(("search", "search", "ktp", "ktp", "inbox", "dashboard"))
    else:
        errand = rng.choice(("licensing", "licensing", "licensing", "inbox", "dashboard"))
    if errand == "inbox":
        meter.click(staff, "inbox", "/messages/")
    elif errand == "dashboard":
        meter.click(staff, "dashboard", "/dashboard")
    elif errand == "search":
        status, page = meter.click(staff, "resident search", f"/residents?q={rng.choice(NAMES)}")
        links = RESIDENT.findall(page) if status == 200 else []
        if links:
            pause()
            meter.click(staff, "resident detail", rng.choice(links))
    elif errand == "ktp":
        status, page = meter.click(staff, "ktp counter", "/ktp/")
        links = staff.mine(KTP_APPLICATION.findall(page)) if status == 200 else []
        if links:
            pause()
            status, page = meter.click(staff, "ktp application", rng.choice(links))
            step = KTP_CHECK.search(page) if status == 200 else None
            if step:
                pause()
                meter.step(staff, "ktp step", step.group(1), {"csrf_token": staff.token})
    else:
        status, page = meter.click(staff, "licensing list", "/licensing/")
        found = LICENSING_FILE.findall(page) if status == 200 else []
        links = staff.mine(found)
        if found:
            pause()
            own = bool(links)
            status, page = meter.click(
                staff, "licensing file", rng.choice(links or [path for path, _ in found])
            )
            if own and status == 200:
                step = licensing_step(page, rng)
                if step:
                    pause()
                    form = {"csrf_token": staff.token, **step[1]}
                    meter.step(staff, "licensing step", step[0], form)


def licensing_step(page: str, rng: random.Random) -> tuple[str, dict[str, str]] | None:
    """The step a licensing officer takes on a file page: move it on, else (re)assign it."""
    advance = LICENSING_ADVANCE.search(page)
    if advance:
        return advance.group(1), {"note": "staff_load", "public_note": ""}
    assign = LICENSING_ASSIGN.search(page)
    names = OPTION.findall(assign.group(2)) if assign else []
    if assign and names:
        return assign.group(1), {"username": rng.choice(names), "note": "staff_load"}
    return None


def work(staff: Staff, until: float, think: tuple[float, float], meter: Meter, seed: int) -> None:
    rng = random.Random(seed)

    def pause(share: float = 1 / 3) -> None:
        if think[1]:
            time.sleep(rng.uniform(*think) * share)

    while time.monotonic() < until:
        visit(staff, rng, meter, pause)
        pause(1.0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run(staff: list[Staff], seconds: float, think: tuple[float, float]) -> tuple[Meter, float]:
    meter = Meter()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=work, args=(s, until, think, meter, i), daemon=True)
        for i, s in enumerate(staff)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
        if think[1]:
            time.sleep(think[0] / len(staff))  # people do not all arrive in the same second
    for thread in threads:
        thread.join()
    return meter, time.monotonic() - started


def build_demo(args: argparse.Namespace, env: dict[str, str]) -> None:
    """``pamong demo --no-serve`` in the instance, unless it is there already."""
    if (Path(env["PAMONG_INSTANCE"]) / "pamong.toml").exists():
        print(f"reusing the instance {env['PAMONG_INSTANCE']}", flush=True)
        return
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


def team(base: str, size: int) -> list[Staff]:
    """``size`` members of staff over the demo accounts, each with their share of files."""
    accounts = [*OPERATORS, *LICENSING]
    names = [accounts[i % len(accounts)] for i in range(size)]
    return [
        Staff(base, name, (names[:i].count(name), names.count(name)))
        for i, name in enumerate(names)
    ]


def serve(args: argparse.Namespace, env: dict[str, str]) -> None:
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
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "pamong:create_app()",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()[0]
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
        staff = team(base, args.staff)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.workers * args.threads) as pool:
            list(pool.map(Staff.login, staff))  # as many at once as the server has threads
        print(f"{len(staff)} staff logged in in {time.perf_counter() - started:.0f} s", flush=True)
        meter, _ = run(staff, args.seconds, (3.0, 10.0))
        load_after = os.getloadavg()[0]
        saturation, elapsed = run(team(base, 20), max(5.0, args.seconds / 4), (0.0, 0.0))
    finally:
        server.terminate()
        server.wait(timeout=30)

    db = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{args.staff} staff, think time 3-10 s, {args.seconds:.0f} s, {db}, "
        f"gunicorn {args.workers} workers x {args.threads} threads (gthread), "
        f"load average {load_before:.1f} -> {load_after:.1f}"
    )
    every: list[float] = []
    for kind, values in sorted(meter.timings.items()):
        every += values
        print(
            f"  {kind:>16}: {len(values):5d} clicks  p50 {statistics.median(values):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms"
        )
    clicks = sum(len(v) for v in saturation.timings.values())
    errors = meter.errors + saturation.errors
    print(f"errors={len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"steps refused by the service (not errors): {len(meter.refused + saturation.refused)}")
    print(f"saturation_rps={clicks / elapsed:.0f} (20 clients, no think time)")
    print(f"p99_ms={percentile(every, 0.99):.1f}")
    if errors:
        sys.exit(1)


class TestClientStaff(Staff):
    """A member of staff on Flask's test client: no server, no sockets."""

    def __init__(self, app: Any, username: str) -> None:
        super().__init__("", username)
        self.client = app.test_client()

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        if form is None:
            response = self.client.get(path, follow_redirects=True)
        else:
            response = self.client.post(path, data=form, follow_redirects=True)
        self.last_url = response.request.path
        return response.status_code, response.get_data(as_text=True)


class CpuMeter(Meter):
    """The thread's CPU time and the SQL statements of each click; optionally a profile."""

    def __init__(self, app: Any, profile: str | None) -> None:
        super().__init__()
        self.app = app
        self.queries: dict[str, list[int]] = defaultdict(list)
        self.profile_kind = profile
        self.profiler = cProfile.Profile() if profile else None

    @contextmanager
    def measure(self, kind: str) -> Iterator[None]:
        from pamong.plugin.testing import count_queries

        profiling = self.profiler is not None and kind == self.profile_kind
        with count_queries(self.app) as statements:
            started = time.thread_time()
            if profiling:
                self.profiler.enable()  # type: ignore[union-attr]
            yield
            if profiling:
                self.profiler.disable()  # type: ignore[union-attr]
            elapsed = (time.thread_time() - started) * 1000
        self.timings[kind].append(elapsed)
        self.queries[kind].append(len(statements))


def in_process(args: argparse.Namespace) -> None:
    """CPU ms and SQL statements per page kind, in this process (no server)."""
    from pamong import create_app

    app = create_app(os.environ["PAMONG_INSTANCE"])
    staff = [TestClientStaff(app, name) for name in (*OPERATORS, *LICENSING)]
    for member in staff:
        member.login()
    rng = random.Random(13)
    warm = Meter()
    for _ in range(3):  # templates compiled, caches filled
        for member in staff:
            visit(member, rng, warm, lambda: None)
    meter = CpuMeter(app, args.profile)
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds):
        for member in staff:
            visit(member, rng, meter, lambda: None)
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"in-process, {db}, {args.rounds} rounds of {len(staff)} staff, "
        f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    for kind, values in sorted(meter.timings.items()):
        print(
            f"  {kind:>16}: {len(values):4d} clicks  CPU median {statistics.median(values):6.1f} ms"
            f"  mean {statistics.fmean(values):6.1f} ms"
            f"  SQL median {statistics.median(meter.queries[kind]):4.0f}"
            f"  max {max(meter.queries[kind]):3d}"
        )
    errors = warm.errors + meter.errors
    print(f"errors={len(errors)}, steps refused by the service {len(meter.refused)}")
    for error in errors[:10]:
        print(f"  {error}")
    if meter.profiler is not None:
        stats = pstats.Stats(meter.profiler).strip_dirs().sort_stats("cumulative")
        stats.print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    if errors:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("PAMONG_TEST_DATABASE_URL"))
    parser.add_argument("--instance", type=Path, help="build the demo here, or reuse it")
    parser.add_argument("--in-process", action="store_true", help="CPU and SQL per page kind")
    parser.add_argument("--rounds", type=int, default=20, help="--in-process: errands per account")
    parser.add_argument("--profile", metavar="KIND", help="--in-process: cProfile of one kind")
    parser.add_argument("--quick", action="store_true", help="CI: 20 staff for 15 s")
    args = parser.parse_args()
    if args.quick:
        args.staff, args.seconds, args.residents, args.rounds = 20, 15, 1000, 3

    instance = args.instance or Path(tempfile.mkdtemp(prefix="pamong-staff-")) / "instance"
    env = {**os.environ, "PAMONG_INSTANCE": str(instance.resolve())}
    if args.database_url:
        env["PAMONG_DATABASE_URL"] = args.database_url
    build_demo(args, env)
    if args.in_process:
        os.environ.update(env)
        in_process(args)
    else:
        serve(args, env)


if __name__ == "__main__":
    main()

"""Pages on a phone over slow 3G: transfer size, requests and time to interactive.

    python benchmarks/pages.py [--loads 5] [--residents 2000] [--quick]

1. ``pamong demo --no-serve`` builds Sragen with billing, KTP, licensing,
   portal, SIPAW and PDAM and their demo data (not timed);
2. gunicorn serves it (2 sync workers, as on a small server), and each
   public page is asked for a few times, untimed, as a server in use has been;
3. headless Chromium (Debian's, through Playwright) loads each page with a
   cold cache (a new browser context per load) under Chromium's network
   emulation (``Network.emulateNetworkConditions``) at the slow 3G profile
   below and, if ``--cpu`` > 1, CPU throttling (``Emulation.setCPUThrottlingRate``).
   Staff pages are loaded with the session cookie of a member of staff who
   logged in before (through the login form, as ``staff_load.py`` does).

The slow 3G profile is Chrome DevTools' and Lighthouse's: 400 kbit/s down
and up (500 kbit/s x 0.8), 400 ms round trip; ``--latency-ms`` is applied to
every request, so the default charges one round trip per request (DevTools'
own preset charges five, 2,000 ms, to imitate TCP's slow start on a fresh
connection: ``--latency-ms 2000`` measures that).

For each page it prints the median over ``--loads`` loads of: the requests
made, the transfer size (every response's ``encodedDataLength`` from
``Network.loadingFinished``: headers and body as they crossed the network),
DOMContentLoaded and **interactive**, taken as the end of the load event
(the document parsed, its deferred scripts run, its style sheets, images and
fonts in: after it nothing the page needs is still loading). The goals of
public pages are < 60 KB and interactive < 3 s: the full run exits 1 if a
public page misses one, any run exits 1 if a page does not answer 200. The
same tab then opens the page again ("again": its interactive time and the
requests that went to the server, revalidations included), which shows what
the browser's cache saves a returning visitor.
``--quick`` (CI) loads fewer pages once each and does not judge the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _serve import BIN, gunicorn
from staff_load import Staff

from pamong.testing import CHROMIUM, CHROMIUM_ARGS

PLUGINS = "billing,ktp,licensing,portal,sipaw,pdam"
QUICK_PLUGINS = "portal,sipaw"
GOAL_BYTES = 60 * 1024
GOAL_SECONDS = 3.0
PHONE = {"width": 390, "height": 844}
#: Untimed requests per public page first: with 2 workers taking turns at random,
#: 6 reach both with a chance of 97%.
WARM_UP = 6
#: DOMContentLoaded's end and the load event's end, in ms from the navigation's start.
TIMING = (
    "(() => { const n = performance.getEntriesByType('navigation')[0];"
    " return [n.domContentLoadedEventEnd, n.loadEventEnd]; })()"
)


@dataclass(frozen=True)
class Page:
    """A page to load: its name, path and, for a staff page, who is logged in."""

    name: str
    path: str
    user: str | None = None


@dataclass
class Load:
    """One cold load of a page."""

    status: int
    requests: int
    bytes: int
    dcl: float
    interactive: float
    warm: float
    warm_requests: int
    urls: list[str]


def build_demo(work: Path, residents: int, plugins: str) -> dict[str, str]:
    """Run ``pamong demo --no-serve`` in ``work/instance`` (unless it was, with
    ``--keep``); the sample addresses it printed."""
    printed = work / "demo-output.txt"
    if not printed.exists():
        built = subprocess.run(
            [
                BIN / "pamong",
                "demo",
                "--no-serve",
                "--residents",
                str(residents),
                "--plugins",
                plugins,
            ],
            env={**os.environ, "PAMONG_INSTANCE": str(work / "instance")},
            capture_output=True,
            text=True,
        )
        if built.returncode:
            sys.exit(f"pamong demo failed:\n{built.stdout}\n{built.stderr}")
        printed.write_text(built.stdout)
    out = printed.read_text()
    samples = {
        "tracking": re.search(r"Try the tracker: (/track/\S+)", out),
        "verification": re.search(r"Verify a document: (/verify/\S+)", out),
        "pdam_check": re.search(r"pdam_check: (/pdam/check\?\S+)", out),
    }
    return {key: match.group(1) for key, match in samples.items() if match}


def pages(samples: dict[str, str], quick: bool) -> list[Page]:
    missing = {"tracking", "verification", "pdam_check"} - set(samples)
    if missing and not quick:
        sys.exit(f"pamong demo printed no sample for {sorted(missing)}")
    samples = {"verification": "/verify/", "pdam_check": "/pdam/check", **samples}
    public = [
        Page("home", "/"),
        Page("tracker form", "/track/"),
        Page("tracker result", samples["tracking"]),
        Page("document verification", samples["verification"]),
        Page("SIPAW prices", "/sipaw/"),
        Page("PDAM bill check", samples["pdam_check"]),
        Page("complaint form", "/portal/complaints/new"),
        Page("survey results", "/survey/results"),
    ]
    staff = [
        Page("dashboard", "/dashboard", "op.sragen"),
        Page("resident list", "/residents", "op.sragen"),
        Page("KTP counter", "/ktp/", "op.sragen"),
        Page("licensing list", "/licensing/", "bpt.loket"),
        Page("inbox", "/messages/", "op.sragen"),
    ]
    return [public[0], public[2], public[4], staff[0]] if quick else public + staff


def load(
    browser: Any, base: str, page: Page, cookies: list[dict[str, Any]], args: argparse.Namespace
) -> Load:
    """Load ``page`` once, cold, under the throttled network; its figures."""
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    try:
        if cookies:
            context.add_cookies(cookies)
        tab = context.new_page()
        cdp = context.new_cdp_session(tab)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": args.latency_ms,
                "downloadThroughput": args.down_kbps * 1000 / 8,
                "uploadThroughput": args.up_kbps * 1000 / 8,
                "connectionType": "cellular3g",
            },
        )
        if args.cpu > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.cpu})
        received: dict[str, int] = {}
        urls: dict[str, str] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda event: urls.__setitem__(event["requestId"], event["request"]["url"]),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda event: received.__setitem__(event["requestId"], event["encodedDataLength"]),
        )
        response = tab.goto(base + page.path, wait_until="load", timeout=120_000)
        tab.wait_for_load_state("networkidle", timeout=60_000)
        dcl, interactive = tab.evaluate(TIMING)
        cold = dict(received)
        # The same page again, as when a visitor comes back to it: what the cache saves.
        tab.goto(base + page.path, wait_until="load", timeout=120_000)
        tab.wait_for_load_state("networkidle", timeout=60_000)
        _dcl, warm = tab.evaluate(TIMING)
        return Load(
            status=response.status if response else 0,
            requests=len(cold),
            bytes=sum(cold.values()),
            dcl=dcl / 1000,
            interactive=interactive / 1000,
            warm=warm / 1000,
            # those that went to the server (a 304 too); the cache's answers carry 0 bytes
            warm_requests=sum(1 for k, v in received.items() if k not in cold and v),
            urls=[f"{cold[key]:>7} B  {urls.get(key, '?')}" for key in cold],
        )
    finally:
        context.close()


def warm_up(base: str, public: list[Page]) -> None:
    """Ask for each public page a few times, untimed, so that every worker has served it.

    A server in use has: the portal, for one, counts the residents by kecamatan
    once every few minutes per process, which takes seconds at a regency's size.
    """
    for page in public:
        for _ in range(WARM_UP):
            with urllib.request.urlopen(base + page.path, timeout=120) as response:
                response.read()


def session_cookies(base: str, username: str) -> list[dict[str, Any]]:
    """Log ``username`` in through the login form; the cookies to give Chromium."""
    staff = Staff(base, username)
    staff.login()
    return [{"name": c.name, "value": c.value, "url": base} for c in staff.jar]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="cold loads per page (median)")
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=400)
    parser.add_argument("--down-kbps", type=float, default=400)
    parser.add_argument("--up-kbps", type=float, default=400)
    parser.add_argument("--cpu", type=float, default=4, help="CPU slow-down factor")
    parser.add_argument(
        "--show-requests", action="store_true", help="list what each page loaded (first load)"
    )
    parser.add_argument(
        "--keep", type=Path, help="build the demo in this folder once, reuse it after"
    )
    parser.add_argument(
        "--quick", action="store_true", help="CI: 4 pages of a smaller demo, one load each"
    )
    args = parser.parse_args()
    if args.quick:
        args.loads, args.residents = 1, 500

    work = args.keep or Path(tempfile.mkdtemp(prefix="pamong-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = measure(work, args)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(report(results, args))


def measure(work: Path, args: argparse.Namespace) -> dict[Page, list[Load]]:
    """Build (or reuse) the demo, serve it, load every page ``args.loads`` times."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    # The quick run's pages need only the portal (the home page) and SIPAW.
    samples = build_demo(work, args.residents, QUICK_PLUGINS if args.quick else PLUGINS)
    print(f"demo instance ready in {time.perf_counter() - started:.0f} s", flush=True)
    todo = pages(samples, args.quick)
    env = {"PAMONG_INSTANCE": str(work / "instance")}
    results: dict[Page, list[Load]] = {}
    with gunicorn("pamong:create_app()", workers=2, env=env, probe="/login") as base:
        cookies = {u: session_cookies(base, u) for u in {p.user for p in todo if p.user}}
        warm_up(base, [p for p in todo if p.user is None])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            try:
                for number in range(args.loads):  # page after page, round after round
                    for page in todo:
                        figures = load(browser, base, page, cookies.get(page.user, []), args)
                        results.setdefault(page, []).append(figures)
                        if args.show_requests and number == 0:
                            print(f"{page.name}:", *figures.urls, sep="\n  ")
                    print(f"  round {number + 1} of {args.loads} loaded", flush=True)
            finally:
                browser.close()
    return results


def report(results: dict[Page, list[Load]], args: argparse.Namespace) -> int:
    """Print the table; 1 if a page failed, or (full run) a public page missed a goal."""
    print(
        f"\nslow 3G: {args.down_kbps:.0f} kbit/s down, {args.up_kbps:.0f} kbit/s up, "
        f"{args.latency_ms:.0f} ms per request; CPU {args.cpu:g}x slower; "
        f"cold cache; median of {args.loads} load(s)"
    )
    print(
        f"{'page':<22} {'status':>6} {'requests':>8} {'KB':>7} {'DCL s':>6} "
        f"{'interactive s':>13} {'again s':>7} {'(req)':>5}  goal"
    )
    failed = missed = 0
    for page, loads in results.items():
        status = max(x.status for x in loads)
        if any(x.status != 200 for x in loads):
            failed += 1
        size = statistics.median(x.bytes for x in loads)
        interactive = statistics.median(x.interactive for x in loads)
        goal = "(staff)"
        if page.user is None:
            ok = size < GOAL_BYTES and interactive < GOAL_SECONDS
            missed += not ok
            goal = "ok" if ok else "MISSED (< 60 KB, < 3 s)"
        print(
            f"{page.name:<22} {status:>6} {statistics.median(x.requests for x in loads):>8.0f} "
            f"{size / 1024:>7.1f} {statistics.median(x.dcl for x in loads):>6.2f} "
            f"{interactive:>13.2f} {statistics.median(x.warm for x in loads):>7.2f} "
            f"{statistics.median(x.warm_requests for x in loads):>5.0f}  {goal}"
        )
    public = [loads for page, loads in results.items() if page.user is None]
    print(f"public_pages_missing_goal={missed}")
    print(f"max_public_kb={max(statistics.median(x.bytes for x in v) for v in public) / 1024:.1f}")
    print(
        "max_public_interactive_s="
        f"{max(statistics.median(x.interactive for x in v) for v in public):.2f}"
    )
    if failed:
        print(f"{failed} page(s) did not answer 200")
        return 1
    return 1 if missed and not args.quick else 0


if __name__ == "__main__":
    main()

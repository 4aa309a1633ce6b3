"""Take the screenshots of the Indonesian user guide (docs/id/) from a demo.

    .venv/bin/python scripts/docs-screenshots.py                # build a demo, serve it, shoot
    .venv/bin/python scripts/docs-screenshots.py --url http://127.0.0.1:5077   # a running demo

Without ``--url`` the script builds a demo in a temporary folder
(``pamong demo --residents 1500 --plugins billing,ktp,licensing --no-serve``),
serves it on a free port while it works and stops it afterwards. Pages are
shot in Indonesian, counter pages at phone width (390 px) and admin pages at
1280 px, then stored as palette PNGs in ``docs/id/_static/``. Needs Playwright
and Chromium (``/usr/bin/chromium`` unless ``--chromium`` says otherwise).
"""

from __future__ import annotations

import argparse
import io
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "id" / "_static"
PASSWORD = "pamong-demo-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MAX_BYTES = 80_000


@dataclass(frozen=True)
class Shot:
    """One screenshot: a file name, who is logged in, the viewport and how to get there."""

    name: str
    user: str | None
    viewport: dict[str, int]
    go: Callable[[Page, str], None]


def _open(path: str) -> Callable[[Page, str], None]:
    def go(page: Page, url: str) -> None:
        page.goto(url + path)

    return go


def _show(selector: str) -> Callable[[Page], None]:
    """Start the phone screenshot at the first element matching *selector*."""

    def show(page: Page) -> None:
        page.locator(selector).first.evaluate(
            "e => { window.shotTop = e.getBoundingClientRect().top + window.scrollY; }"
        )

    return show


def _then(
    first: Callable[[Page, str], None], *more: Callable[[Page], None]
) -> Callable[[Page, str], None]:
    def go(page: Page, url: str) -> None:
        first(page, url)
        for step in more:
            step(page)

    return go


def _click(selector: str) -> Callable[[Page], None]:
    def click(page: Page) -> None:
        page.locator(selector).first.click()
        page.wait_for_load_state()

    return click


def _search(query: str) -> Callable[[Page], None]:
    def search(page: Page) -> None:
        page.fill("input[name=q]", query)
        page.press("input[name=q]", "Enter")
        page.wait_for_load_state()

    return search


def _first_resident_with_family(page: Page, url: str) -> None:
    """The page of the first resident found for "sri" who is on a family card (KK)."""
    page.goto(url + "/residents?q=sri")
    links = [a.get_attribute("href") for a in page.locator("table tbody a").all()]
    for href in links:
        page.goto(url + str(href))
        if page.locator("a[href^='/families/']").count():
            return
    raise SystemExit("no resident with a family card found")


def _ktp_application(page: Page, url: str) -> None:
    """A KTP application waiting for its biodata check, else the first one listed."""
    page.goto(url + "/ktp/")
    rows = page.locator("table tbody tr")
    target = rows.filter(has_text="Permohonan diterima")
    (target if target.count() else rows).first.locator("a").first.click()
    page.wait_for_load_state()


def _licensing_file(stage: str) -> Callable[[Page, str], None]:
    """The first file at *stage* in the licensing worklist."""

    def go(page: Page, url: str) -> None:
        page.goto(f"{url}/licensing/?stage={stage}&open=0")
        if not page.locator("table tbody a").count():
            # The demo leaves no file at this stage today: shoot an open file, and say so.
            print(f"no licensing file at stage {stage!r}: an open file instead", file=sys.stderr)
            page.goto(f"{url}/licensing/")
        page.locator("table tbody a").first.click()
        page.wait_for_load_state()

    return go


def _mutations_last_month(page: Page, url: str) -> None:
    """Kalijambe's mutation report for the month before this one (this month has barely begun)."""
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    page.goto(f"{url}/reports/mutations?unit=33.14.01&month={month}")


SHOTS = [
    Shot("login", None, PHONE, _open("/login")),
    Shot("penduduk-cari", "op.kalijambe", PHONE, _then(_open("/residents"), _search("sri"))),
    Shot("penduduk-daftar-kelahiran", "op.kalijambe", PHONE, _open("/residents/new?kind=birth")),
    Shot(
        "penduduk-halaman",
        "op.kalijambe",
        PHONE,
        _then(_first_resident_with_family, _show("a.button")),
    ),
    Shot(
        "kartu-keluarga",
        "op.kalijambe",
        PHONE,
        _then(_first_resident_with_family, _click("a[href^='/families/']")),
    ),
    Shot("ktp-loket", "op.kalijambe", PHONE, _open("/ktp/")),
    Shot(
        "ktp-permohonan", "op.kalijambe", PHONE, _then(_ktp_application, _show("h2 ~ form, h2 + p"))
    ),
    Shot(
        "mutasi-penduduk",
        "op.kalijambe",
        PHONE,
        _mutations_last_month,
    ),
    Shot(
        "izin-terima-berkas",
        "bpt.loket",
        PHONE,
        _then(_open("/licensing/new?type=HO"), _show("h2")),
    ),
    Shot(
        "izin-keputusan",
        "bpt.kepala",
        PHONE,
        _then(_licensing_file("decision"), _show("form:has(button[value=approve])")),
    ),
    Shot("admin-pengguna", "admin", DESKTOP, _open("/staff/users/op.kalijambe")),
    Shot("admin-log-audit", "admin", DESKTOP, _open("/staff/audit")),
]


def optimise(png: bytes, colours: int = 128) -> bytes:
    """A palette PNG of the screenshot, with fewer colours until it is small enough."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    while True:
        out = io.BytesIO()
        image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            out, "PNG", optimize=True
        )
        if out.tell() <= MAX_BYTES or colours <= 8:
            return out.getvalue()
        colours //= 2


def _screenshot(page: Page, viewport: dict[str, int]) -> bytes:
    """The viewport; on a phone one screen from the chosen element (default the title),
    since there the menu fills the first screen."""
    if viewport is not PHONE:
        return page.screenshot()
    if page.evaluate("window.shotTop === undefined"):
        _show("h1")(page)
    top = max(0, int(page.evaluate("window.shotTop")) - 12)
    image = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    top = min(top, max(0, image.height - viewport["height"]))
    out = io.BytesIO()
    bottom = min(image.height, top + viewport["height"])
    image.crop((0, top, min(image.width, viewport["width"]), bottom)).save(out, "PNG")
    return out.getvalue()


def login(page: Page, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    if "/login" in page.url:
        raise SystemExit(f"login as {username} failed")


def shoot(url: str, out: Path, chromium: str, only: set[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--lang=id-ID"])
        for shot in SHOTS:
            if only and shot.name not in only:
                continue
            context = browser.new_context(viewport=shot.viewport, locale="id-ID")
            page = context.new_page()
            if shot.user:
                login(page, url, shot.user)
            shot.go(page, url)
            data = optimise(_screenshot(page, shot.viewport))
            (out / f"{shot.name}.png").write_bytes(data)
            print(f"{shot.name}.png  {len(data) // 1024} KB  {page.url.removeprefix(url)}")
            context.close()
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def demo_server(pamong: str, residents: int) -> Iterator[str]:
    """Build a fresh demo in a temporary folder and serve it until the block ends."""
    with tempfile.TemporaryDirectory(prefix="pamong-shots-") as tmp:
        instance = str(Path(tmp) / "demo")
        base = [pamong, "--instance", instance]
        demo = [*base, "demo", "--residents", str(residents), "--no-serve"]
        print("Building the demo…", flush=True)
        built = subprocess.run(
            [*demo, "--plugins", "billing,ktp,licensing"], capture_output=True, text=True
        )
        if built.returncode:
            raise SystemExit(built.stdout + built.stderr)
        port = _free_port()
        server = subprocess.Popen(
            [*base, "run", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(url + "/login", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                raise SystemExit(f"the demo did not answer on {url}")
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running demo (default: build and serve one)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--residents", type=int, default=1500)
    parser.add_argument("--pamong", default=str(Path(sys.executable).with_name("pamong")))
    parser.add_argument("only", nargs="*", help="names of the shots to retake (default: all)")
    args = parser.parse_args(argv)
    if args.url:
        shoot(args.url.rstrip("/"), args.out, args.chromium, set(args.only))
        return
    with demo_server(args.pamong, args.residents) as url:
        shoot(url, args.out, args.chromium, set(args.only))


if __name__ == "__main__":
    main()

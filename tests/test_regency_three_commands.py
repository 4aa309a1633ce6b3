"""A regency in three commands: generate, install-and-initialise, serve.

The commands of docs/deploy/rollout.md, run as a regency's IT team would on
a fresh machine, for regencies the repository holds nothing of:

    pamong new-regency CODE --logo … --primary-color … --accent-color …
    bash install.sh [--database-url URL] --admin-password-file FILE
    ./serve.sh

``install.sh`` creates a new virtual environment each time, so each run takes
about a minute: Pamong comes from a wheel built once per session from this
checkout (``PAMONG_SOURCE``; there is no Pamong on the package index here),
its dependencies from the pip cache. The PostgreSQL run needs
``PAMONG_TEST_DATABASE_URL`` and makes a fresh database on that server.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAMONG = Path(sys.executable).parent / "pamong"
PG_URL = os.environ.get("PAMONG_TEST_DATABASE_URL", "")
#: What a Pamong wheel is built from (setup.py copies templates/ in as pamong/scaffolds).
SOURCE_FILES = ("setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md")
SOURCE_DIRS = ("core", "plugins", "templates")

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,  # a prompt fails instead of waiting
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def pamong_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, built once, from a copy (the checkout gets no build/)."""
    work = tmp_path_factory.mktemp("pamong-wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    env = {**os.environ, "TMPDIR": str(work), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    args = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", work / "dist", source]
    _run(args, work, env)
    (wheel,) = (work / "dist").glob("pamong-*.whl")
    return wheel


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh machine: no PAMONG_* settings, a private temp folder."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAMONG_", "VIRTUAL_ENV"))}
    env["TMPDIR"] = str(scratch)
    # Where the .venv is made, skip byte-compiling: Python does it on first import.
    env["PIP_NO_COMPILE"] = "1"
    return env


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty database on the PAMONG_TEST_DATABASE_URL server."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(PG_URL)
    name = f"pamong_three_{uuid.uuid4().hex[:8]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """``serve.sh`` started from ``cwd`` in the background, in its own process group."""

    def __init__(self, cwd: Path, script: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = cwd / "serve.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [script, "--bind", f"127.0.0.1:{self.port}"],
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                self.request("HEAD", "/")
                return
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"serve.sh did not answer within {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> int:
        """SIGTERM as systemd or Ctrl-C would; every process of the group must be gone."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        finally:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
            else:
                os.killpg(self.process.pid, signal.SIGKILL)
                pytest.fail(f"serve.sh left processes behind:\n{self.log.read_text()}")
        return code


@pytest.fixture
def serve() -> Iterator[type[Served]]:
    started: list[Served] = []

    def start(cwd: Path, script: str, env: dict[str, str]) -> Served:
        served = Served(cwd, script, env)
        started.append(served)
        return served

    yield start  # type: ignore[misc]
    for served in started:
        if served.process.poll() is None:
            os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait()


def log_in(served: Served, username: str, password: str) -> int:
    """Log in through the login form; the answer's status (302 is a success)."""
    status, headers, body = served.request("GET", "/login")
    assert status == 200
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    form = f"csrf_token={token}&username={username}&password={password}"
    status, _headers, _body = served.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    return status


def make_png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (48, 48), (122, 31, 61)).save(path)
    return path


# --- the three commands -----------------------------------------------------------


def three_commands(section: str) -> list[list[str]]:
    """The ``sh`` blocks of a section of docs/deploy/rollout.md, as lists of commands."""
    text = (ROOT / "docs" / "deploy" / "rollout.md").read_text("utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", body, re.DOTALL)
    return [block.strip().splitlines() for block in blocks]


def test_the_rollout_docs_show_exactly_the_three_commands():
    sqlite, postgresql = three_commands("Three commands")
    for commands in (sqlite, postgresql):
        assert len(commands) == 3
        assert commands[0].startswith("pamong new-regency 33.12 --logo ")
        assert commands[1].startswith("bash pamong-wonogiri/install.sh")
        assert commands[2] == "pamong-wonogiri/serve.sh"
    assert sqlite[0] == postgresql[0]
    assert sqlite[1] == "bash pamong-wonogiri/install.sh"
    assert postgresql[1].startswith("bash pamong-wonogiri/install.sh --database-url postgresql+")


def test_kota_kupang_in_three_commands_on_sqlite(tmp_path, machine, pamong_wheel, serve):
    logo = make_png(tmp_path / "lambang-kupang.png")
    (tmp_path / "admin-password").write_text("Kupang-admin-2026\n")
    installing = {**machine, "PAMONG_SOURCE": str(pamong_wheel)}

    # 1. generate
    branding = ["--logo", logo.name, "--primary-color", "#7A1F3D", "--accent-color", "#8a5a00"]
    _run([PAMONG, "new-regency", "53.71", "--database", "sqlite", *branding], tmp_path, machine)
    # 2. install and initialise
    install = ["bash", "pamong-kota-kupang/install.sh", "--admin-password-file", "admin-password"]
    installed = _run(install, tmp_path, installing)
    # 3. serve
    served = serve(tmp_path, "pamong-kota-kupang/serve.sh", machine)
    served.wait_until_up()

    assert "Kota Kupang (53.71, WITA): 58 org units created" in installed
    status, _headers, body = served.request("GET", "/")
    page = body.decode()
    assert status == 200
    assert "<h1>Kota Kupang</h1>" in page
    assert "--brand:#7a1f3d" in page and "--accent:#8a5a00" in page
    assert '<img class="logo" src="/site/static/logo.png"' in page
    status, headers, image = served.request("GET", "/site/static/logo.png")
    assert (status, headers["Content-Type"], image) == (200, "image/png", logo.read_bytes())
    assert log_in(served, "admin", "Kupang-admin-2026") == 302
    assert served.stop() == 143  # stopped by SIGTERM, with its worker

    deployment = tmp_path / "pamong-kota-kupang"
    secrets = (deployment / "pamong.env").read_text()
    again = _run(["bash", "pamong-kota-kupang/install.sh"], tmp_path, installing)
    assert "58 org units created" not in again and "58 already present" in again
    assert "Admin user 'admin' already exists (unchanged)." in again
    assert (deployment / "pamong.env").read_text() == secrets
    with sqlite3.connect(deployment / "pamong.sqlite3") as conn:
        (kelurahan,) = conn.execute(
            "SELECT count(*) FROM org_units WHERE kind = 'kelurahan'"
        ).fetchone()
    conn.close()
    assert kelurahan == 51
    assert (deployment / "pamong.env").stat().st_mode & 0o077 == 0


@pytest.mark.skipif(not PG_URL, reason="needs PAMONG_TEST_DATABASE_URL")
def test_wonogiri_in_three_commands_on_postgresql(
    tmp_path, machine, pamong_wheel, serve, postgres_url
):
    (tmp_path / "admin-password").write_text("Wonogiri-admin-2026\n")
    installing = {**machine, "PAMONG_SOURCE": str(pamong_wheel)}

    # 1. generate (the default colours and emblem)
    _run([PAMONG, "new-regency", "33.12"], tmp_path, machine)
    # 2. install and initialise, given the database URL
    install = ["bash", "pamong-wonogiri/install.sh", "--database-url", postgres_url]
    installed = _run([*install, "--admin-password-file", "admin-password"], tmp_path, installing)
    # 3. serve
    served = serve(tmp_path, "pamong-wonogiri/serve.sh", machine)
    served.wait_until_up()

    assert "Kabupaten Wonogiri (33.12, WIB): 320 org units created" in installed
    deployment = tmp_path / "pamong-wonogiri"
    status, _headers, body = served.request("GET", "/")
    page = body.decode()
    assert status == 200
    assert "<h1>Kabupaten Wonogiri</h1>" in page
    config = tomllib.loads((deployment / "pamong.toml").read_text())["pamong"]
    assert f"--brand:{config['brand_color']}" in page
    status, _headers, emblem = served.request("GET", config["logo"])
    assert status == 200 and b">W</text>" in emblem
    assert log_in(served, "admin", "Wonogiri-admin-2026") == 302
    assert served.stop() == 143
    assert not (deployment / "pamong.sqlite3").exists()

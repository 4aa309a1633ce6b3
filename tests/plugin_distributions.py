"""Third-party plugin distributions, installed and run the way their users do it.

A distribution is built by its own packaging (pyproject.toml, setuptools)
and installed with pip into a folder of its own, so Pamong finds it through
the ``pamong.plugins`` entry point its metadata declares; an instance is
then driven with the ``pamong`` command in subprocesses and served over
real HTTP. Used by ``test_plugin_template.py`` and ``test_example_suratdesa.py``.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pamong.testing import _reset_postgres

PAMONG = Path(sys.executable).parent / "pamong"
ADMIN_PASSWORD = "admin-password-1"
#: Set by CI's PostgreSQL pass: instances and the plugins' own tests run there too.
TEST_DATABASE_URL = os.environ.get("PAMONG_TEST_DATABASE_URL", "")


def install(project: Path, site: Path) -> None:
    """Build ``project`` with its own packaging and pip-install it into the folder ``site``.

    Offline: no index, no dependencies (Pamong is already here), and the
    build backend of this venv, which must satisfy the project's
    ``[build-system]`` (pip checks it). The build writes into the project
    folder: give a copy.
    """
    site.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--check-build-dependencies",
            "--target",
            str(site),
            str(project),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def copy_project(source: Path, target: Path) -> Path:
    """A copy of a source tree without build leftovers (the build writes into it)."""
    ignore = shutil.ignore_patterns(
        "__pycache__", "*.pyc", "*.mo", "build", "dist", "*.egg-info", ".pytest_cache"
    )
    shutil.copytree(source, target, ignore=ignore)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Instance:
    """An instance folder driven with ``pamong``, the plugins in ``site`` importable."""

    def __init__(self, folder: Path, site: Path) -> None:
        self.folder = folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(site),
            "PAMONG_SECRET_KEY": "test-secret",
            "PAMONG_DATABASE_URL": TEST_DATABASE_URL or f"sqlite:///{folder}/pamong.sqlite3",
        }
        self.env.pop("PAMONG_TEST_DATABASE_URL", None)  # the plugins' tests read it, not pamong
        if TEST_DATABASE_URL:
            _reset_postgres(TEST_DATABASE_URL)

    def pamong(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(PAMONG), "--instance", str(self.folder), *map(str, args)],
            cwd=self.folder.parent,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def init(self, *plugins: str) -> None:
        """``pamong init`` Sragen (33.14) with these plugins and an admin."""
        password_file = self.folder.parent / "admin-password"
        password_file.write_text(ADMIN_PASSWORD + "\n")
        plugin_args = ("--plugins", ",".join(plugins)) if plugins else ()
        self.pamong(
            "init", "--region", "33.14", *plugin_args, "--admin-password-file", password_file
        )

    def enable(self, *plugins: str) -> None:
        """List ``plugins`` in pamong.toml, as an operator does before ``pamong db upgrade``."""
        config = self.folder / "pamong.toml"
        text = re.sub(
            r"(?m)^plugins = .*$", f"plugins = {json.dumps(list(plugins))}", config.read_text()
        )
        config.write_text(text)

    @contextmanager
    def serving(self) -> Iterator[Browser]:
        """``pamong run`` on a free loopback port; yields a browser for it."""
        port = free_port()
        log = (self.folder.parent / "server.log").open("w")
        server = subprocess.Popen(
            [str(PAMONG), "--instance", str(self.folder), "run", "--port", str(port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5).close()
                    break
                except (urllib.error.URLError, ConnectionError):
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.flush()
                        raise AssertionError(
                            "pamong run did not serve:\n"
                            + (self.folder.parent / "server.log").read_text()
                        ) from None
                    time.sleep(0.2)
            yield Browser(base)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


class Browser:
    """Just enough of a browser: cookies, redirects, forms with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(
        self,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        json_body: object = None,
        method: str | None = None,
    ) -> tuple[int, str, bytes]:
        """(status, content type, body) of a GET, a form POST (``data``) or a JSON one."""
        headers = dict(headers or {})
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, body, headers, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    def text(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        """(status, text) of a page."""
        status, _type, body = self.request(path, data)
        return status, body.decode()

    def csrf_token(self, path: str) -> str:
        _status, page = self.text(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, f"no form on {path}"
        return match.group(1)

    def log_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
        form = {"csrf_token": self.csrf_token("/login"), "username": username, "password": password}
        status, page = self.text("/login", form)
        assert status == 200 and "/logout" in page, page


def run_plugin_tests(project: Path, site: Path, work: Path) -> str:
    """The project's own tests, with pytest, on PostgreSQL when CI's pass sets it up."""
    env = {**os.environ, "PYTHONPATH": str(site), "TMPDIR": str(work)}
    result = subprocess.run(  # from ``work``: the installed package is imported, not the source
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result.stdout

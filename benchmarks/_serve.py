"""Shared plumbing of the HTTP benchmarks: instances, gunicorn, wrk, alternation.

Every HTTP benchmark serves Pamong and a bare baseline app (Flask and the
database driver doing the same queries) with the same gunicorn settings,
loads each with ``wrk`` in turn, baseline then Pamong, for several
rounds, and reports medians: on a shared machine the load of other
programs drifts, and alternating keeps the ratio meaningful.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def pamong(instance: Path, *args: str) -> str:
    """Run a ``pamong`` command on ``instance``; its standard output."""
    result = subprocess.run(
        [str(BIN / "pamong"), "--instance", str(instance), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def byte_compile() -> None:
    """Byte-compile Pamong's and the plugins' modules, as ``pip install`` does.

    A source checkout run with ``PYTHONDONTWRITEBYTECODE`` (as CI and the
    development machine are) would otherwise compile some 200 modules in
    every process it starts, about 0.3 s that a deployment never pays.
    """
    import compileall

    import pamong as core_package
    import pamong_plugins

    for folder in [*core_package.__path__, *pamong_plugins.__path__]:
        compileall.compile_dir(folder, quiet=1)


def init_instance(work: Path, **settings: str) -> Path:
    """``pamong init --region 33.14`` (Sragen) in ``work/instance``, plus ``settings``."""
    instance = work / "instance"
    password = work / "admin-password.txt"
    password.write_text("benchmark-password\n")
    pamong(instance, "init", "--region", "33.14", "--admin-password-file", str(password))
    config = instance / "pamong.toml"
    text = config.read_text()
    lines = "".join(f'{key} = "{value}"\n' for key, value in settings.items())
    config.write_text(text.replace("[pamong]\n", "[pamong]\n" + lines, 1))
    return instance


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The gunicorn master serving each base URL, for :func:`server_cpu_seconds`.
_MASTERS: dict[str, int] = {}


def server_cpu_seconds(base: str) -> float:
    """CPU seconds (user and system) used so far by the workers serving ``base``.

    Read from ``/proc``: the children of the gunicorn master. Unlike
    requests per second, CPU per request does not depend on what else
    the machine runs.
    """
    master = _MASTERS[base]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rpartition(")")[2].split()
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@contextmanager
def gunicorn(
    app: str, *, workers: int, env: dict[str, str], chdir: Path | None = None, probe: str = "/"
) -> Iterator[str]:
    """Serve the WSGI ``app`` with gunicorn; yields its base URL; stops it after."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    if chdir is not None:
        command += ["--chdir", str(chdir)]
    process = subprocess.Popen(
        [*command, app], env={**os.environ, **env}, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + probe, timeout=30).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {command}") from None
                time.sleep(0.2)
        _MASTERS[base] = process.pid
        yield base
    finally:
        _MASTERS.pop(base, None)
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Load:
    """One ``wrk`` run: requests per second, latency percentiles (ms), errors."""

    rps: float
    p50: float
    p99: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise RuntimeError(f"wrk printed a latency I cannot read: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
) -> Load:
    """Load ``url`` with ``wrk`` (threads: at most 2, the machine's cores)."""
    command = [
        WRK,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    if "Requests/sec" not in out or "99%" not in out:
        raise RuntimeError(f"wrk answered no figures:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(n) for n in match.groups())
    return Load(rps, p50, p99, errors)


def lua_paths(path: Path, urls: list[str]) -> Path:
    """A wrk script cycling through ``urls`` (paths), so requests are not all alike."""
    items = ",".join(f'"{u}"' for u in urls)
    path.write_text(
        f"local paths = {{{items}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        "  return wrk.format(nil, paths[i])\n"
        "end\n"
    )
    return path


def alternate(rounds: int, runs: dict[str, Callable[[], Load]]) -> dict[str, Load]:
    """Run each of ``runs`` once per round, in turn; the median of each figure."""
    results: dict[str, list[Load]] = {name: [] for name in runs}
    for number in range(1, rounds + 1):
        for name, run in runs.items():
            load = run()
            results[name].append(load)
            print(
                f"  round {number} {name:>8}: {load.rps:8.0f} req/s  "
                f"p50 {load.p50:6.1f} ms  p99 {load.p99:6.1f} ms  errors {load.errors}",
                flush=True,
            )
    return {
        name: Load(
            statistics.median(x.rps for x in loads),
            statistics.median(x.p50 for x in loads),
            statistics.median(x.p99 for x in loads),
            sum(x.errors for x in loads),
        )
        for name, loads in results.items()
    }

"""Start-up: ``pamong --help``, app creation with every plugin, the first requests.

    python benchmarks/startup.py [--rounds 7]

In a Sragen instance with every installed plugin enabled (SQLite), each
round runs, in fresh processes, alternating with a bare baseline:

- ``python -c pass`` (the interpreter alone, the baseline) and
  ``pamong --instance DIR --help``: wall and CPU seconds;
- a process importing Pamong and calling ``pamong.create_app``, the
  factory gunicorn calls (timed inside: imports, then the app, in wall and
  CPU seconds), then serving its first requests (the home page, the public
  tracker API, the OpenAPI document) through the test client, in wall and
  CPU seconds, and the home page once more (warm).

The first round's process compiles the templates and keeps them in the
instance's cache (``<instance>/cache/templates``); the later rounds load
them, as a restarted server or a second gunicorn worker does. The first
round's first home page is printed apart.

Pamong's and the plugins' modules are byte-compiled first, as ``pip
install`` does for a deployment: a source checkout run with
``PYTHONDONTWRITEBYTECODE`` would otherwise compile some 200 modules in
every process (about 0.3 s). ``--no-compile`` measures that case.

Prints the median of each figure and its goal (``--help`` < 0.25 s, app
creation < 0.5 s); the last line is ``help_seconds=``. Exits 1 when a
command fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _serve import BIN, byte_compile, init_instance, pamong

PROBE = """
import json, sys, time
started = time.perf_counter()
import_cpu = time.process_time()
import pamong.app
from pamong import create_app  # what gunicorn calls ('pamong:create_app()')
imported = time.perf_counter()
import_cpu = time.process_time() - import_cpu
cpu = time.process_time()
app = create_app(sys.argv[1])
created = time.perf_counter()
cpu = time.process_time() - cpu
client = app.test_client()
firsts = {}
for path in ("/", "/api/v1/track/DUK-2026-000001", "/api/v1/openapi.json"):
    t = time.perf_counter()
    c = time.process_time()
    status = client.get(path).status_code
    firsts[path] = (time.perf_counter() - t, time.process_time() - c, status)
t = time.perf_counter()
c = time.process_time()
client.get("/")
warm = time.perf_counter() - t
warm_cpu = time.process_time() - c
print(json.dumps({"import": imported - started, "import_cpu": import_cpu,
                  "create_app": created - imported, "create_app_cpu": cpu,
                  "firsts": firsts, "warm_home": warm, "warm_home_cpu": warm_cpu}))
"""


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall and CPU (user + system) seconds of a child process; its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="CI: 3 rounds")
    parser.add_argument(
        "--no-compile", action="store_true", help="do not byte-compile Pamong's modules first"
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds = 3
    if not args.no_compile:
        byte_compile()

    work = Path(tempfile.mkdtemp(prefix="pamong-startup-"))
    instance = init_instance(work)
    config = instance / "pamong.toml"
    from pamong.plugins import available_plugins

    enabled = sorted(available_plugins())
    config.write_text(
        config.read_text().replace("plugins = []", f"plugins = {json.dumps(enabled)}")
    )
    pamong(instance, "db", "upgrade")
    python = str(BIN / "python")
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for number in range(1, args.rounds + 1):
        wall, cpu, _ = timed([python, "-c", "pass"])
        add("baseline_python_wall", wall)
        add("baseline_python_cpu", cpu)
        wall, cpu, _ = timed([str(BIN / "pamong"), "--instance", str(instance), "--help"])
        add("help_wall", wall)
        add("help_cpu", cpu)
        _wall, _cpu, out = timed([python, "-c", PROBE, str(instance)])
        probe = json.loads(out)
        add("import_pamong_app", probe["import"])
        add("import_pamong_app_cpu", probe["import_cpu"])
        add("create_app", probe["create_app"])
        add("create_app_cpu", probe["create_app_cpu"])
        for path, (seconds, cpu_seconds, status) in probe["firsts"].items():
            if status >= 500:
                print(f"first request {path}: {status}", file=sys.stderr)
                sys.exit(1)
            add(f"first {path}", seconds)
            add(f"first {path} cpu", cpu_seconds)
        add("warm home page", probe["warm_home"])
        add("warm home page cpu", probe["warm_home_cpu"])
        if number == 1:  # the instance's template cache was empty: it compiled them
            cold_home_cpu = probe["firsts"]["/"][1]
        print(
            f"  round {number}: --help {figures['help_wall'][-1]:.3f} s, "
            f"create_app {figures['create_app'][-1]:.3f} s",
            flush=True,
        )
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"medians of {args.rounds} rounds, plugins {', '.join(enabled)}:")
    for name, value in medians.items():
        print(f"  {name:>40}: {value * 1000:8.1f} ms")
    print(
        f"first_home_cpu_seconds={medians['first / cpu']:.3f} "
        f"(a warm one {medians['warm home page cpu']:.3f}; round 1, templates not yet "
        f"in the instance's cache: {cold_home_cpu:.3f})"
    )
    print(f"help_cpu_seconds={medians['help_cpu']:.3f}")
    # CPU seconds do not grow when other programs load the machine; wall seconds do.
    print(f"create_app_cpu_seconds={medians['create_app_cpu']:.3f}")
    print(
        f"create_app_seconds={medians['create_app']:.3f} "
        f"(goal < 0.5; with imports {medians['create_app'] + medians['import_pamong_app']:.3f})"
    )
    print(f"help_seconds={medians['help_wall']:.3f} (goal < 0.25)")


if __name__ == "__main__":
    main()

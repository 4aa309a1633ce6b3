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
  CPU seconds, and the home page once more (warm);
- the **bare twin** (``_bare_twin.py``): one module, written from the
  Pamong app before the rounds, declaring the same tables (columns,
  types, keys, constraints, indexes, defaults, relationships) as plain
  SQLAlchemy models and building a plain Flask app with the same URL
  rules, mappers configured; its garbage collector is off throughout, so
  the floor is the lowest the stack gives. Timed the same way: importing
  Flask and SQLAlchemy, then declaring the tables and building the app.

Pamong's app creation is printed as a ratio to the twin's (the tables and
routes alone), and so is the whole start, imports included: how far
Pamong is above what any Flask + SQLAlchemy app with these tables and
routes needs on the same machine.

The first round's process compiles the templates and keeps them in the
instance's cache (``<instance>/cache/templates``); the later rounds load
them, as a restarted server or a second gunicorn worker does. The first
round's first home page is printed apart.

Pamong's and the plugins' modules are byte-compiled first, as ``pip
install`` does for a deployment: a source checkout run with
``PYTHONDONTWRITEBYTECODE`` would otherwise compile some 200 modules in
every process (about 0.3 s). ``--no-compile`` measures that case.

Prints the median of each figure and its goal (``--help`` < 0.25 s, app
creation < 0.5 s) and the two ratios to the twin; the last line is
``help_seconds=``. Exits 1 when a command fails or when the twin does not
have the app's tables, columns, indexes, relationships and URL rules.
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

from _bare_twin import write_twin
from _serve import BIN, byte_compile, init_instance, pamong

#: What both probes report of the app they built, to check that the twin is the same.
SHAPE = """
def shape(base, app):
    mappers = list(base.registry.mappers)
    tables = list(base.metadata.tables.values())
    return {
        "tables": sorted(t.name for t in tables),
        "columns": sum(len(t.columns) for t in tables),
        "indexes": sum(len(t.indexes) for t in tables),
        "relationships": sum(len(m.relationships) for m in mappers),
        "rules": len(list(app.url_map.iter_rules())),
    }
"""

PROBE = (
    SHAPE
    + """
import json, sys, time
started = time.perf_counter()
import_cpu = time.process_time()
import pamong.app
import pamong.db
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
                  "firsts": firsts, "warm_home": warm, "warm_home_cpu": warm_cpu,
                  "shape": shape(pamong.db.Base, app)}))
"""
)

TWIN_PROBE = (
    SHAPE
    + """
import gc, json, sys, time
gc.disable()
started = time.perf_counter()
import_cpu = time.process_time()
import flask, sqlalchemy.orm
imported = time.perf_counter()
import_cpu = time.process_time() - import_cpu
cpu = time.process_time()
sys.path.insert(0, sys.argv[1])
import pamong_twin
app = pamong_twin.create_app()
created = time.perf_counter()
cpu = time.process_time() - cpu
print(json.dumps({"import": imported - started, "import_cpu": import_cpu,
                  "create_app": created - imported, "create_app_cpu": cpu,
                  "shape": shape(pamong_twin.Base, app)}))
"""
)


def write_bare_twin(instance: Path, folder: Path) -> None:
    """Write and byte-compile the bare twin of the instance's app in ``folder``."""
    import py_compile

    from pamong import create_app

    path = folder / "pamong_twin.py"
    write_twin(create_app(instance), path)
    py_compile.compile(str(path))  # as Pamong's modules are (byte_compile)


def check_same_shape(pamong_shape: dict, twin_shape: dict) -> None:
    """Exit 1 unless the twin has the app's tables, columns, indexes, relationships, rules."""
    differences = [
        f"{name}: Pamong {pamong_shape[name]!r}, twin {twin_shape[name]!r}"
        for name in pamong_shape
        if pamong_shape[name] != twin_shape[name]
    ]
    if differences:
        print("the bare twin is not the same app:", *differences, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(
        f"  the bare twin has the app's {len(twin_shape['tables'])} tables, "
        f"{twin_shape['columns']} columns, {twin_shape['indexes']} indexes, "
        f"{twin_shape['relationships']} relationships and {twin_shape['rules']} URL rules"
    )


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
    twin_folder = work / "twin"
    twin_folder.mkdir()
    write_bare_twin(instance, twin_folder)
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
        _wall, _cpu, out = timed([python, "-c", TWIN_PROBE, str(twin_folder)])
        twin = json.loads(out)
        add("twin_import_flask_sqlalchemy_cpu", twin["import_cpu"])
        add("twin_tables_and_routes_cpu", twin["create_app_cpu"])
        add("twin_total_cpu", twin["import_cpu"] + twin["create_app_cpu"])
        _wall, _cpu, out = timed([python, "-c", PROBE, str(instance)])
        probe = json.loads(out)
        add("import_pamong_app", probe["import"])
        add("import_pamong_app_cpu", probe["import_cpu"])
        add("create_app", probe["create_app"])
        add("create_app_cpu", probe["create_app_cpu"])
        add("total_cpu", probe["import_cpu"] + probe["create_app_cpu"])
        for path, (seconds, cpu_seconds, status) in probe["firsts"].items():
            if status >= 500:
                print(f"first request {path}: {status}", file=sys.stderr)
                sys.exit(1)
            add(f"first {path}", seconds)
            add(f"first {path} cpu", cpu_seconds)
        add("warm home page", probe["warm_home"])
        add("warm home page cpu", probe["warm_home_cpu"])
        if number == 1:
            check_same_shape(probe["shape"], twin["shape"])
            # The instance's template cache was empty: this round compiled them.
            cold_home_cpu = probe["firsts"]["/"][1]
        print(
            f"  round {number}: --help {figures['help_wall'][-1]:.3f} s, "
            f"create_app {figures['create_app_cpu'][-1]:.3f} s of CPU (the bare twin's "
            f"tables and routes {figures['twin_tables_and_routes_cpu'][-1]:.3f} s)",
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
    creation, twin_creation = medians["create_app_cpu"], medians["twin_tables_and_routes_cpu"]
    print(
        f"create_app_twin_ratio={creation / twin_creation:.2f} "
        f"(Pamong's app creation / the bare twin's tables and routes, CPU; "
        f"{creation:.3f} / {twin_creation:.3f} s)"
    )
    print(
        f"start_twin_ratio={medians['total_cpu'] / medians['twin_total_cpu']:.2f} "
        f"(imports included, CPU; {medians['total_cpu']:.3f} / {medians['twin_total_cpu']:.3f} s)"
    )
    print(f"help_seconds={medians['help_wall']:.3f} (goal < 0.25)")


if __name__ == "__main__":
    main()

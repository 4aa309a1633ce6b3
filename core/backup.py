"""Backing up and restoring an instance's database (``pamong backup`` / ``pamong restore``).

Everything Pamong stores (residents, files, photos, uploads, the audit log)
lives in the database; ``pamong.toml`` (with the secret key) is the only
other thing to keep, and it changes rarely.

- **SQLite**: SQLite's online backup API copies a consistent snapshot while
  the app keeps running, including what still sits in the WAL file; copying
  the database file by hand would not.
- **PostgreSQL**: ``pg_dump`` in its custom format, restored with
  ``pg_restore`` in one transaction. The app's URL
  (``postgresql+psycopg://…``) is turned into a libpq one and the password is
  handed over in ``PGPASSWORD``, never on the command line (where ``ps``
  shows it to every user of the server).

A restore refuses to write into a database that holds tables unless told
``force``: it would replace them.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int
    #: After a PostgreSQL restore: tables of the database that the backup does not
    #: have (a plugin enabled since), left as they were.
    kept_tables: list[str] = field(default_factory=list)


def database_kind(database_url: str) -> str:
    """``sqlite`` or ``postgresql`` (anything else cannot be backed up here)."""
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database (only SQLite and PostgreSQL)")
    return backend


def default_backup_path(
    instance_path: Path, database_url: str, now: datetime | None = None
) -> Path:
    """``<instance>/backups/pamong-YYYYmmdd-HHMMSS.sqlite3`` (or ``.dump`` for PostgreSQL)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if database_kind(database_url) == "sqlite" else ".dump"
    return instance_path / "backups" / f"pamong-{stamp}{suffix}"


def backup(database_url: str, target: Path) -> BackupResult:
    """Write a consistent copy of the database to ``target`` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists already; give another file name")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # personal data: readable by the instance's owner only
    kind = database_kind(database_url)
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            _pg_backup(database_url, partial)
        partial.replace(target)  # a backup file is whole or absent
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, kind, target.stat().st_size)


def tables_in(database_url: str) -> list[str]:
    """The tables the database holds now (none: it is safe to restore into)."""
    if database_kind(database_url) == "sqlite":
        path = _sqlite_path(database_url)
        if not path.exists() or path.stat().st_size == 0:
            return []
        with closing(sqlite3.connect(path)) as conn:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        return sorted(name for (name,) in rows)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return sorted(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def restore(database_url: str, source: Path, *, force: bool = False) -> BackupResult:
    """Replace the database's content with the backup in ``source``.

    Without ``force``, a database that holds any table is refused: the
    error names how many and what ``force`` would do.
    """
    kind = database_kind(database_url)
    _check_backup_file(source, kind)
    present = tables_in(database_url)
    if present and not force:
        raise BackupError(
            f"the database holds {len(present)} tables already; restoring replaces them "
            f"with the backup's: every change since the backup is lost. Run "
            f"`pamong restore --force {source}` to do so."
        )
    kept: list[str] = []
    if kind == "sqlite":
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        _pg_restore(database_url, source, clean=bool(present))
        in_backup = _pg_dump_tables(source)
        kept = [name for name in tables_in(database_url) if name not in in_backup]
    return BackupResult(source, kind, source.stat().st_size, kept)


# --- SQLite --------------------------------------------------------------------------


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database).resolve()


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"there is no database at {source} yet: nothing to back up")
    try:
        with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as src:
            src.execute("PRAGMA busy_timeout=10000")
            with closing(sqlite3.connect(target)) as dst:
                src.backup(dst)  # one step: a snapshot of committed data, WAL included
                (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite backup failed: {exc}") from None
    if verdict != "ok":
        raise BackupError(f"the copy failed its integrity check: {verdict}")


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src:
            (verdict,) = src.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"{source} is damaged: {verdict}")
            with closing(sqlite3.connect(target)) as dst:
                dst.execute("PRAGMA busy_timeout=10000")
                src.backup(dst)  # through SQLite, so a running app's WAL stays consistent
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite restore failed: {exc}") from None


# --- PostgreSQL ----------------------------------------------------------------------


def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """The app's URL as a libpq connection URI without its password, and the environment.

    ``postgresql+psycopg://u:secret@db:5432/pamong?sslmode=require`` becomes
    ``postgresql://u@db:5432/pamong?sslmode=require`` and ``PGPASSWORD=secret``.
    """
    url = make_url(database_url)
    env = {"PGPASSWORD": url.password} if url.password else {}
    # URL.set() takes None as "unchanged": replace the field to drop the password.
    plain = url._replace(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parts[-3].split(".")],
    )
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            args, env={**os.environ, **env}, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"cannot run {args[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()
        raise BackupError(f"{Path(args[0]).name} failed: {message}")


def _pg_backup(database_url: str, target: Path) -> None:
    conninfo, env = libpq_target(database_url)
    _run(
        [pg_tool("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={conninfo}"],
        env,
    )


def _pg_restore(database_url: str, source: Path, *, clean: bool) -> None:
    conninfo, env = libpq_target(database_url)
    args = [
        pg_tool("pg_restore"),
        "--single-transaction",  # all or nothing
        "--exit-on-error",
        "--no-owner",
        "--no-acl",
        f"--dbname={conninfo}",
    ]
    if clean:
        args[1:1] = ["--clean", "--if-exists"]
    _run([*args, str(source)], env)


def _pg_dump_tables(source: Path) -> set[str]:
    """The tables a custom-format dump holds (from ``pg_restore --list``)."""
    done = subprocess.run(
        [pg_tool("pg_restore"), "--list", str(source)], capture_output=True, text=True, check=False
    )
    tables = set()
    for line in done.stdout.splitlines():
        words = line.split()
        # "215; 1259 16386 TABLE public residents postgres" (not "TABLE DATA …")
        if line.startswith(";") or "TABLE" not in words:
            continue
        at = words.index("TABLE")
        if at + 2 < len(words) and words[at + 1] != "DATA":
            tables.add(words[at + 2])
    return tables


def _check_backup_file(source: Path, kind: str) -> None:
    try:
        with source.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror}") from None
    if kind == "sqlite" and not head.startswith(SQLITE_MAGIC):
        other = " (a PostgreSQL dump)" if head.startswith(PG_DUMP_MAGIC) else ""
        raise BackupError(f"{source} is not an SQLite backup{other}; this instance uses SQLite")
    if kind == "postgresql" and not head.startswith(PG_DUMP_MAGIC):
        other = " (an SQLite backup)" if head.startswith(SQLITE_MAGIC) else ""
        raise BackupError(
            f"{source} is not a PostgreSQL backup made by `pamong backup`{other}; "
            "this instance uses PostgreSQL"
        )

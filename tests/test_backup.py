"""``pamong backup`` and ``pamong restore``: a round trip gives back the data, on both databases.

SQLite is copied with its online backup API (consistent while the app writes,
the WAL included); PostgreSQL with pg_dump/pg_restore, the password passed in
the environment. A restore never replaces data unless told ``--force``.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import stat
import subprocess
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pamong import backup
from pamong.accounts.permissions import Actor
from pamong.app import create_app
from pamong.cli import main
from pamong.config import write_config
from pamong.identity.models import Resident
from pamong.identity.services import register_resident
from pamong.identity.synthetic import make_nik
from pamong.migrate import create_schema
from pamong.orgunits.services import load_region
from pamong.testing import _reset_postgres

PG_URL = os.environ.get("PAMONG_TEST_DATABASE_URL")
on_postgres = pytest.mark.skipif(not PG_URL, reason="needs PAMONG_TEST_DATABASE_URL")
SYSTEM = Actor.system("test")


def make_instance(folder, database_url: str):
    """An instance folder whose pamong.toml names ``database_url``, with schema and region."""
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    write_config(folder, region="33.14", database_url=database_url)
    app = create_app(folder, check_schema=False)
    state = app.extensions["pamong"]
    create_schema(state.db, state.host)
    with state.db.transaction() as session:
        load_region(session, "33.14")
    return app


def add_resident(app, serial: int, name: str) -> None:
    with app.extensions["pamong"].db.transaction() as session:
        register_resident(
            session,
            SYSTEM,
            {
                "nik": make_nik("33.14.01", date(1990, 8, 12), "M", serial),
                "name": name,
                "birth_place": "Sragen",
                "birth_date": date(1990, 8, 12),
                "sex": "M",
                "domicile_code": "33.14.01.2001",
            },
        )


def names(app) -> list[str]:
    db = app.extensions["pamong"].db
    db.dispose()  # after a restore: no pooled connection to the replaced database
    with db.session() as session:
        return list(session.scalars(select(Resident.name).order_by(Resident.name)))


def pamong(folder, *args: str):
    return CliRunner().invoke(main, ["--instance", str(folder), *args])


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=on_postgres)])
def instance(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'pamong.sqlite3'}" if request.param == "sqlite" else PG_URL
    app = make_instance(tmp_path, url)
    add_resident(app, 1, "Budi Santoso")
    add_resident(app, 2, "Sri Wahyuni")
    yield tmp_path, app
    app.extensions["pamong"].db.dispose()


def test_a_backup_restored_gives_back_the_data_of_its_time(instance, tmp_path_factory):
    folder, app = instance
    file = tmp_path_factory.mktemp("backups") / "pamong.bak"
    made = pamong(folder, "backup", str(file))
    assert made.exit_code == 0, made.output
    add_resident(app, 3, "Agus Wibowo")  # after the backup: gone after the restore
    restored = pamong(folder, "restore", "--force", str(file))
    assert restored.exit_code == 0, restored.output
    assert names(app) == ["Budi Santoso", "Sri Wahyuni"]
    assert pamong(folder, "db", "status").exit_code == 0


def test_a_restore_refuses_a_database_that_holds_data(instance, tmp_path_factory):
    folder, app = instance
    file = tmp_path_factory.mktemp("backups") / "pamong.bak"
    assert pamong(folder, "backup", str(file)).exit_code == 0
    add_resident(app, 3, "Agus Wibowo")
    refused = pamong(folder, "restore", str(file))
    assert refused.exit_code == 1
    assert "every change since the backup is lost" in refused.output
    assert f"pamong restore --force {file}" in refused.output
    assert names(app) == ["Agus Wibowo", "Budi Santoso", "Sri Wahyuni"]


def test_a_restore_into_an_empty_database_needs_no_force(instance, tmp_path_factory):
    folder, app = instance
    file = tmp_path_factory.mktemp("backups") / "pamong.bak"
    assert pamong(folder, "backup", str(file)).exit_code == 0
    app.extensions["pamong"].db.dispose()
    url = app.extensions["pamong"].settings.database_url
    if url.startswith("sqlite"):
        os.remove(backup._sqlite_path(url))
    else:
        _reset_postgres(url)
    assert backup.tables_in(url) == []
    restored = pamong(folder, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert names(app) == ["Budi Santoso", "Sri Wahyuni"]


def test_the_backup_file_is_readable_by_its_owner_only(instance, tmp_path_factory):
    folder, _app = instance
    file = tmp_path_factory.mktemp("backups") / "pamong.bak"
    assert pamong(folder, "backup", str(file)).exit_code == 0
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_a_backup_never_overwrites_a_file(instance, tmp_path_factory):
    folder, _app = instance
    file = tmp_path_factory.mktemp("backups") / "pamong.bak"
    file.write_text("yesterday's backup")
    refused = pamong(folder, "backup", str(file))
    assert refused.exit_code == 1 and "exists already" in refused.output
    assert file.read_text() == "yesterday's backup"


def test_without_a_file_name_the_backup_goes_to_the_instance_folder(instance):
    folder, _app = instance
    made = pamong(folder, "backup")
    assert made.exit_code == 0, made.output
    (written,) = (folder / "backups").iterdir()
    assert written.name.startswith("pamong-") and str(written) in made.output


def test_a_file_of_the_wrong_kind_is_refused(instance, tmp_path):
    folder, app = instance
    other = tmp_path / "notes.txt"
    other.write_text("not a backup")
    refused = pamong(folder, "restore", "--force", str(other))
    assert refused.exit_code == 1 and "is not" in refused.output
    assert names(app) == ["Budi Santoso", "Sri Wahyuni"]


# --- SQLite: the online backup API -------------------------------------------------------


@pytest.fixture
def sqlite_instance(tmp_path):
    app = make_instance(tmp_path, f"sqlite:///{tmp_path / 'pamong.sqlite3'}")
    add_resident(app, 1, "Budi Santoso")
    app.extensions["pamong"].db.dispose()
    yield tmp_path
    app.extensions["pamong"].db.dispose()


def _count(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM residents").fetchone()[0]


def test_a_sqlite_backup_holds_rows_that_are_still_in_the_wal_file(sqlite_instance):
    database = sqlite_instance / "pamong.sqlite3"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=0")  # committed rows stay in pamong.sqlite3-wal
    writer.execute("UPDATE residents SET name = 'Budi Setiawan'")
    assert (sqlite_instance / "pamong.sqlite3-wal").stat().st_size > 0
    result = backup.backup(f"sqlite:///{database}", sqlite_instance / "copy.sqlite3")
    writer.close()
    with sqlite3.connect(result.path) as copy:
        assert copy.execute("SELECT name FROM residents").fetchall() == [("Budi Setiawan",)]


def test_a_sqlite_backup_during_a_write_holds_only_committed_rows(sqlite_instance):
    database = sqlite_instance / "pamong.sqlite3"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM residents")  # not committed while the backup runs
    result = backup.backup(f"sqlite:///{database}", sqlite_instance / "copy.sqlite3")
    writer.execute("ROLLBACK")
    writer.close()
    assert _count(result.path) == 1


def test_a_postgresql_dump_is_refused_by_a_sqlite_instance(sqlite_instance, tmp_path):
    dump = tmp_path / "pg.dump"
    dump.write_bytes(backup.PG_DUMP_MAGIC + b"\x01\x0e")
    refused = pamong(sqlite_instance, "restore", "--force", str(dump))
    assert refused.exit_code == 1
    assert "is not an SQLite backup (a PostgreSQL dump)" in refused.output


# --- PostgreSQL: pg_dump and pg_restore ----------------------------------------------------


def test_the_app_url_is_turned_into_a_libpq_one_without_its_password():
    conninfo, env = backup.libpq_target(
        "postgresql+psycopg://pamong:s%40cret@db.sragen:6432/pamong?sslmode=require"
    )
    assert conninfo == "postgresql://pamong@db.sragen:6432/pamong?sslmode=require"
    assert env == {"PGPASSWORD": "s@cret"}


def test_a_url_without_password_sets_no_pgpassword():
    conninfo, env = backup.libpq_target("postgresql+psycopg:///pamong?host=/run/postgresql")
    assert conninfo == "postgresql:///pamong?host=%2Frun%2Fpostgresql"  # libpq decodes it
    assert env == {}


@on_postgres
def test_pg_dump_gets_the_password_in_its_environment_only(tmp_path, monkeypatch):
    calls = []
    real_run = subprocess.run

    def spy(args, **kwargs):
        calls.append((args, kwargs.get("env", {})))
        return real_run(args, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    url = PG_URL.replace("postgres@", "postgres:pw-s3cret@", 1)  # trust auth ignores it
    make_instance(tmp_path, PG_URL).extensions["pamong"].db.dispose()
    backup.backup(url, tmp_path / "pg.dump")
    ((args, env),) = calls
    assert not any("pw-s3cret" in arg for arg in args)
    assert env["PGPASSWORD"] == "pw-s3cret"
    assert any(arg.startswith("--dbname=postgresql://") for arg in args)


@pytest.mark.skipif(
    not (shutil.which("pg_dump") or glob.glob("/usr/lib/postgresql/*/bin/pg_dump")),
    reason="no PostgreSQL client installed",
)
def test_the_newest_installed_pg_tool_is_found():
    tool = backup.pg_tool("pg_dump")
    assert os.access(tool, os.X_OK)

"""PostgreSQL plans: with a regency's worth of rows, the main list and lookup
queries use an index, never a sequential scan of the big tables.

Runs only on PostgreSQL (``PAMONG_TEST_DATABASE_URL``): 100,000 residents
and 50,000 tracked files are inserted by ``generate_series``, the tables
analysed, and each query's ``EXPLAIN`` read. On SQLite, one plan: a name
search compares names in the domicile index, not in the rows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from pamong.accounts.permissions import Actor
from pamong.audit.models import AuditEntry
from pamong.identity import services as identity
from pamong.identity.models import Resident
from pamong.orgunits.models import OrgUnit
from pamong.tracking.models import StatusEvent, TrackedItem
from pamong.tracking.services import _PUBLIC_ITEM, _PUBLIC_STEPS

BIG_TABLES = ("residents", "tracked_items", "status_events", "audit_log")

SEED = """
WITH units AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM org_units WHERE code LIKE '33.14.__.____'
)
INSERT INTO residents (nik, kk_number, name, name_key, birth_place, birth_place_key,
    birth_date, sex, address, domicile_unit_id, status, nik_issues, needs_review,
    created_at, updated_at)
SELECT lpad(i::text, 16, '0'), lpad((i / 4)::text, 16, '9'), 'Warga ' || i, 'warga ' || i,
    'Sragen', 'sragen', DATE '1970-01-01' + (i % 15000), CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END,
    'Dukuh ' || (i % 97), units.ids[1 + i % array_length(units.ids, 1)], 'living', '[]', false,
    now(), now()
FROM generate_series(1, 100000) AS i, units;

WITH units AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM org_units WHERE code LIKE '33.14.__'
)
INSERT INTO tracked_items (number, kind, year, seq, stage, org_unit_id, reference,
    opened_at, updated_at)
SELECT 'DUK-2026-' || lpad(i::text, 6, '0'), 'DUK', 2026, i, 'received',
    units.ids[1 + i % array_length(units.ids, 1)], '', now(), now()
FROM generate_series(1, 50000) AS i, units;

INSERT INTO status_events (item_id, stage, at, note, public_note)
SELECT id, 'received', opened_at, '', '' FROM tracked_items;

INSERT INTO audit_log (at, actor, action, object_type, object_id, subject_nik, detail)
SELECT now(), 'seed', 'personal.read', 'resident', i::text, lpad(i::text, 16, '0'), '{}'
FROM generate_series(1, 100000) AS i;

ANALYZE residents; ANALYZE tracked_items; ANALYZE status_events; ANALYZE audit_log;
ANALYZE org_units;
"""


@pytest.fixture
def big(app):
    db = app.extensions["pamong"].db
    if db.is_sqlite:
        pytest.skip("query plans are checked on PostgreSQL")
    with db.engine.begin() as conn:
        for statement in SEED.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    return db


def plan(db, statement) -> str:
    with db.engine.connect() as conn:
        compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled)).all()
    return "\n".join(row[0] for row in rows)


def assert_indexed(text_plan: str) -> None:
    assert "Index" in text_plan, text_plan
    for table in BIG_TABLES:
        assert f"Seq Scan on {table}" not in text_plan, text_plan


def test_the_main_queries_use_indexes(big):
    db = big
    system = Actor.system("test")
    with db.transaction() as session:
        kecamatan = session.scalar(select(OrgUnit).where(OrgUnit.code == "33.14.01"))
        desa = session.scalar(select(OrgUnit).where(OrgUnit.code.like("33.14.01.____")))
    statements = {
        "resident by NIK": select(Resident).where(Resident.nik == "0000000000012345"),
        "residents of a kecamatan, by name": identity.search_query(system, within=kecamatan).limit(
            50
        ),
        "residents of a desa": select(Resident)
        .where(Resident.domicile_unit_id == desa.id)
        .limit(50),
        "family by KK number": select(Resident).where(Resident.kk_number == "9999999999990123"),
        "how many files a unit holds": select(func.count())
        .select_from(TrackedItem)
        .where(TrackedItem.org_unit_id == kecamatan.id),
        "a file's steps": select(StatusEvent).where(StatusEvent.item_id == 777),
        "who saw this person's data": select(AuditEntry)
        .where(AuditEntry.subject_nik == "0000000000012345")
        .order_by(AuditEntry.at.desc())
        .limit(50),
        "the newest audit entries": select(AuditEntry).order_by(AuditEntry.at.desc()).limit(50),
    }
    for name, statement in statements.items():
        try:
            assert_indexed(plan(db, statement))
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


def test_the_public_tracker_queries_use_indexes(big):
    assert_indexed(plan(big, _PUBLIC_ITEM.stmt.params(number="DUK-2026-012345")))
    assert_indexed(plan(big, _PUBLIC_STEPS.stmt.params(item_id=12345)))


def test_a_name_search_reads_names_from_the_domicile_index_on_sqlite(app):
    """On SQLite a name search, and the count of its matches, compare names in
    ``ix_residents_domicile_name`` without reading the residents' rows."""
    db = app.extensions["pamong"].db
    if not db.is_sqlite:
        pytest.skip("SQLite's plan; PostgreSQL's are checked above")
    search = identity.search_query(Actor.system("test"), query="sri")
    count = select(func.count()).select_from(search.order_by(None).subquery())
    with db.engine.connect() as conn:
        compiled = count.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        steps = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    assert any("COVERING INDEX ix_residents_domicile_name" in step for step in steps), steps

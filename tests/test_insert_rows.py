"""``insert_rows``: many rows at once (COPY on PostgreSQL), with the columns' defaults."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pamong.audit.models import AuditEntry
from pamong.db import insert_many, insert_rows


@pytest.fixture
def db(app):
    return app.extensions["pamong"].db


def test_rows_keep_their_values_and_get_the_defaults_they_leave_out(db):
    at = datetime(2026, 10, 31, 23, 59, 59, 123456, tzinfo=UTC)
    rows = [
        {
            "at": at,
            "actor": "test",
            "action": f"row.insert_{n}",
            "object_type": "row",
            "object_id": None if n else "tab\\t and ; quote'",
        }
        for n in range(3)
    ]
    with db.transaction() as session:
        insert_rows(session, AuditEntry, rows)
        insert_rows(session, AuditEntry, [])
    with db.transaction() as session:
        found = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("row.insert_%")).order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.object_id, e.at, e.detail) for e in found] == [
            ("row.insert_0", "tab\\t and ; quote'", at, {}),
            ("row.insert_1", None, at, {}),
            ("row.insert_2", None, at, {}),
        ]


def test_insert_many_answers_the_ids_in_the_rows_order(db):
    rows = [
        {"actor": "test", "action": "row.many", "object_type": "row", "object_id": str(n)}
        for n in (3, 1, 2)
    ]
    with db.transaction() as session:
        ids = insert_many(session, AuditEntry, rows, key="object_id")
        by_id = dict(session.execute(select(AuditEntry.id, AuditEntry.object_id)).all())
        assert [by_id[i] for i in ids] == ["3", "1", "2"]
        assert all(e.at.tzinfo is UTC for e in session.scalars(select(AuditEntry)))


def test_postgresql_learns_of_a_bulk_load_into_a_table_it_believed_empty(db):
    """The planner's statistics follow a load that outgrows them (a first bill run)."""
    from sqlalchemy import text

    with db.transaction() as session:
        if session.connection().dialect.name != "postgresql":
            pytest.skip("PostgreSQL's statistics")
        session.execute(text("ANALYZE audit_log"))
        before = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'audit_log'"))
        rows = [
            {"actor": "test", "action": "row.load", "object_type": "row", "object_id": str(n)}
            for n in range(int(max(before, 0)) + 500)
        ]
        insert_rows(session, AuditEntry, rows)
        after = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'audit_log'"))
        assert after >= len(rows)
        insert_rows(session, AuditEntry, rows[:10])  # smaller than what it knows: no new analysis
        assert (
            session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'audit_log'"))
            == after
        )

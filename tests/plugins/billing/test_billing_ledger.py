"""The ledger: every money movement, append-only, hash-chained, verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from pamong_plugins.billing import ledger, services
from pamong_plugins.billing.models import BillingLedgerEntry

pytestmark = pytest.mark.pamong_plugins("billing")


def paid_invoice(cashier, invoice, db, amount=50_000):
    made = invoice(amount)
    with db.transaction() as session:
        services.pay_cash(session, cashier, invoice_number=made.number, amount=amount)
    return made


def test_issuing_and_paying_balance_the_receivable(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    with db.transaction() as session:
        balances = ledger.balances(session)
    assert balances["receivable"] == 0
    assert balances["revenue:4.1.02.01.01.0002"] == -50_000
    assert sum(balances.values()) == 0


def test_an_untouched_ledger_verifies(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    with db.transaction() as session:
        check = ledger.verify(session)
    assert check.ok and check.entries >= 3


def test_the_service_layer_refuses_to_change_an_entry(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    with pytest.raises(ledger.LedgerIsAppendOnly), db.transaction() as session:
        entry = session.get(BillingLedgerEntry, 1)
        entry.amount = 1
        session.flush()


def test_the_service_layer_refuses_bulk_deletes(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    with pytest.raises(ledger.LedgerIsAppendOnly), db.transaction() as session:
        session.execute(delete(BillingLedgerEntry))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_ledger_entries SET amount = 1",
        "DELETE FROM billing_ledger_entries",
    ],
)
def test_the_database_refuses_changes_to_the_ledger(cashier, invoice, db, statement):
    paid_invoice(cashier, invoice, db)
    with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))


def tamper(db, sql):
    """Change the ledger behind the database's back (an attacker with DDL rights)."""
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE billing_ledger_entries DISABLE TRIGGER USER"))
            conn.execute(text(sql))
            conn.execute(text("ALTER TABLE billing_ledger_entries ENABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER billing_ledger_no_update"))
            conn.execute(text("DROP TRIGGER billing_ledger_no_delete"))
            conn.execute(text(sql))


def test_verification_detects_a_changed_amount(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    tamper(db, "UPDATE billing_ledger_entries SET amount = 5000 WHERE seq = 1")
    with db.transaction() as session:
        check = ledger.verify(session)
    assert not check.ok and "entry 1: its content was changed" in check.problems


def test_verification_detects_a_removed_entry(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    paid_invoice(cashier, invoice, db)
    tamper(db, "DELETE FROM billing_ledger_entries WHERE seq = 2")
    with db.transaction() as session:
        check = ledger.verify(session)
    assert not check.ok and any("entry 2 is missing" in p for p in check.problems)


def test_verification_detects_entries_cut_from_the_end(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    with db.transaction() as session:
        last = ledger.verify(session).entries
    tamper(db, f"DELETE FROM billing_ledger_entries WHERE seq = {last}")
    with db.transaction() as session:
        check = ledger.verify(session)
    assert not check.ok and "removed from the end" in check.problems[-1]


def test_bulk_updates_through_the_orm_are_refused(cashier, invoice, db):
    paid_invoice(cashier, invoice, db)
    with pytest.raises(ledger.LedgerIsAppendOnly), db.transaction() as session:
        session.execute(update(BillingLedgerEntry).values(memo="x"))


def test_the_migration_installs_the_append_only_triggers(tmp_path):
    """A database built by `pamong db upgrade` (not create_all) refuses changes too."""
    import os

    from pamong import migrate
    from pamong.app import create_app
    from pamong.config import write_config
    from pamong.testing import _reset_postgres

    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    write_config(tmp_path, region="33.14", plugins=["billing"])
    app = create_app(tmp_path, check_schema=False, **({"database_url": url} if url else {}))
    state = app.extensions["pamong"]
    try:
        migrate.upgrade(state.db, state.host)
        with state.db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO billing_ledger_entries (seq, at, kind, debit, credit, amount, "
                    "account_code, memo, actor, prev_hash, hash) VALUES (1, '2026-01-01 00:00:00', "
                    "'x', 'a', 'b', 1, '', '', '', 'p', 'h')"
                )
            )
        with pytest.raises(DatabaseError, match="append-only"), state.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM billing_ledger_entries"))
    finally:
        state.db.dispose()

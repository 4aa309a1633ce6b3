"""The append-only, hash-chained ledger of every money movement.

Each entry moves ``amount`` from its ``credit`` account to its ``debit``
account (double entry, accounts named like ``receivable``,
``revenue:4.1.02.03.01.0001``, ``cash:session:12``, ``bank:demo``,
``refund_queue``, ``treasury``). Its hash covers its fields and the hash of
the entry before, so changing or removing any entry breaks every hash after
it. Appending updates the one head row first, which serialises appenders:
the chain never forks.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, event, insert, select, update
from sqlalchemy.orm import Session

from pamong.plugin import Actor, insert_rows, utcnow
from pamong_plugins.billing.models import BillingLedgerEntry, BillingLedgerHead

GENESIS = "0" * 64
TABLE = BillingLedgerEntry.__tablename__


class LedgerIsAppendOnly(Exception):
    """Raised when code tries to change or delete a ledger entry."""


def _canonical(
    seq: int,
    at: datetime,
    kind: str,
    debit: str,
    credit: str,
    amount: int,
    invoice_id: int | None,
    payment_id: int | None,
    unit_id: int | None,
    account_code: str,
    memo: str,
    actor: str,
    prev_hash: str,
) -> bytes:
    stamp = at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    fields = (
        seq,
        stamp,
        kind,
        debit,
        credit,
        amount,
        invoice_id if invoice_id is not None else "",
        payment_id if payment_id is not None else "",
        unit_id if unit_id is not None else "",
        account_code,
        memo,
        actor,
        prev_hash,
    )
    return "\x1f".join(str(f) for f in fields).encode()


def entry_hash(entry: BillingLedgerEntry) -> str:
    """The hash an entry must carry, from its own fields and ``prev_hash``."""
    return hashlib.sha256(
        _canonical(
            entry.seq,
            entry.at,
            entry.kind,
            entry.debit,
            entry.credit,
            entry.amount,
            entry.invoice_id,
            entry.payment_id,
            entry.unit_id,
            entry.account_code,
            entry.memo,
            entry.actor,
            entry.prev_hash,
        )
    ).hexdigest()


@dataclass(frozen=True)
class Movement:
    """One entry to append: ``amount`` from ``credit`` to ``debit``."""

    kind: str
    debit: str
    credit: str
    amount: int
    invoice_id: int | None = None
    payment_id: int | None = None
    unit_id: int | None = None
    account_code: str = ""
    memo: str = ""


def _lock_head(session: Session) -> tuple[int, str]:
    """Lock the head row (creating it on first use) and return (last seq, last hash)."""
    row = session.execute(
        update(BillingLedgerHead)
        .where(BillingLedgerHead.id == 1)
        .values(seq=BillingLedgerHead.seq)
        .returning(BillingLedgerHead.seq, BillingLedgerHead.hash)
    ).first()
    if row is not None:
        return int(row[0]), row[1]
    with session.begin_nested():
        session.execute(insert(BillingLedgerHead).values(id=1, seq=0, hash=GENESIS))
    return _lock_head(session)


def append(
    session: Session, actor: Actor, movements: list[Movement], *, at: datetime | None = None
) -> int:
    """Append movements to the chain (in this transaction); zero amounts are skipped.

    Returns how many entries were added. The head row is locked first, so
    concurrent appenders queue up and the chain never forks.
    """
    movements = [m for m in movements if m.amount]
    if not movements:
        return 0
    for m in movements:
        if isinstance(m.amount, bool) or not isinstance(m.amount, int) or m.amount < 0:
            raise ValueError("ledger amounts are whole, positive rupiah")
    seq, prev = _lock_head(session)
    at = at or utcnow()
    who = (actor.username or "")[:60]
    rows = []
    for m in movements:
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "kind": m.kind,
            "debit": m.debit[:60],
            "credit": m.credit[:60],
            "amount": m.amount,
            "invoice_id": m.invoice_id,
            "payment_id": m.payment_id,
            "unit_id": m.unit_id,
            "account_code": m.account_code[:40],
            "memo": m.memo[:200],
            "actor": who,
            "prev_hash": prev,
        }
        row["hash"] = prev = hashlib.sha256(_canonical(**row)).hexdigest()
        rows.append(row)
    insert_rows(session, BillingLedgerEntry, rows)  # no ORM bookkeeping; COPY on PostgreSQL
    session.execute(
        update(BillingLedgerHead).where(BillingLedgerHead.id == 1).values(seq=seq, hash=prev)
    )
    return len(rows)


@dataclass(frozen=True)
class LedgerCheck:
    """The result of :func:`verify`: ``ok``, how many entries, and every problem found."""

    entries: int
    problems: tuple[str, ...]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


_COLUMNS = (
    BillingLedgerEntry.seq,
    BillingLedgerEntry.at,
    BillingLedgerEntry.kind,
    BillingLedgerEntry.debit,
    BillingLedgerEntry.credit,
    BillingLedgerEntry.amount,
    BillingLedgerEntry.invoice_id,
    BillingLedgerEntry.payment_id,
    BillingLedgerEntry.unit_id,
    BillingLedgerEntry.account_code,
    BillingLedgerEntry.memo,
    BillingLedgerEntry.actor,
    BillingLedgerEntry.prev_hash,
    BillingLedgerEntry.hash,
)


def _rows(session: Session, batch: int = 20_000) -> Iterator[Any]:
    """Entries as plain rows in chain order, a batch at a time (no ORM objects: fast)."""
    last = 0
    while True:
        rows = session.execute(
            select(*_COLUMNS)
            .where(BillingLedgerEntry.seq > last)
            .order_by(BillingLedgerEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def verify(session: Session, max_problems: int = 50) -> LedgerCheck:
    """Recompute the whole chain: a changed, removed or inserted entry is reported."""
    started = time.perf_counter()
    problems: list[str] = []
    prev, expected_seq, count = GENESIS, 1, 0
    sha256 = hashlib.sha256
    for row in _rows(session):
        count += 1
        seq, amount, prev_hash, stored = row[0], row[5], row[12], row[13]
        if seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next is {seq})")
        if prev_hash != prev:
            problems.append(f"entry {seq}: does not follow entry {seq - 1}")
        if sha256(_canonical(*row[:13])).hexdigest() != stored:
            problems.append(f"entry {seq}: its content was changed")
        if amount <= 0:
            problems.append(f"entry {seq}: amount {amount} is not positive")
        prev, expected_seq = stored, seq + 1
        if len(problems) >= max_problems:
            break
    head = session.get(BillingLedgerHead, 1)
    if (
        head is not None
        and len(problems) < max_problems
        and (head.seq, head.hash)
        != (
            expected_seq - 1,
            prev,
        )
    ):
        problems.append(
            f"the chain ends at entry {expected_seq - 1} but its head says {head.seq}: "
            "entries were removed from the end"
        )
    return LedgerCheck(count, tuple(problems), time.perf_counter() - started)


def balances(session: Session, prefix: str = "") -> dict[str, int]:
    """Each account's balance (debits minus credits), for accounts starting with ``prefix``."""
    from sqlalchemy import func

    result: dict[str, int] = {}
    for column, sign in ((BillingLedgerEntry.debit, 1), (BillingLedgerEntry.credit, -1)):
        stmt = select(column, func.sum(BillingLedgerEntry.amount)).group_by(column)
        if prefix:
            stmt = stmt.where(column.startswith(prefix, autoescape=True))
        for account, total in session.execute(stmt):
            result[account] = result.get(account, 0) + sign * int(total or 0)
    return result


# --- append-only, enforced twice: by the database and by the ORM ------------------

_PG_FUNCTION = DDL(
    """
CREATE OR REPLACE FUNCTION billing_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'billing_ledger_entries is append-only: add a reversing entry instead'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
)
_PG_TRIGGER = DDL(
    f"CREATE TRIGGER billing_ledger_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION billing_ledger_refuse_change()"
)
_PG_TRUNCATE = DDL(
    f"CREATE TRIGGER billing_ledger_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_refuse_change()"
)
_SQLITE_UPDATE = DDL(
    f"CREATE TRIGGER billing_ledger_no_update BEFORE UPDATE ON {TABLE} BEGIN "
    "SELECT RAISE(ABORT, 'billing_ledger_entries is append-only'); END"
)
_SQLITE_DELETE = DDL(
    f"CREATE TRIGGER billing_ledger_no_delete BEFORE DELETE ON {TABLE} BEGIN "
    "SELECT RAISE(ABORT, 'billing_ledger_entries is append-only'); END"
)

#: The statements the migration runs too, per dialect.
TRIGGERS = {
    "postgresql": [_PG_FUNCTION, _PG_TRIGGER, _PG_TRUNCATE],
    "sqlite": [_SQLITE_UPDATE, _SQLITE_DELETE],
}
DROP_TRIGGERS = {
    "postgresql": ["DROP FUNCTION IF EXISTS billing_ledger_refuse_change() CASCADE"],
    "sqlite": [
        "DROP TRIGGER IF EXISTS billing_ledger_no_update",
        "DROP TRIGGER IF EXISTS billing_ledger_no_delete",
    ],
}


def create_triggers(connection: Any) -> None:
    """Install the append-only triggers on ``connection``'s database (migrations use it)."""
    for statement in TRIGGERS.get(connection.dialect.name, []):
        connection.execute(statement)


for _dialect, _statements in TRIGGERS.items():
    for _statement in _statements:
        event.listen(
            BillingLedgerEntry.__table__,
            "after_create",
            _statement.execute_if(dialect=_dialect),
        )


def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, BillingLedgerEntry) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise LedgerIsAppendOnly(
                "billing ledger entries are never changed or deleted: add a reversing entry"
            )


def _refuse_bulk(state: Any) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and getattr(
        mapper, "class_", None
    ) is BillingLedgerEntry:
        raise LedgerIsAppendOnly(
            "billing ledger entries are never changed or deleted: add a reversing entry"
        )


event.listen(Session, "before_flush", _refuse_changes)
event.listen(Session, "do_orm_execute", _refuse_bulk)

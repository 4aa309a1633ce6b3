"""Database plumbing shared by the core and every plugin.

One declarative :class:`Base` (with a naming convention so that alembic
migrations get stable constraint names), a UTC datetime column type, and
:class:`Database`, which owns the engine and session factory of one app.
Plugins define their models on :class:`Base`; their table names must
start with ``<plugin id>_``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import CodeType, TracebackType
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import DateTime, MetaData, Select, create_engine, event, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.event.base import slots_dispatcher
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _slots_dispatch(self: Any, obj: Any, cls: type[Any]) -> Any:
    """SQLAlchemy's ``slots_dispatcher.__get__``, without its costly miss.

    A mapped attribute keeps its event dispatcher in a slot, made the first
    time its events are used. SQLAlchemy asks ``hasattr(obj,
    "_slots_dispatch")``: the slot is empty, so Python falls back to the
    attribute's ``__getattr__``, which looks through its comparator and
    column, formatting an error message at each level, before saying no.
    That happened some 4,000 times while the models were mapped and
    configured: 5-10% of a full install's app creation. Reading the slot
    gives the same answer (the dispatcher is only used on classes with that
    slot), without the fallback.
    """
    if obj is None:
        return self.dispatch
    try:
        return object.__getattribute__(obj, "_slots_dispatch")
    except AttributeError:
        pass
    dispatch = self.dispatch._for_instance(obj)
    obj._slots_dispatch = dispatch
    return dispatch


_sqlalchemy_slots_dispatch = slots_dispatcher.__get__  # kept for the test comparing both
slots_dispatcher.__get__ = _slots_dispatch  # type: ignore[assignment,method-assign]


class Base(DeclarativeBase):
    """Declarative base of every Pamong table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _evaluate_annotations(cls)
        super().__init_subclass__(**kwargs)


#: Annotations compiled once per process: most models share them (``Mapped[int]``...).
_ANNOTATION_CODE: dict[str, CodeType] = {}


def _evaluate_annotations(cls: type) -> None:
    """Turn a model's string annotations into the objects they name, before SQLAlchemy reads them.

    Model modules use ``from __future__ import annotations``, so every
    ``Mapped[...]`` is a string. SQLAlchemy evaluates each one as it maps
    the class, compiling the string and copying the module's namespace
    every time: a tenth of defining the ~100 models at app creation. Here
    each string is compiled once per process and evaluated in one
    namespace per class, the one SQLAlchemy uses (the class's attributes,
    then the module's names over them). An annotation naming what is not
    defined yet (a relationship to a model further down the module) stays
    a string, for SQLAlchemy to resolve as before.
    """
    # The class's own dict, changed in place (inspect.get_annotations returns a copy).
    annotations = cls.__dict__.get("__annotations__")  # noqa: RUF063
    module = sys.modules.get(cls.__module__)
    if not annotations or module is None:
        return
    namespace: dict[str, Any] | None = None
    for name, annotation in annotations.items():
        if type(annotation) is not str:
            continue
        code = _ANNOTATION_CODE.get(annotation)
        if code is None:
            try:
                code = compile(annotation, "<annotation>", "eval")
            except SyntaxError:
                continue
            _ANNOTATION_CODE[annotation] = code
        if namespace is None:
            namespace = {**cls.__dict__, cls.__name__: cls, **vars(module)}
        try:
            annotations[name] = eval(code, namespace)
        except Exception:
            continue  # not defined yet: SQLAlchemy resolves it later


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware (UTC).

    SQLite has no time zones; storing naive UTC everywhere keeps both
    databases comparing the same way.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def utcnow() -> datetime:
    """The current time, aware, in UTC: what every stored timestamp is."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MB of page cache: a regency's registry (~1M residents) keeps its
    # indexes in memory instead of re-reading pages on every insert.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


#: Execution option of the engine behind read sessions (:meth:`Database.read_session`).
READ_MOSTLY = "pamong_read_mostly"
#: ``connection.info`` key: a read session's transaction that has not written yet.
_NOT_YET_WRITING = "pamong_not_yet_writing"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL mode, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy emit BEGIN so that writes are serialised properly.
        event.listen(engine, "connect", _disable_pysqlite_transactions)
        event.listen(engine, "begin", _begin_immediate)
        event.listen(engine, "before_cursor_execute", _write_begins_immediate)
        event.listen(engine, "commit", _transaction_over)
        event.listen(engine, "rollback", _transaction_over)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _disable_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Any) -> None:
    # A deferred transaction that later writes can fail with "database is
    # locked" without waiting; BEGIN IMMEDIATE waits on busy_timeout instead.
    if conn.get_execution_options().get(READ_MOSTLY):
        # A read session: its SELECTs run in SQLite's autocommit mode (each one
        # a consistent snapshot, as PostgreSQL's READ COMMITTED gives), so
        # readers never queue for the write lock. Its first write opens the
        # BEGIN IMMEDIATE transaction (below), which holds the rest.
        conn.info[_NOT_YET_WRITING] = True
        return
    conn.info.pop(_NOT_YET_WRITING, None)
    conn.exec_driver_sql("BEGIN IMMEDIATE")


_READ_STATEMENTS = ("SELECT", "PRAGMA")


def _write_begins_immediate(
    conn: Any, cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    # The statement first: most are reads, and ``conn.info`` is several lookups away.
    if not statement.lstrip()[:6].upper().startswith(_READ_STATEMENTS) and conn.info.get(
        _NOT_YET_WRITING
    ):
        conn.info[_NOT_YET_WRITING] = False
        cursor.execute("BEGIN IMMEDIATE")


def _transaction_over(conn: Any) -> None:
    conn.info.pop(_NOT_YET_WRITING, None)


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = self.engine.execution_options(**{READ_MOSTLY: True})
        self._kept = threading.local()  # each thread's hot connection (SQLite)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return self.sessionmaker()

    def read_session(self) -> Session:
        """A session for a request that mostly reads (GET, HEAD).

        On PostgreSQL the same as :meth:`session`. On SQLite its reads take
        no lock and its first write (an audit entry, say) begins the
        ``BEGIN IMMEDIATE`` transaction that every write runs in; reads made
        before that write are not part of it, so check-then-write logic
        that must be serialised belongs in a POST (a normal session).
        """
        if not self.is_sqlite:
            return self.sessionmaker()
        return self.sessionmaker(bind=self._read_engine)

    def read_connection(self) -> Connection:
        """A Core connection for queries that need no ORM session (a public lookup).

        Cheaper than a session; on SQLite its reads take no lock, like
        :meth:`read_session`'s. Close it (``with db.read_connection() as conn``).
        """
        return (self._read_engine if self.is_sqlite else self.engine).connect()

    def hot_connection(self) -> _HotConnection:
        """A connection for :class:`HotQuery` reads on the busiest public endpoints.

        On SQLite each thread keeps one open between requests, as a bare
        Flask + ``sqlite3`` app keeps its connection: taking one from the
        pool and handing it back (with its reset) cost more than the public
        tracker's two queries. Its reads run in SQLite's autocommit mode, as
        :meth:`read_connection`'s do, so nothing stays open between them; it
        is made again after a fork or a database error. Only for
        :class:`HotQuery` reads: never ``conn.execute`` on it (that would
        begin a transaction nobody ends). On PostgreSQL it is
        :meth:`read_connection`: a connection kept there would hold its
        transaction between requests and skip the pool's check of a
        connection the server dropped. ``with db.hot_connection() as conn``.
        """
        return _HotConnection(self)

    def _kept_connection(self) -> Connection:
        kept = self._kept
        conn = getattr(kept, "conn", None)
        if conn is None or conn.closed or kept.pid != os.getpid():
            conn = kept.conn = self._read_engine.connect()
            kept.pid = os.getpid()
        return conn

    def _drop_kept_connection(self) -> None:
        conn, self._kept.conn = getattr(self._kept, "conn", None), None
        if conn is not None and getattr(self._kept, "pid", None) == os.getpid():
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def analyze(self) -> None:
        """Refresh the query planner's statistics; run after a bulk load.

        SQLite keeps none until ``ANALYZE`` runs: without them it reads a
        kecamatan operator's resident search by scanning the whole registry
        instead of the operator's villages first. PostgreSQL's autovacuum
        would get there later; now is better after an import.
        """
        with self.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    def dispose(self) -> None:
        self._drop_kept_connection()
        self.engine.dispose()


class _HotConnection:
    """``with db.hot_connection() as conn``: see :meth:`Database.hot_connection`."""

    __slots__ = ("conn", "db")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        if not self.db.is_sqlite:
            self.conn = self.db.read_connection()
        else:
            self.conn = self.db._kept_connection()
        return self.conn

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        conn = self.conn
        if conn is None:
            return
        if not self.db.is_sqlite:
            conn.close()
        elif isinstance(exc, (DBAPIError, self.db.engine.dialect.loaded_dbapi.Error)):
            self.db._drop_kept_connection()  # a database error: start afresh next time


class HotQuery:
    """A Core ``SELECT`` for the hottest requests, run straight on the driver's cursor.

    ``conn.execute(stmt)`` spends 50-80 µs of Python per statement in
    SQLAlchemy's execution machinery (context, result metadata) around a
    query that SQLite answers in 10-20 µs: most of a public tracker
    request's database time. A ``HotQuery`` compiles its statement
    once per dialect and then sends the SQL to the DBAPI cursor of the
    given connection, so it runs in that connection's transaction. Results
    go through the columns' own result processors (SQLite's dates, JSON,
    :class:`UTCDateTime`), so the values are those ``conn.execute`` gives;
    rows are named tuples. The engine's ``before_cursor_execute`` listeners
    still see each statement (query counters, SQLite's write-lock guard).

    For read-only statements whose parameters need no bind processing
    (strings, integers): anything else is refused when first prepared.
    """

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt
        self._prepared: dict[str, tuple[str, tuple[str, ...] | None, Any, list[Any]]] = {}

    def _prepare(self, dialect: Any) -> tuple[str, tuple[str, ...] | None, Any, list[Any]]:
        compiled = self.stmt.compile(dialect=dialect)
        for name, bind in compiled.binds.items():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise ValueError(f"HotQuery parameter {name!r} needs bind processing")
        names = tuple(compiled.positiontup or ()) if dialect.positional else None
        columns = list(self.stmt.selected_columns)
        row_type = namedtuple("HotRow", [c.key for c in columns], rename=True)  # type: ignore[misc]
        processors = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
        ]
        return str(compiled), names, row_type, processors

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """The statement's rows on ``conn`` (a Core connection), ``params`` bound by name."""
        dialect = conn.dialect
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            prepared = self._prepared[dialect.name] = self._prepare(dialect)
        sql, names, row_type, processors = prepared
        bound = tuple(params[name] for name in names) if names is not None else params
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            # Called without asking first whether anyone listens: asking walked
            # SQLAlchemy's joined listener collections, and SQLite always has one.
            conn.dispatch.before_cursor_execute(conn, cursor, sql, bound, None, False)
            cursor.execute(sql, bound)
            found = cursor.fetchall()
        finally:
            cursor.close()
        if processors:
            found = [list(row) for row in found]
            for row in found:
                for index, processor in processors:
                    row[index] = processor(row[index])
        return [row_type._make(row) for row in found]

    def first(self, conn: Connection, params: dict[str, Any]) -> Any:
        """The first row, or None."""
        found = self.rows(conn, params)
        return found[0] if found else None


def get_db() -> Database:
    """The :class:`Database` of the current Flask app."""
    return current_app.extensions["pamong"].db


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown.

    GET and HEAD requests get a :meth:`~Database.read_session`.
    """
    if "pamong_session" not in g:
        db = get_db()
        reading = has_request_context() and request.method in _READ_METHODS
        g.pamong_session = db.read_session() if reading else db.session()
    return g.pamong_session


def read_mostly_session() -> Session:
    """The request's session as a :meth:`~Database.read_session`, even on a POST.

    For a POST whose slow part reads and needs no serialising with its
    writes: a login checks its password (argon2, about 0.1 s of CPU) before
    it writes the session row, and on SQLite must not hold the one write
    lock meanwhile, or a morning's logins queue behind each other and every
    other writer behind them. Call it before anything else opens the
    request's session; after, it returns that session as it is.
    """
    if "pamong_session" not in g:
        g.pamong_session = get_db().read_session()
    return g.pamong_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("pamong_session", None)
    if session is not None:
        session.close()


def paginate(
    session: Session, stmt: Select[Any], page: int, per_page: int
) -> tuple[list[Any], int]:
    """One page of ``stmt``'s rows (pages count from 1) and the total number of rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return rows, total


def insert_many(
    session: Session, model: type[Base], rows: list[dict[str, Any]], *, key: str
) -> list[int]:
    """Insert ``rows`` in one executemany; their ids in the rows' order, found by ``key``.

    ``key`` names a unique column every row carries (a receipt or invoice
    number). An ``INSERT ... RETURNING`` of many rows that must keep their
    order is sent one row per statement on SQLite, which made a monthly bill
    run of 100,000 invoices spend most of its time on statements; reading the
    ids back by their unique key afterwards is two round trips per 500 rows
    on every database.
    """
    if not rows:
        return []
    table = model.__table__
    insert_rows(session, table, rows)
    column = table.c[key]
    keys = [row[key] for row in rows]
    ids: dict[Any, int] = {}
    for start in range(0, len(keys), 500):
        found = session.execute(
            select(column, table.c.id).where(column.in_(keys[start : start + 500]))
        )
        ids.update((row[0], row[1]) for row in found)
    return [ids[k] for k in keys]


#: Writes of at least this many rows are bulk loads, after which PostgreSQL's
#: statistics are checked; a cashier's few ledger rows never pay for it.
BULK_ROWS = 500


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of column values) into ``table`` (a Table or a model), fast.

    SQLite: one executemany. PostgreSQL: one ``COPY ... FROM STDIN``, which
    is several times faster than an executemany of one statement per row.
    Columns a row leaves out get their Python-side defaults (a value or a
    function of no arguments) or the database's; the rows need the same keys.
    """
    if not rows:
        return
    table = getattr(table, "__table__", table)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    given = list(rows[0])
    columns = [table.c[name] for name in given]
    defaults = [
        column
        for column in table.c
        if column.name not in rows[0]
        and column.default is not None
        and (column.default.is_scalar or column.default.is_callable)
    ]
    processors = [
        column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        for column in (*columns, *defaults)
    ]
    names = ", ".join(f'"{column.name}"' for column in (*columns, *defaults))
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in given]
            for column in defaults:
                default = column.default
                values.append(default.arg if default.is_scalar else default.arg(None))
            copy.write_row(
                [
                    value if proc is None else proc(value)
                    for proc, value in zip(processors, values, strict=True)
                ]
            )
    if len(rows) >= BULK_ROWS:
        _plan_with_what_was_written(cursor, table.name, len(rows))


def _plan_with_what_was_written(cursor: Any, table_name: str, written: int) -> None:
    """Analyse ``table_name`` when PostgreSQL believes it holds fewer rows than were just written.

    The planner goes by the table's statistics: a table it believes empty
    (new, or analysed before its first rows) is scanned whole where an index
    would serve, and autovacuum comes round only later. A first bill run on a
    new database checked each batch's invoices that way, at a fifth of its
    later speed. One catalogue look-up per bulk write (:data:`BULK_ROWS`);
    ``ANALYZE`` samples, so it costs milliseconds, and runs again only when a
    write outgrows the table.
    """
    quoted = '"' + table_name.replace('"', '""') + '"'
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (quoted,))
    believed = cursor.fetchone()[0]
    if believed < written:
        cursor.execute(f"ANALYZE {quoted}")

"""Test helpers for plugin authors, part of the public plugin API.

The fixtures (``app``, ``client``, ``db_session``, ``login_as``,
``make_user``, ``bearer``, ``make_org_unit``, ``make_resident``,
``enable_plugins``, ``check_migrations`` and the ``pamong_plugins`` marker) arrive by
themselves through Pamong's pytest plugin; import the helpers below::

    from pamong.plugin.testing import check_migrations, check_plugin_imports
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pamong.contracts import plugin_import_violations
from pamong.testing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TEST_PASSWORD,
    TEST_REGION,
    build_app,
    live_server,
    migration_drift,
    needs_chromium,
    submit,
)


def check_plugin_imports(package: str) -> None:
    """Fail (AssertionError) when ``package`` imports Pamong outside the public plugin API."""
    problems = plugin_import_violations(package)
    assert not problems, "import contract broken:\n" + "\n".join(problems)


def check_migrations(app: Any, plugin_id: str) -> None:
    """Fail (AssertionError) unless the plugin's migrations replay and match its models.

    On ``app``'s database: downgrade the plugin to base (its tables go, the
    core's stay), upgrade everything to head (its tables come back), then
    compare its models with the schema the migrations built; a difference
    means a missing revision (write one with ``pamong db revision``).
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    from pamong import migrate
    from pamong.db import Base
    from pamong.plugins import tables_of

    state = app.extensions["pamong"]
    owned = set(tables_of(plugin_id))
    assert owned, f"plugin {plugin_id!r} is not enabled in this app or has no tables"
    migrate.downgrade(state.db, state.host, plugin_id, "base")
    with state.db.engine.connect() as conn:
        left = owned & set(inspect(conn).get_table_names())
    assert not left, f"downgrade to base left these tables: {sorted(left)}"
    migrate.upgrade(state.db, state.host)
    with state.db.engine.connect() as conn:
        missing = owned - set(inspect(conn).get_table_names())
        assert not missing, f"upgrade to head did not create: {sorted(missing)}"
        context = MigrationContext.configure(
            conn,
            opts={"include_object": migrate.include_object_for(plugin_id), "compare_type": True},
        )
        drift = compare_metadata(context, Base.metadata)
    assert not drift, f"the models differ from the migrations (write a revision): {drift}"


def run_cli(app: Any, *args: str, input: str | None = None) -> Any:
    """Run ``pamong <args>`` on ``app``'s instance and database; a click ``Result``.

    ``result.exit_code`` and ``result.output`` are what an operator would see.
    """
    from click.testing import CliRunner

    from pamong.cli import main

    url = app.extensions["pamong"].settings.database_url
    runner = CliRunner(env={"PAMONG_DATABASE_URL": url})
    return runner.invoke(main, ["--instance", app.instance_path, *args], input=input)


@contextmanager
def record_hook_calls(session: Any) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Record what services announce through ``hook_relay(session)``; hooks still run.

    Yields a list that fills with ``(hook name, keyword arguments)``::

        with record_hook_calls(db_session) as calls:
            services.request_letter(db_session, clerk, ...)
        fees = [kw["fee"] for name, kw in calls if name == "pamong_on_fee_due"]
    """
    from pamong.hookrelay import SESSION_KEY, hooks_of

    calls: list[tuple[str, dict[str, Any]]] = []
    relay = hooks_of(session)
    had_relay = SESSION_KEY in session.info
    session.info[SESSION_KEY] = _Recorder(relay, calls)
    try:
        yield calls
    finally:
        if had_relay:
            session.info[SESSION_KEY] = relay
        else:
            session.info.pop(SESSION_KEY, None)


_NOT_QUERIES = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@contextmanager
def count_queries(app: Any) -> Iterator[list[str]]:
    """Collect the SQL statements sent to ``app``'s database inside the block.

    Yields a list that fills with each statement's SQL; transaction control
    (``BEGIN``, ``COMMIT``, savepoints) is left out. An N+1 guard::

        with count_queries(app) as queries:
            client.get("/licensing/applications")
        assert len(queries) <= 8, queries
    """
    from sqlalchemy import event

    engine = app.extensions["pamong"].db.engine
    statements: list[str] = []

    def collect(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(_NOT_QUERIES):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", collect)


class _Recorder:
    def __init__(self, relay: Any, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self._relay, self._calls = relay, calls

    def __getattr__(self, name: str) -> Any:
        hook = getattr(self._relay, name)

        def call(**kwargs: Any) -> Any:
            self._calls.append((name, kwargs))
            return hook(**kwargs)

        return call


__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "TEST_PASSWORD",
    "TEST_REGION",
    "build_app",
    "check_migrations",
    "check_plugin_imports",
    "count_queries",
    "live_server",
    "migration_drift",
    "needs_chromium",
    "record_hook_calls",
    "run_cli",
    "submit",
]

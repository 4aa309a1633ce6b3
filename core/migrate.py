"""Schema migrations: one alembic lineage per component, one shared env.

The core's version table is ``alembic_version``; a plugin's is
``alembic_version_<id>``, so enabling, disabling or removing a plugin never
leaves a revision another component cannot resolve. ``upgrade`` runs the
core first, then plugins in dependency order, in one transaction: a
migration that fails rolls everything back and is reported as one
:class:`MigrationError` naming the component and the revision.

The app refuses to start on a schema that is not at every enabled
component's head (:func:`check_schema`); ``pamong db`` and ``pamong init``
build their app without that check.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from pamong.db import Base, Database
from pamong.plugins import CORE_ID, TABLE_OWNERS, PluginHost, StartupError, tables_of

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (0.1 s to import) is imported where a migration runs or a lineage is
# walked: the start-up check of a current schema needs neither (_at_heads).

ENV_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Component:
    id: str
    versions_dir: Path

    @property
    def version_table(self) -> str:
        return "alembic_version" if self.id == CORE_ID else f"alembic_version_{self.id}"


@dataclass(frozen=True)
class ComponentStatus:
    id: str
    current: str | None
    head: str | None

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def include_object_for(component: str) -> Callable[..., bool]:
    """Keep only the tables (and their indexes) that belong to ``component``."""

    def owner(name: str) -> str:
        if name in TABLE_OWNERS:
            return TABLE_OWNERS[name]
        prefix = name.split("_", 1)[0]
        return prefix if prefix in set(TABLE_OWNERS.values()) else CORE_ID

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            if name is not None and name.startswith("alembic_version"):
                return False
            return owner(name or "") == component
        table = getattr(obj, "table", None)
        return table is None or owner(table.name) == component

    return include


def components(host: PluginHost) -> list[Component]:
    found = [Component(CORE_ID, ENV_DIR / "versions")]
    for pid, plugin in host.plugins.items():
        if plugin.migrations_dir is not None:
            found.append(Component(pid, plugin.migrations_dir))
    return found


def _config(component: Component, connection: Connection | None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(component.versions_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["component"] = component.id
    cfg.attributes["connection"] = connection
    cfg.attributes["version_table"] = component.version_table
    return cfg


def head(component: Component) -> str | None:
    return _revisions(component.versions_dir, _fingerprint(component.versions_dir))[0]


def known_revisions(component: Component) -> frozenset[str]:
    return _revisions(component.versions_dir, _fingerprint(component.versions_dir))[1]


def _fingerprint(versions_dir: Path) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in versions_dir.glob("*.py")))


@functools.lru_cache(maxsize=64)
def _revisions(
    versions_dir: Path, _fingerprint: tuple[tuple[str, int], ...]
) -> tuple[str | None, frozenset[str]]:
    # Reading a lineage imports every revision file: do it once per
    # process and folder content, since apps are built often (tests, CLI).
    from alembic.script import ScriptDirectory

    cfg = _config(Component("", versions_dir), None)
    script = ScriptDirectory.from_config(cfg)
    return script.get_current_head(), frozenset(rev.revision for rev in script.walk_revisions())


def current(connection: Connection, component: Component) -> str | None:
    return current_of(connection, component.version_table)


def current_of(connection: Connection, version_table: str) -> str | None:
    """The revision recorded in ``version_table`` (None: no such table or row)."""
    from alembic.runtime.migration import MigrationContext

    ctx = MigrationContext.configure(connection, opts={"version_table": version_table})
    return ctx.get_current_revision()


def status(db: Database, host: PluginHost) -> list[ComponentStatus]:
    with db.engine.connect() as conn:
        return [ComponentStatus(c.id, current(conn, c), head(c)) for c in components(host)]


def upgrade(db: Database, host: PluginHost, revision: str = "heads") -> list[ComponentStatus]:
    """Bring every component to its head: core first, then plugins, one transaction."""
    from alembic import command

    with db.engine.begin() as conn:
        for component in components(host):
            with _named_failure(component, "upgrade"):
                command.upgrade(_config(component, conn), revision)
    return status(db, host)


def downgrade(db: Database, host: PluginHost, component_id: str, revision: str) -> None:
    """Take one component down to ``revision`` (``base``, ``-1`` or an id)."""
    from alembic import command

    found = {c.id: c for c in components(host)}
    component = found.get(component_id)
    if component is None:
        raise ValueError(
            f"unknown component {component_id!r} (with migrations: {', '.join(found)})"
        )
    with db.engine.begin() as conn, _named_failure(component, "downgrade"):
        command.downgrade(_config(component, conn), revision)


class MigrationError(Exception):
    """A component's migration failed; the message is one paragraph, no traceback."""

    def __init__(self, component: str, revision: str | None, action: str, cause: str) -> None:
        self.component = component
        self.revision = revision
        who = "the core" if component == CORE_ID else f"plugin {component!r}"
        where = f" in revision {revision!r}" if revision else ""
        super().__init__(
            f"The {action} of {who} failed{where}: {cause}. The whole {action} was "
            "rolled back, so the database is as it was before. Fix that migration "
            f"(or disable the plugin) and run `pamong db {action}` again."
        )


@contextmanager
def _named_failure(component: Component, action: str) -> Iterator[None]:
    """Turn any exception of a migration run into a :class:`MigrationError`."""
    try:
        yield
    except MigrationError:
        raise
    except Exception as exc:
        revision = _failing_revision(exc.__traceback__, component)
        raise MigrationError(component.id, revision, action, _cause(exc)) from exc


def _failing_revision(tb: TracebackType | None, component: Component) -> str | None:
    revision = None
    folder = str(component.versions_dir)
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename.startswith(folder):
            revision = frame.f_globals.get("revision") or revision
        tb = tb.tb_next
    return revision


def _cause(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0]}" if lines else type(original).__name__


class SchemaNotCurrent(StartupError):
    """The database is not at every enabled component's head: refuse to serve."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        self.args = (
            "The database schema does not match this version of Pamong and its plugins; "
            f"run `pamong db upgrade`, then start again:\n{lines}",
        )


#: A revision file's plain ``revision = "…"`` and ``down_revision = "…"`` (or None) lines.
_REVISION_LINE = re.compile(r'^(revision|down_revision) = (?:"([^"]+)"|None)\s*$', re.M)


@functools.lru_cache(maxsize=64)
def _declared_head(versions_dir: Path, _fingerprint: tuple[tuple[str, int], ...]) -> str | None:
    """The lineage's single head, read from its files' text without running them.

    None when a file does not declare its place in the plain form (a merge,
    a branch) or the lineage has no single head: :func:`head` then decides.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions_dir.glob("*.py"):
        found = dict(
            (name, value or None) for name, value in _REVISION_LINE.findall(path.read_text())
        )
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"])  # type: ignore[arg-type]
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_heads(db: Database, host: PluginHost) -> bool:
    """True when every component's version table holds just its head (the usual start).

    Cheap: one query per component and the revision files read as text, no
    Alembic. Anything unusual (False) goes the full way, which names the problem.
    """
    try:
        with db.engine.connect() as conn:
            for component in components(host):
                wanted = _declared_head(
                    component.versions_dir, _fingerprint(component.versions_dir)
                )
                rows = conn.execute(
                    text(f"SELECT version_num FROM {component.version_table}")
                ).all()
                if wanted is None or [tuple(row) for row in rows] != [(wanted,)]:
                    return False
    except SQLAlchemyError:
        return False  # no version table yet, say
    return True


def schema_problems(db: Database, host: PluginHost) -> list[str]:
    """What is not at its head, one line per component (empty when all are)."""
    if _at_heads(db, host):
        return []
    problems = []
    for row in status(db, host):
        if row.up_to_date:
            continue
        who = "the core" if row.id == CORE_ID else f"plugin {row.id!r}"
        if row.current is None:
            problems.append(f"{who} has no schema yet (its newest migration is {row.head})")
        elif row.current in known_revisions(_component(host, row.id)):
            problems.append(
                f"{who} is at revision {row.current}, its newest migration is {row.head}"
            )
        else:
            problems.append(
                f"{who} is at revision {row.current}, which this code does not know "
                "(was the database upgraded by a newer version?)"
            )
    return problems


def check_schema(db: Database, host: PluginHost) -> None:
    """Raise :class:`SchemaNotCurrent` unless every component is at its head."""
    problems = schema_problems(db, host)
    if problems:
        raise SchemaNotCurrent(problems)


def _component(host: PluginHost, component_id: str) -> Component:
    return next(c for c in components(host) if c.id == component_id)


def is_fresh(db: Database) -> bool:
    """True when the database has no Pamong tables yet."""
    with db.engine.connect() as conn:
        return not inspect(conn).has_table("alembic_version")


def create_schema(db: Database, host: PluginHost) -> None:
    """Create every enabled component's tables and stamp them at their heads.

    Faster than replaying every migration on a fresh database; the
    migration tests prove both paths give the same schema.
    """
    from alembic import command

    enabled = [CORE_ID, *host.plugins]
    tables = [Base.metadata.tables[name] for cid in enabled for name in tables_of(cid)]
    with db.engine.begin() as conn:
        Base.metadata.create_all(conn, tables=tables)
        for component in components(host):
            command.stamp(_config(component, conn), "heads")


def next_revision_id(component_id: str, current_head: str | None) -> str:
    """``<id>_0001``, ``<id>_0002``…: the revision after ``current_head`` in a lineage."""
    prefix = f"{component_id}_"
    number = 0
    if current_head and current_head.startswith(prefix) and current_head[len(prefix) :].isdigit():
        number = int(current_head[len(prefix) :])
    return f"{prefix}{number + 1:04d}"


def new_revision(
    host: PluginHost, db: Database, component_id: str, message: str, rev_id: str | None = None
) -> Path:
    """Autogenerate a revision for one component (a developer tool); returns its file.

    The database must be at the component's head: the revision holds the
    difference between the models and that schema.
    """
    from alembic import command

    for component in components(host):
        if component.id == component_id:
            with db.engine.begin() as conn:
                script = command.revision(
                    _config(component, conn),
                    message=message,
                    autogenerate=True,
                    version_path=str(component.versions_dir),
                    rev_id=rev_id or next_revision_id(component.id, head(component)),
                )
            assert script is not None and not isinstance(script, list)
            return Path(script.path)
    raise ValueError(f"unknown component {component_id!r} (or it has no migrations folder)")

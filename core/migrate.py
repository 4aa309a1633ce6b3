"""Schema migrations: one alembic lineage per component, one shared env.

The core's version table is ``alembic_version``; a plugin's is
``alembic_version_<id>``, so enabling, disabling or removing a plugin never
leaves a revision another component cannot resolve. ``upgrade`` runs the
core first, then plugins in dependency order, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from pamong.db import Base, Database
from pamong.plugins import CORE_ID, TABLE_OWNERS, PluginHost, tables_of

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
    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(component.versions_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["component"] = component.id
    cfg.attributes["connection"] = connection
    cfg.attributes["version_table"] = component.version_table
    return cfg


def head(component: Component) -> str | None:
    return ScriptDirectory.from_config(_config(component, None)).get_current_head()


def current(connection: Connection, component: Component) -> str | None:
    ctx = MigrationContext.configure(connection, opts={"version_table": component.version_table})
    return ctx.get_current_revision()


def status(db: Database, host: PluginHost) -> list[ComponentStatus]:
    with db.engine.connect() as conn:
        return [ComponentStatus(c.id, current(conn, c), head(c)) for c in components(host)]


def upgrade(db: Database, host: PluginHost, revision: str = "heads") -> list[ComponentStatus]:
    """Bring every component to its head: core first, then plugins, one transaction."""
    with db.engine.begin() as conn:
        for component in components(host):
            command.upgrade(_config(component, conn), revision)
    return status(db, host)


def downgrade(db: Database, host: PluginHost, component_id: str, revision: str) -> None:
    with db.engine.begin() as conn:
        for component in components(host):
            if component.id == component_id:
                command.downgrade(_config(component, conn), revision)


def is_fresh(db: Database) -> bool:
    """True when the database has no Pamong tables yet."""
    with db.engine.connect() as conn:
        return not inspect(conn).has_table("alembic_version")


def create_schema(db: Database, host: PluginHost) -> None:
    """Create every enabled component's tables and stamp them at their heads.

    Faster than replaying every migration on a fresh database; the
    migration tests prove both paths give the same schema.
    """
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

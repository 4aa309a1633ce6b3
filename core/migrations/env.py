"""Alembic env: one per run, told its component and connection by pamong.migrate."""

from __future__ import annotations

from alembic import context

from pamong.db import Base, UTCDateTime
from pamong.migrate import include_object_for

config = context.config
component: str = config.attributes["component"]
connection = config.attributes["connection"]


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Plugins' migrations name Pamong's column types through the public plugin API."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        module = "pamong.db" if component == "core" else "pamong.plugin"
        autogen_context.imports.add(f"import {module}")  # type: ignore[attr-defined]
        return f"{module}.UTCDateTime()"
    return False


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=config.attributes["version_table"],
    include_object=include_object_for(component),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()

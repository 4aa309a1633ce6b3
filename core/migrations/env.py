"""Alembic env: one per run, told its component and connection by pamong.migrate."""

from __future__ import annotations

from alembic import context

from pamong.db import Base
from pamong.migrate import include_object_for

config = context.config
component: str = config.attributes["component"]
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=config.attributes["version_table"],
    include_object=include_object_for(component),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

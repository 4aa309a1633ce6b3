"""The one alembic environment shared by the core and every plugin."""

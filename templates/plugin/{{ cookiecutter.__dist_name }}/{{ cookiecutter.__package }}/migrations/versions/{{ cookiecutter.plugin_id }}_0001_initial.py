"""{{ cookiecutter.plugin_id }}: first tables

Revision ID: {{ cookiecutter.plugin_id }}_0001
Revises:
Create Date: 2026-12-01 00:00:00

The next revision: change models.py, then run ``pamong db revision`` on a
development instance where the plugin is enabled and upgraded (see
README.md). Read the file it writes before committing it.
"""

import sqlalchemy as sa
from alembic import op

from pamong.plugin import UTCDateTime

revision = "{{ cookiecutter.plugin_id }}_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "{{ cookiecutter.plugin_id }}_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_{{ cookiecutter.plugin_id }}_entries_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_{{ cookiecutter.plugin_id }}_entries")),
    )
    op.create_index(
        op.f("ix_{{ cookiecutter.plugin_id }}_entries_org_unit_id"),
        "{{ cookiecutter.plugin_id }}_entries",
        ["org_unit_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_{{ cookiecutter.plugin_id }}_entries_org_unit_id"),
        table_name="{{ cookiecutter.plugin_id }}_entries",
    )
    op.drop_table("{{ cookiecutter.plugin_id }}_entries")

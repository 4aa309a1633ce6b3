"""{{ cookiecutter.plugin_id }}: first tables

Revision ID: {{ cookiecutter.plugin_id }}_0001
Revises:
Create Date: 2026-01-01 00:00:00

Generate later revisions with ``pamong.migrate.new_revision`` (see Pamong's
plugin guide) and read them before committing.
"""

import sqlalchemy as sa
from alembic import op

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
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_{{ cookiecutter.plugin_id }}_entries_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_{{ cookiecutter.plugin_id }}_entries")),
    )


def downgrade() -> None:
    op.drop_table("{{ cookiecutter.plugin_id }}_entries")

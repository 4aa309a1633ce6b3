"""life events: births, deaths and moves of residents, dated, per desa

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-12-01 06:30:00
"""

import sqlalchemy as sa
from alembic import op

import pamong.db

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "life_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("other_unit_id", sa.Integer(), nullable=True),
        sa.Column("other_place", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", pamong.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('birth', 'death', 'move_in', 'move_out')", name=op.f("ck_life_events_kind")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_life_events_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_life_events_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["other_unit_id"],
            ["org_units.id"],
            name=op.f("fk_life_events_other_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_life_events_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_events")),
    )
    with op.batch_alter_table("life_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_life_events_resident_id"), ["resident_id"])
        batch_op.create_index("ix_life_events_unit_day", ["org_unit_id", "day"])


def downgrade() -> None:
    op.drop_table("life_events")

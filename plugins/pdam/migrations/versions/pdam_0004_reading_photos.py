"""meter photos of readings

Revision ID: pdam_0004
Revises: pdam_0003
Create Date: 2026-12-01 13:40:00
"""

import sqlalchemy as sa
from alembic import op

import pamong.plugin

revision = "pdam_0004"
down_revision = "pdam_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pdam_reading_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", pamong.plugin.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reading_id"],
            ["pdam_readings.id"],
            name=op.f("fk_pdam_reading_photos_reading_id_pdam_readings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_pdam_reading_photos_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdam_reading_photos")),
        sa.UniqueConstraint("reading_id", name=op.f("uq_pdam_reading_photos_reading_id")),
    )


def downgrade() -> None:
    op.drop_table("pdam_reading_photos")

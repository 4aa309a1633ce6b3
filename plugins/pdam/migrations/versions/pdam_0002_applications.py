"""new-connection applications

Revision ID: pdam_0002
Revises: pdam_0001
Create Date: 2026-12-01 13:20:00
"""

import sqlalchemy as sa
from alembic import op

import pamong.plugin

revision = "pdam_0002"
down_revision = "pdam_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pdam_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_nik", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("desa_id", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(length=10), nullable=False),
        sa.Column("meter_size", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("survey_note", sa.String(length=300), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("estimate", sa.BigInteger(), nullable=False),
        sa.Column("fee_invoice", sa.String(length=20), nullable=False),
        sa.Column("meter_serial", sa.String(length=30), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.String(length=300), nullable=False),
        sa.Column("applied_at", pamong.plugin.UTCDateTime(), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("surveyed_at", pamong.plugin.UTCDateTime(), nullable=True),
        sa.Column("estimated_at", pamong.plugin.UTCDateTime(), nullable=True),
        sa.Column("paid_at", pamong.plugin.UTCDateTime(), nullable=True),
        sa.Column("installed_at", pamong.plugin.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applied_by_id"],
            ["users.id"],
            name=op.f("fk_pdam_applications_applied_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["pdam_connections.id"],
            name=op.f("fk_pdam_applications_connection_id_pdam_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["desa_id"], ["org_units.id"], name=op.f("fk_pdam_applications_desa_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["group_code"],
            ["pdam_groups.code"],
            name=op.f("fk_pdam_applications_group_code_pdam_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdam_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_pdam_applications_number")),
    )
    with op.batch_alter_table("pdam_applications", schema=None) as batch_op:
        batch_op.create_index("ix_pdam_applications_desa_step", ["desa_id", "step"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pdam_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_pdam_applications_desa_step")
    op.drop_table("pdam_applications")

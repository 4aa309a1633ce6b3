"""rsud deposit refunds asked of billing (four eyes)

Revision ID: rsud_0002
Revises: rsud_0001
Create Date: 2026-12-01 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "rsud_0002"
down_revision = "rsud_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rsud_deposits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("requested_by", sa.String(length=60), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reason", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_rsud_deposits_request_id"), ["request_id"], unique=True
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_rsud_deposits_request_id"), table_name="rsud_deposits")
    for name in ("reason", "requested_by", "request_id"):
        op.drop_column("rsud_deposits", name)

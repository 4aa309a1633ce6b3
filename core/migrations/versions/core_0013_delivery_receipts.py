"""delivery receipts: what an SMS or WhatsApp gateway reported after sending

Revision ID: core_0013
Revises: core_0012
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

from pamong.db import UTCDateTime

revision = "core_0013"
down_revision = "core_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("receipt_status", sa.String(20), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("receipt_detail", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("receipt_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("receipt_at")
        batch.drop_column("receipt_detail")
        batch.drop_column("receipt_status")

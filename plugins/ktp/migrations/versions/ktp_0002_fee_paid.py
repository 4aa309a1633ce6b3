"""ktp applications: the fee paid, as billing reports it

Revision ID: ktp_0002
Revises: ktp_0001
Create Date: 2026-11-30 23:10:00
"""

import sqlalchemy as sa
from alembic import op

from pamong.plugin import UTCDateTime

revision = "ktp_0002"
down_revision = "ktp_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ktp_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_paid_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("fee_invoice", sa.String(length=20), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("ktp_applications", schema=None) as batch_op:
        batch_op.drop_column("fee_invoice")
        batch_op.drop_column("fee_paid_at")

"""rsud executive outpatient clinic visits (poli eksekutif)

Revision ID: rsud_0003
Revises: rsud_0002
Create Date: 2026-12-01 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "rsud_0003"
down_revision = "rsud_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rsud_encounters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("executive", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    # In place (SQLite 3.35+): a batch copy would recreate a table other rows reference.
    op.drop_column("rsud_encounters", "executive")

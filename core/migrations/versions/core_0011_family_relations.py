"""residents: relation to the head of the family card (KK), and blood type

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0011"
down_revision = "core_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_relation", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("blood_type", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("blood_type")
        batch_op.drop_column("family_relation")

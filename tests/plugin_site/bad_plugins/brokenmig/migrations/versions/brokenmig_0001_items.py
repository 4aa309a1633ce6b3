"""Items, then a statement that fails."""

import sqlalchemy as sa
from alembic import op

revision = "brokenmig_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("brokenmig_items", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("UPDATE brokenmig_items SET no_such_column = 1")


def downgrade() -> None:
    op.drop_table("brokenmig_items")

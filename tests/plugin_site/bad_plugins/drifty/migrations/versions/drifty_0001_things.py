"""Things, without the label column the model has."""

import sqlalchemy as sa
from alembic import op

revision = "drifty_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drifty_things",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drifty_things")),
    )


def downgrade() -> None:
    op.drop_table("drifty_things")

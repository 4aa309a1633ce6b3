"""ktp applications: who held and who cancelled, like every other step

Revision ID: ktp_0003
Revises: ktp_0002
Create Date: 2026-12-01 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "ktp_0003"
down_revision = "ktp_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ktp_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ktp_applications_held_by_id_users"),
            "users",
            ["held_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ktp_applications_cancelled_by_id_users"),
            "users",
            ["cancelled_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("ktp_applications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ktp_applications_cancelled_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_ktp_applications_held_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("held_by_id")

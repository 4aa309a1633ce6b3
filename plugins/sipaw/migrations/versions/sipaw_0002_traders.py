"""sipaw self-registered traders, posts by trader, peers' feed ETags and board errors

Revision ID: sipaw_0002
Revises: sipaw_0001
Create Date: 2026-12-01 13:20:00
"""

import sqlalchemy as sa
from alembic import op

import pamong.plugin

revision = "sipaw_0002"
down_revision = "sipaw_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sipaw_traders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=20), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("phone_verified_at", pamong.plugin.UTCDateTime(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_expires_at", pamong.plugin.UTCDateTime(), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", pamong.plugin.UTCDateTime(), nullable=False),
        sa.Column("decided_at", pamong.plugin.UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_sipaw_traders_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipaw_traders")),
    )
    with op.batch_alter_table("sipaw_traders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sipaw_traders_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_sipaw_traders_status"), ["status"], unique=False)
    with op.batch_alter_table("sipaw_trade_posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trader_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sipaw_trade_posts_trader_id_sipaw_traders"),
            "sipaw_traders",
            ["trader_id"],
            ["id"],
        )
    with op.batch_alter_table("sipaw_peer_status", schema=None) as batch_op:
        batch_op.add_column(sa.Column("etags", sa.Text(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("board_error", sa.String(length=300), nullable=False, server_default="")
        )


def downgrade() -> None:
    # Plain columns are dropped in place: a batch copy of a referenced table breaks SQLite's
    # foreign keys (see licensing 0003).
    op.drop_column("sipaw_peer_status", "board_error")
    op.drop_column("sipaw_peer_status", "etags")
    with op.batch_alter_table("sipaw_trade_posts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sipaw_trade_posts_trader_id_sipaw_traders"), type_="foreignkey"
        )
        batch_op.drop_column("trader_id")
    with op.batch_alter_table("sipaw_traders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipaw_traders_status"))
        batch_op.drop_index(batch_op.f("ix_sipaw_traders_phone"))
    op.drop_table("sipaw_traders")

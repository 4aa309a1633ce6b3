"""audit: subject NIK and request id; server-side login sessions

Revision ID: core_0006
Revises: core_0004
Create Date: 2026-12-01 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import pamong.db

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_nik", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_log_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_subject_nik"), ["subject_nik"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", pamong.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", pamong.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", pamong.db.UTCDateTime(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject_nik"))
        batch_op.drop_index(batch_op.f("ix_audit_log_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor"))
        batch_op.drop_column("request_id")
        batch_op.drop_column("subject_nik")

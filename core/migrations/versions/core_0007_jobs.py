"""outbox leases and idempotency keys; scheduled jobs and their runs

Revision ID: core_0007
Revises: core_0004
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import pamong.db

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=100), nullable=True))
    # Deliveries queued before this revision get a random key too.
    if op.get_bind().dialect.name == "sqlite":
        random_hex = "lower(hex(randomblob(16)))"
    else:
        random_hex = "replace(gen_random_uuid()::text, '-', '')"
    op.execute(
        f"UPDATE deliveries SET idempotency_key = 'pamong-delivery-' || {random_hex} "
        "WHERE idempotency_key IS NULL"
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("idempotency_key", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_deliveries_idempotency_key"), ["idempotency_key"]
        )

    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", pamong.db.UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", pamong.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_jobs")),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_name", sa.String(length=100), nullable=False),
        sa.Column("due_at", pamong.db.UTCDateTime(), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", pamong.db.UTCDateTime(), nullable=False),
        sa.Column("started_at", pamong.db.UTCDateTime(), nullable=True),
        sa.Column("finished_at", pamong.db.UTCDateTime(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job_name", "due_at", name=op.f("uq_job_runs_job_name_due_at")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index("ix_job_runs_status", ["status"], unique=False)
        batch_op.create_index(
            "ix_job_runs_job_name_started_at", ["job_name", "started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_job_name_started_at")
        batch_op.drop_index("ix_job_runs_status")
    op.drop_table("job_runs")
    op.drop_table("scheduled_jobs")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_deliveries_idempotency_key"), type_="unique")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("idempotency_key")

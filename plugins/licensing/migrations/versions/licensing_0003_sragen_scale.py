"""licensing at regency scale: delegation per kecamatan, SOP snapshot, signatories,
applicant verification and reset codes, OSS-RBA reference

Revision ID: licensing_0003
Revises: licensing_0002
Create Date: 2026-12-01 10:40:00
"""

import sqlalchemy as sa
from alembic import op

from pamong.plugin import UTCDateTime

revision = "licensing_0003"
down_revision = "licensing_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("licensing_delegations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_licensing_delegations_org_unit_id"), ["org_unit_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_licensing_delegations_org_unit_id_org_units"),
            "org_units",
            ["org_unit_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("licensing_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sop_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("oss_reference", sa.String(length=60), nullable=False, server_default="")
        )
    # Files received before the snapshot keep the SOP their type has now.
    op.execute(
        "UPDATE licensing_applications SET sop_days = (SELECT t.sop_days FROM "
        "licensing_service_types t WHERE t.id = licensing_applications.service_type_id)"
    )
    with op.batch_alter_table("licensing_applicants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", UTCDateTime(), nullable=True))
    # Accounts opened before verification existed stay usable.
    op.execute("UPDATE licensing_applicants SET verified_at = created_at")
    with op.batch_alter_table("licensing_permits", schema=None) as batch_op:
        for name, length in (("signer_name", 200), ("signer_nip", 30), ("signer_position", 200)):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
    op.create_table(
        "licensing_signatories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nip", sa.String(length=30), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_licensing_signatories_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["licensing_service_types.id"],
            name=op.f("fk_licensing_signatories_service_type_id_licensing_service_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licensing_signatories")),
        sa.UniqueConstraint(
            "org_unit_id",
            "service_type_id",
            name=op.f("uq_licensing_signatories_org_unit_id_service_type_id"),
        ),
    )
    op.create_table(
        "licensing_applicant_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["licensing_applicants.id"],
            name=op.f("fk_licensing_applicant_tokens_applicant_id_licensing_applicants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licensing_applicant_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_licensing_applicant_tokens_token_hash")),
    )
    with op.batch_alter_table("licensing_applicant_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licensing_applicant_tokens_applicant_id"),
            ["applicant_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("licensing_applicant_tokens")
    op.drop_table("licensing_signatories")
    # Plain columns go with ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch
    # copy would drop and recreate these tables, which other tables' rows
    # reference, and SQLite's foreign-key check refuses that.
    for table, columns in (
        ("licensing_permits", ("signer_position", "signer_nip", "signer_name")),
        ("licensing_applicants", ("verified_at",)),
        ("licensing_applications", ("oss_reference", "sop_days")),
    ):
        for name in columns:
            op.drop_column(table, name)
    with op.batch_alter_table("licensing_delegations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_licensing_delegations_org_unit_id_org_units"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_licensing_delegations_org_unit_id"))
        batch_op.drop_column("org_unit_id")

"""suratdesa: the letters table

Revision ID: suratdesa_0001
Revises:
Create Date: 2026-11-30 22:01:06.692679
"""

import sqlalchemy as sa
from alembic import op

from pamong.plugin import UTCDateTime

revision = "suratdesa_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suratdesa_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("desa_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["desa_id"], ["org_units.id"], name=op.f("fk_suratdesa_letters_desa_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["issued_documents.id"],
            name=op.f("fk_suratdesa_letters_document_id_issued_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_suratdesa_letters_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suratdesa_letters")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_suratdesa_letters_tracking_number")),
    )
    with op.batch_alter_table("suratdesa_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suratdesa_letters_desa_id"), ["desa_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_suratdesa_letters_resident_id"), ["resident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("suratdesa_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suratdesa_letters_resident_id"))
        batch_op.drop_index(batch_op.f("ix_suratdesa_letters_desa_id"))

    op.drop_table("suratdesa_letters")

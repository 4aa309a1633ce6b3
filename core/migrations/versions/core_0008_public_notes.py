"""public notes: what staff tell the applicant, apart from internal notes

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0008"
down_revision = "core_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing notes stay internal: only text written as a public note is published.
    with op.batch_alter_table("status_events") as batch_op:
        batch_op.add_column(
            sa.Column("public_note", sa.String(length=300), nullable=False, server_default="")
        )
    with op.batch_alter_table("issued_documents") as batch_op:
        batch_op.add_column(
            sa.Column("public_note", sa.String(length=300), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_documents") as batch_op:
        batch_op.drop_column("public_note")
    with op.batch_alter_table("status_events") as batch_op:
        batch_op.drop_column("public_note")

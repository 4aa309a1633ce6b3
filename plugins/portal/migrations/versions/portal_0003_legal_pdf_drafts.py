"""legal document PDFs, drafts of legal documents and profile pages

Revision ID: portal_0003
Revises: portal_0002
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "portal_0003"
down_revision = "portal_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_legal_documents") as batch:
        batch.add_column(
            sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("pdf", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("pdf_size", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("pdf_sha256", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("portal_pages") as batch:
        batch.add_column(
            sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_pages") as batch:
        batch.drop_column("published")
    with op.batch_alter_table("portal_legal_documents") as batch:
        batch.drop_column("pdf_sha256")
        batch.drop_column("pdf_size")
        batch.drop_column("pdf")
        batch.drop_column("published")

"""indexes: the foreign keys that list pages and scope checks filter on

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-12-01 07:00:00
"""

from alembic import op

revision = "core_0010"
down_revision = "core_0009"
branch_labels = None
depends_on = None

#: (table, column): each gets ``ix_<table>_<column>``, the name the models give it.
INDEXES = (
    ("users", "home_unit_id"),  # staff lists scoped to a subtree
    ("role_assignments", "org_unit_id"),  # holders of a role at a unit
    ("tracked_items", "org_unit_id"),  # a unit's files
    ("issued_documents", "org_unit_id"),  # a unit's documents
    ("messages", "sender_unit_id"),  # a unit's sent letters
    ("deliveries", "message_id"),  # a message's deliveries
    ("audit_log", "actor_id"),  # what one user did
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)

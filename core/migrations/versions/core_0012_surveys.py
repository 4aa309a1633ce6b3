"""surveys: satisfaction survey invitations, answers and closed-period snapshots

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-01 10:45:00
"""

import sqlalchemy as sa
from alembic import op

import pamong.db

revision = "core_0012"
down_revision = "core_0011"
branch_labels = None
depends_on = None


def _unit_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_unit_id"], ["org_units.id"], name=op.f(f"fk_{table}_org_unit_id_org_units")
    )


def upgrade() -> None:
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=60), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("created_at", pamong.db.UTCDateTime(), nullable=False),
        sa.Column("answered_at", pamong.db.UTCDateTime(), nullable=True),
        _unit_fk("survey_invitations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint(
            "service", "reference", name=op.f("uq_survey_invitations_service_reference")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_survey_invitations_token")),
    )
    for column in ("service", "org_unit_id", "completed_on"):
        op.create_index(op.f(f"ix_survey_invitations_{column}"), "survey_invitations", [column])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=60), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitations.id"],
            name=op.f("fk_survey_responses_invitation_id_survey_invitations"),
        ),
        _unit_fk("survey_responses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_responses_invitation_id")),
    )
    for column in ("service", "org_unit_id", "answered_on"):
        op.create_index(op.f(f"ix_survey_responses_{column}"), "survey_responses", [column])
    op.create_table(
        "survey_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=60), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("sample_target", sa.Integer(), nullable=False),
        sa.Column("element_means", sa.JSON(), nullable=False),
        sa.Column("value", sa.String(length=6), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("closed_at", pamong.db.UTCDateTime(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_survey_snapshots_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        _unit_fk("survey_snapshots"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_snapshots")),
        sa.UniqueConstraint(
            "service",
            "org_unit_id",
            "period",
            "rule",
            name=op.f("uq_survey_snapshots_service_org_unit_id_period_rule"),
        ),
    )
    for column in ("service", "org_unit_id", "period"):
        op.create_index(op.f(f"ix_survey_snapshots_{column}"), "survey_snapshots", [column])


def downgrade() -> None:
    for table in ("survey_snapshots", "survey_responses", "survey_invitations"):
        op.drop_table(table)

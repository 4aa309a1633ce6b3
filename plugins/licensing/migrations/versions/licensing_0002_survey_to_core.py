"""survey to core: licensing's survey links and answers move to the core's survey tables

Every application with a survey link gets a core invitation with the same
token (links already sent keep working), its answers become core answers
of the service ``licensing.permits``, and licensing's own table goes.

Revision ID: licensing_0002
Revises: licensing_0001
Create Date: 2026-12-01 11:00:00
"""

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from alembic import op

from pamong.plugin import UTCDateTime

revision = "licensing_0002"
down_revision = "licensing_0001"
branch_labels = None
# Each component has its own lineage and the core is upgraded first: its
# survey tables (core_0012) exist when this runs.
depends_on = None

SERVICE = "licensing.permits"
PREFIX = "licensing_application:"

applications = sa.table(
    "licensing_applications",
    sa.column("id", sa.Integer),
    sa.column("org_unit_id", sa.Integer),
    sa.column("service_type_id", sa.Integer),
    sa.column("survey_token", sa.String),
    sa.column("received_on", sa.Date),
    sa.column("finished_on", sa.Date),
)
old_responses = sa.table(
    "licensing_survey_responses",
    sa.column("application_id", sa.Integer),
    sa.column("service_type_id", sa.Integer),
    sa.column("org_unit_id", sa.Integer),
    sa.column("rule", sa.String),
    sa.column("answers", sa.JSON),
    sa.column("comment", sa.Text),
    sa.column("answered_on", sa.Date),
)
invitations = sa.table(
    "survey_invitations",
    sa.column("id", sa.Integer),
    sa.column("token", sa.String),
    sa.column("service", sa.String),
    sa.column("org_unit_id", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("completed_on", sa.Date),
    sa.column("created_at", UTCDateTime),
    sa.column("answered_at", UTCDateTime),
)
responses = sa.table(
    "survey_responses",
    sa.column("invitation_id", sa.Integer),
    sa.column("service", sa.String),
    sa.column("org_unit_id", sa.Integer),
    sa.column("rule", sa.String),
    sa.column("answers", sa.JSON),
    sa.column("comment", sa.Text),
    sa.column("answered_on", sa.Date),
)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def upgrade() -> None:
    bind = op.get_bind()
    answered = {row.application_id: row for row in bind.execute(sa.select(old_responses)).all()}
    now = datetime.now(UTC)
    for app in bind.execute(
        sa.select(applications).where(applications.c.survey_token.is_not(None))
    ).all():
        response = answered.get(app.id)
        completed = app.finished_on or app.received_on
        invitation_id = bind.execute(
            sa.insert(invitations)
            .values(
                token=app.survey_token,
                service=SERVICE,
                org_unit_id=app.org_unit_id,
                reference=f"{PREFIX}{app.id}",
                completed_on=completed,
                created_at=now,
                answered_at=_noon(response.answered_on) if response else None,
            )
            .returning(invitations.c.id)
        ).scalar_one()
        if response is not None:
            bind.execute(
                sa.insert(responses).values(
                    invitation_id=invitation_id,
                    service=SERVICE,
                    org_unit_id=response.org_unit_id,
                    rule=response.rule,
                    answers=response.answers,
                    comment=response.comment,
                    answered_on=response.answered_on,
                )
            )
    op.drop_table("licensing_survey_responses")


def downgrade() -> None:
    op.create_table(
        "licensing_survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["licensing_applications.id"],
            name=op.f("fk_licensing_survey_responses_application_id_licensing_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_licensing_survey_responses_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["licensing_service_types.id"],
            name=op.f("fk_licensing_survey_responses_service_type_id_licensing_service_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licensing_survey_responses")),
        sa.UniqueConstraint(
            "application_id", name=op.f("uq_licensing_survey_responses_application_id")
        ),
    )
    for column in ("answered_on", "org_unit_id", "service_type_id"):
        op.create_index(
            op.f(f"ix_licensing_survey_responses_{column}"),
            "licensing_survey_responses",
            [column],
        )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            invitations.c.reference,
            responses.c.org_unit_id,
            responses.c.rule,
            responses.c.answers,
            responses.c.comment,
            responses.c.answered_on,
        )
        .join(invitations, invitations.c.id == responses.c.invitation_id)
        .where(responses.c.service == SERVICE)
    ).all()
    types = dict(bind.execute(sa.select(applications.c.id, applications.c.service_type_id)).all())
    for row in rows:
        application_id = int(row.reference.removeprefix(PREFIX))
        bind.execute(
            sa.insert(old_responses).values(
                application_id=application_id,
                service_type_id=types[application_id],
                org_unit_id=row.org_unit_id,
                rule=row.rule,
                answers=row.answers,
                comment=row.comment,
                answered_on=row.answered_on,
            )
        )
    bind.execute(sa.delete(responses).where(responses.c.service == SERVICE))
    bind.execute(sa.delete(invitations).where(invitations.c.service == SERVICE))

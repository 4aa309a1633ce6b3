"""reading routes

Revision ID: pdam_0003
Revises: pdam_0002
Create Date: 2026-12-01 13:30:00
"""

import sqlalchemy as sa
from alembic import op

import pamong.plugin

revision = "pdam_0003"
down_revision = "pdam_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pdam_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", pamong.plugin.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["users.id"],
            name=op.f("fk_pdam_routes_reader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_pdam_routes_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdam_routes")),
        sa.UniqueConstraint("reader_id", "period", name=op.f("uq_pdam_routes_reader_id_period")),
    )
    op.create_table(
        "pdam_route_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["pdam_connections.id"],
            name=op.f("fk_pdam_route_stops_connection_id_pdam_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["pdam_routes.id"],
            name=op.f("fk_pdam_route_stops_route_id_pdam_routes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdam_route_stops")),
        sa.UniqueConstraint(
            "route_id", "connection_id", name=op.f("uq_pdam_route_stops_route_id_connection_id")
        ),
        sa.UniqueConstraint(
            "route_id", "position", name=op.f("uq_pdam_route_stops_route_id_position")
        ),
    )


def downgrade() -> None:
    op.drop_table("pdam_route_stops")
    op.drop_table("pdam_routes")

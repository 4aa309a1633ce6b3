"""The PDAM plugin's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, fields, validate

from pamong.plugin import (
    DemoData,
    NavItem,
    Permission,
    RoleTemplate,
    SurveyService,
    TrackableKind,
    _l,
    hookimpl,
)
from pamong_plugins.pdam import models  # noqa: F401  (the tables belong to this plugin)
from pamong_plugins.pdam import permissions as perm


class PdamSettings(Schema):
    """``[plugins.pdam]`` in pamong.toml."""

    #: Unpaid months after which a connection goes on the sealing list.
    seal_after_months = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 24))
    #: Day of the month after the period by which a bill is due.
    due_day = fields.Integer(load_default=20, strict=True, validate=validate.Range(1, 28))
    #: Connections the demo creates.
    demo_connections = fields.Integer(
        load_default=2000, strict=True, validate=validate.Range(0, 200_000)
    )


@hookimpl
def pamong_register_blueprints() -> Iterable[Any]:
    from pamong_plugins.pdam import (  # noqa: F401  (their routes join the blueprints)
        application_api,
        application_views,
        route_api,
        route_views,
        settlement_api,
    )
    from pamong_plugins.pdam.api import blp
    from pamong_plugins.pdam.views import bp

    return [bp, blp]


@hookimpl
def pamong_register_permissions() -> Iterable[Permission]:
    return perm.PERMISSIONS


@hookimpl
def pamong_register_roles() -> Iterable[RoleTemplate]:
    return perm.ROLES


@hookimpl
def pamong_register_nav_items() -> Iterable[NavItem]:
    return [
        NavItem(
            "pdam.read_page",
            _l("Meter reading"),
            weight=18,
            permission=perm.READER,
            description=_l("Enter this month's meter readings, also offline"),
        ),
        NavItem(
            "pdam.connections",
            _l("Water connections"),
            weight=19,
            permission=perm.BILLING,
            description=_l("Connections, readings held for review, the bill run"),
        ),
        NavItem(
            "pdam.routes_page",
            _l("Reading routes"),
            weight=19,
            permission=perm.BILLING,
            description=_l("Each meter reader's route for the month and its progress"),
        ),
        NavItem(
            "pdam.bank_settlement",
            _l("Bank settlement file"),
            weight=19,
            permission=perm.BILLING,
            description=_l("Pay water bills from a bank's CSV; refused lines listed"),
        ),
        NavItem(
            "pdam.applications",
            _l("New water connections"),
            weight=20,
            permission=perm.ADMIN,
            description=_l("Applications: survey, cost estimate, payment, installation"),
        ),
        NavItem(
            "pdam.apply",
            _l("Apply for a water connection"),
            weight=42,
            public=True,
            description=_l("Ask PDAM for a new water connection and follow it on the tracker"),
        ),
        NavItem(
            "pdam.reports",
            _l("Water reports"),
            weight=62,
            permission=perm.REPORT,
            description=_l("Non-revenue water, collection efficiency, arrears"),
        ),
        NavItem(
            "pdam.check",
            _l("Check a water bill"),
            weight=41,
            public=True,
            description=_l("Your water bills and consumption by customer number"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return PdamSettings


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.pdam.cli import cli

    return cli


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.pdam.demo import seed

    return DemoData(seed=seed, weight=85)


@hookimpl
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    from pamong_plugins.pdam.applications import CONNECTION_FILE

    return [CONNECTION_FILE]


@hookimpl
def pamong_register_survey_services() -> Iterable[SurveyService]:
    return [SurveyService("pdam.connection", _l("New water connection (PDAM)"), weight=45)]


@hookimpl(optionalhook=True)
def pamong_on_invoice_paid(invoice: Any, session: Any) -> None:
    """Billing reports an invoice paid: a new connection's fee moves its file on."""
    from pamong_plugins.pdam.applications import fee_paid

    fee_paid(session, invoice)


@hookimpl(optionalhook=True)
def pamong_on_invoice_cancelled(invoice: Any, reason: str, session: Any) -> None:
    """Billing cancelled a new connection's fee: the file waits for a new estimate."""
    from pamong_plugins.pdam.applications import fee_cancelled

    fee_cancelled(session, invoice)

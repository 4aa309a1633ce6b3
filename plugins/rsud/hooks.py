"""The rsud plugin's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema

from pamong.plugin import (
    DemoData,
    NavItem,
    Permission,
    RoleTemplate,
    SurveyService,
    _l,
    hookimpl,
)
from pamong_plugins.rsud import models  # noqa: F401  (the tables belong to this plugin)
from pamong_plugins.rsud import permissions as perm
from pamong_plugins.rsud.settings import RsudSettings


@hookimpl
def pamong_register_blueprints(app: Any) -> Iterable[Any]:
    from pamong_plugins.rsud.api import blp
    from pamong_plugins.rsud.views import bp

    return [bp, blp]


@hookimpl
def pamong_register_permissions() -> Iterable[Permission]:
    return perm.PERMISSIONS


@hookimpl
def pamong_register_survey_services() -> Iterable[SurveyService]:
    from pamong_plugins.rsud.services import SURVEY_SERVICE

    return [SurveyService(SURVEY_SERVICE, _l("Hospital care (RSUD)"), weight=40)]


@hookimpl
def pamong_register_roles() -> Iterable[RoleTemplate]:
    return perm.ROLES


@hookimpl
def pamong_register_nav_items() -> Iterable[NavItem]:
    return [
        NavItem(
            "rsud.index",
            _l("Hospital"),
            weight=30,
            permission=perm.REGISTRATION,
            description=_l("Patients, stays, charges and the discharge bill"),
        ),
        NavItem(
            "rsud.cashier_desk",
            _l("Hospital cashier"),
            weight=32,
            permission=perm.CASHIER,
            description=_l("Discharged patients with a share to bill or a deposit to refund"),
        ),
        NavItem(
            "rsud.beds",
            _l("Bed board"),
            weight=31,
            permission=perm.REGISTRATION,
            description=_l("Free, occupied and cleaning beds per ward"),
        ),
        NavItem(
            "rsud.decrees",
            _l("Tariff master"),
            weight=63,
            permission=perm.ADMIN,
            description=_l("Dated tariff decrees and their prices per class"),
        ),
        NavItem(
            "rsud.indicators_page",
            _l("Hospital indicators"),
            weight=62,
            permission=perm.REPORT,
            description=_l("BOR, ALOS, TOI, BTO, GDR and NDR per month, revenue"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return RsudSettings


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.rsud.cli import cli

    return cli


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.rsud.demo import seed

    return DemoData(seed=seed, weight=90)

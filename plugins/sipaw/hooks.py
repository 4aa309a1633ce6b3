"""The SIPAW plugin's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema

from pamong.plugin import DemoData, NavItem, Permission, RoleTemplate, WorkerJob, _l, hookimpl
from pamong_plugins.sipaw import models  # noqa: F401  (the tables belong to this plugin)
from pamong_plugins.sipaw import permissions as perm
from pamong_plugins.sipaw.settings import SipawSettings


@hookimpl
def pamong_register_blueprints(app: Any) -> Iterable[Any]:
    from pamong_plugins.sipaw.api import blp
    from pamong_plugins.sipaw.views import bp

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
            "sipaw.entry",
            _l("Enter prices"),
            weight=50,
            permission=perm.ENUMERATOR,
            description=_l("Today's staple-food prices of your market, also offline"),
        ),
        NavItem(
            "sipaw.review",
            _l("Publish prices"),
            weight=51,
            permission=perm.COORDINATOR,
            description=_l("Review the markets' entries and publish the day's prices"),
        ),
        NavItem(
            "sipaw.manage",
            _l("Markets and commodities"),
            weight=52,
            permission=perm.ADMIN,
            description=_l("Markets, commodities, HET/HAP, trade-board moderation"),
        ),
        NavItem(
            "sipaw.prices",
            _l("Staple-food prices"),
            weight=20,
            public=True,
            description=_l("Today's prices in the regency's markets, history, open data"),
        ),
        NavItem(
            "sipaw.board_page",
            _l("Trade board"),
            weight=21,
            public=True,
            description=_l("Offers and requests between regions"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return SipawSettings


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.sipaw.cli import cli

    return cli


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.sipaw.demo import seed

    return DemoData(seed=seed, weight=60)


@hookimpl
def pamong_register_worker_jobs() -> Iterable[WorkerJob]:
    from pamong_plugins.sipaw.jobs import pull_job, remind_job

    return [
        WorkerJob("sipaw.remind", remind_job, schedule="15 11 * * *", working_days=True),
        WorkerJob("sipaw.pull_peers", pull_job, schedule="30 14 * * *"),
    ]


@hookimpl
def pamong_portal_widgets(session: Any) -> Iterable[Any]:
    """Today's published prices on the regency portal's home page (first eight lines)."""
    from flask_babel import format_decimal, get_locale

    from pamong.plugin import PortalWidget, _, long_date, rupiah
    from pamong_plugins.sipaw.services import price_board

    day, rows = price_board(session)
    priced = [row for row in rows if row.price is not None][:8]
    if day is None or not priced:
        return []
    lines = []
    for row in priced:
        name = " ".join(part for part in (row.commodity.name, row.commodity.variant) if part)
        change = row.day_change[1]
        trend = f" ({format_decimal(change, '+0.0;-0.0')}%)" if change else ""
        lines.append((name, f"{rupiah(row.price)}/{row.commodity.unit}{trend}"))
    return [
        PortalWidget(
            key="sipaw.prices",
            title=_("Staple-food prices, %(day)s", day=long_date(day, str(get_locale()))),
            rows=tuple(lines),
            url="/sipaw/",
            weight=20,
        )
    ]

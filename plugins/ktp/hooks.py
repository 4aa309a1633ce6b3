"""The KTP plugin's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, fields, validate

from pamong.plugin import (
    DemoData,
    DocumentKind,
    NavItem,
    Permission,
    PublicService,
    RoleTemplate,
    SurveyService,
    TrackableKind,
    _,
    _l,
    hookimpl,
    regency_today,
)
from pamong_plugins.ktp.permissions import ADMIN, APPLY, PERMISSIONS, REPORT, ROLES
from pamong_plugins.ktp.services import KTP_CARD, KTP_FILE, SURVEY_SERVICE


class KtpSettings(Schema):
    """``[plugins.ktp]`` in pamong.toml."""

    #: 0: cards are valid for life (UU 24/2013); old-style cards: 5.
    validity_years = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10))
    #: Refuse to print a card while its fee is unpaid (needs the billing plugin).
    require_payment = fields.Boolean(load_default=False)


@hookimpl
def pamong_register_blueprints() -> Iterable[Any]:
    from pamong_plugins.ktp.api import blp
    from pamong_plugins.ktp.views import bp

    return [bp, blp]


@hookimpl
def pamong_register_permissions() -> Iterable[Permission]:
    return PERMISSIONS


@hookimpl
def pamong_register_roles() -> Iterable[RoleTemplate]:
    return ROLES


@hookimpl
def pamong_register_nav_items() -> Iterable[NavItem]:
    return [
        NavItem(
            "ktp.counter",
            _l("KTP counter"),
            weight=12,
            permission=APPLY,
            description=_l("Serve a resident from application to handover"),
        ),
        NavItem(
            "ktp.stats_page",
            _l("KTP service times"),
            weight=60,
            permission=REPORT,
            description=_l("Cards issued and minutes per card, per kecamatan"),
        ),
        NavItem(
            "ktp.fees",
            _l("KTP fee"),
            weight=95,
            permission=ADMIN,
            description=_l("The fee schedule by period"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return KtpSettings


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.ktp.cli import ktp

    return ktp


@hookimpl
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    return [KTP_FILE]


@hookimpl
def pamong_register_survey_services() -> Iterable[SurveyService]:
    return [SurveyService(SURVEY_SERVICE, _l("Electronic identity card (KTP-el)"), weight=10)]


@hookimpl
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    return [KTP_CARD]


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.ktp.demo import seed

    return DemoData(seed=seed, weight=20)


@hookimpl(optionalhook=True)
def pamong_on_invoice_paid(invoice: Any, session: Any) -> None:
    """Billing reports the KTP fee paid: the application shows it, and printing may go on."""
    from pamong_plugins.ktp.services import fee_paid

    fee_paid(session, invoice)


@hookimpl(optionalhook=True)
def pamong_on_invoice_cancelled(invoice: Any, reason: str, session: Any) -> None:
    """Billing refunded or cancelled the KTP fee: it counts as unpaid again."""
    from pamong_plugins.ktp.services import fee_refunded

    fee_refunded(session, invoice, reason)


@hookimpl
def pamong_public_services(session: Any) -> Iterable[PublicService]:
    """The KTP card in the public service catalogue, with the fee in force today."""
    from flask import url_for

    from pamong_plugins.ktp.services import fee_in_force

    rate = fee_in_force(session, regency_today())
    return [
        PublicService(
            code="ktp.card",
            title=_("KTP elektronik (e-KTP)"),
            description=_(
                "The resident identity card, for residents aged 17 or over or married; "
                "recorded and printed at the kecamatan of domicile."
            ),
            requirements=(
                _("Family card (KK)"),
                _("Old KTP, or a police loss report when it was lost"),
            ),
            fee=rate.amount if rate else 0,
            fee_note=rate.legal_basis if rate else _("Free of charge (UU 24/2013)"),
            sop_days=1,
            where=_("The kecamatan office of your domicile"),
            track_url=url_for("tracking.form"),
            category=_("Population and civil registration"),
            weight=10,
        )
    ]


@hookimpl(optionalhook=True)
def pamong_daily_activity(unit: Any, day: Any, session: Any) -> Iterable[dict[str, Any]]:
    """Kantaya's daily report: cards printed at the unit's counters that day, average minutes."""
    from pamong_plugins.ktp.stats import daily_activity

    return daily_activity(session, unit, day)

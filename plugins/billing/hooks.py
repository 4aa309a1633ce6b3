"""The billing plugin's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema
from sqlalchemy.orm import Session

from pamong.plugin import (
    DemoData,
    DocumentKind,
    FeeDue,
    NavItem,
    Permission,
    PublicService,
    RoleTemplate,
    TrackableKind,
    WorkerJob,
    _,
    _l,
    hookimpl,
)
from pamong_plugins.billing import (
    ledger,  # noqa: F401  (append-only guards on every session)
    models,  # noqa: F401  (the tables belong to this plugin)
)
from pamong_plugins.billing import permissions as perm
from pamong_plugins.billing.records import ChannelInfo, PaymentChannel
from pamong_plugins.billing.settings import BillingSettings


@hookimpl
def pamong_register_blueprints(app: Any) -> Iterable[Any]:
    from pamong_plugins.billing.api import blp
    from pamong_plugins.billing.views import bp

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
            "billing.cashier",
            _l("Cashier"),
            weight=14,
            permission=perm.CASHIER,
            description=_l("Take payments, print receipts, close your session"),
        ),
        NavItem(
            "billing.invoices",
            _l("Invoices"),
            weight=15,
            permission=perm.REPORT,
            description=_l("Bills, their payments and their status"),
        ),
        NavItem(
            "billing.approvals",
            _l("Billing approvals"),
            weight=16,
            permission=perm.SUPERVISOR,
            description=_l("Cancellations, refunds, waivers and held payments"),
        ),
        NavItem(
            "billing.closing",
            _l("Day closing"),
            weight=17,
            permission=perm.TREASURER,
            description=_l("Close the day, the deposit slip (STS), the cash book"),
        ),
        NavItem(
            "billing.reports_page",
            _l("Revenue reports"),
            weight=61,
            permission=perm.REPORT,
            description=_l("Revenue, arrears aging and collection rate"),
        ),
        NavItem(
            "billing.check",
            _l("Check a bill"),
            weight=40,
            public=True,
            description=_l("Amount, due date and how to pay, by bill number"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return BillingSettings


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.billing.cli import cli

    return cli


@hookimpl
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    return [perm.INVOICE_FILE]


@hookimpl
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    return [perm.RECEIPT, perm.DEPOSIT_SLIP]


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.billing.demo import seed

    return DemoData(seed=seed, weight=80)


@hookimpl
def pamong_register_worker_jobs() -> Iterable[WorkerJob]:
    from pamong_plugins.billing.jobs import recheck_job

    return [WorkerJob("billing.recheck", recheck_job, interval_seconds=900)]


@hookimpl
def pamong_on_fee_due(fee: FeeDue, session: Session) -> None:
    """Every announced fee becomes an invoice (free ones are skipped)."""
    from pamong_plugins.billing.services import invoice_from_fee

    invoice_from_fee(session, fee)


@hookimpl
def pamong_register_payment_channels() -> Iterable[ChannelInfo]:
    from pamong_plugins.billing.demo_channel import INFO

    return [INFO]


@hookimpl
def pamong_billing_channel(name: str) -> PaymentChannel | None:
    """The simulated bank of the demo; a real bank's plugin answers for its own name."""
    if name != "demo":
        return None
    from pamong_plugins.billing.demo_channel import DemoBankChannel

    return DemoBankChannel()


@hookimpl
def pamong_public_services(session: Session) -> Iterable[PublicService]:
    """Paying a regional levy or tax bill: check it online, pay at a bank or the cashier."""
    from flask import url_for

    return [
        PublicService(
            code="billing.pay",
            title=_("Pay a regional levy or tax bill"),
            description=_(
                "Check a bill with its number and check code, then pay at a bank "
                "channel or at the cashier; the receipt is verifiable online."
            ),
            requirements=(_("The bill number and its check code"),),
            fee=0,
            fee_note=_("No charge beyond the bill itself"),
            where=_("A partner bank, or the regional cashier (BPKPD)"),
            apply_url=url_for("billing.check"),
            category=_("Taxes and levies"),
            weight=50,
        )
    ]


@hookimpl(optionalhook=True)
def pamong_daily_activity(unit: Any, day: Any, session: Session) -> Iterable[dict[str, Any]]:
    """Kantaya's daily report: payments received at the unit's counters and channels."""
    from pamong_plugins.billing.reports import daily_activity

    return daily_activity(session, unit, day)

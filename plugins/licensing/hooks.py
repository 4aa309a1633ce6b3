"""The licensing plugin's hook implementations (thin: the work is in the modules)."""

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
    TrackerLink,
    WorkerJob,
    _,
    _l,
    hookimpl,
    rupiah,
)
from pamong_plugins.licensing import models  # noqa: F401  (the tables belong to this plugin)
from pamong_plugins.licensing import permissions as perm


class LicensingSettings(Schema):
    """``[plugins.licensing]`` in pamong.toml."""

    #: Code of the regency one-stop office unit (default: the unit ending in -BPT).
    office_unit = fields.String(load_default="")
    #: The site's public address, for links in notifications (default: the request's).
    public_url = fields.String(load_default="")
    #: Largest accepted upload, in KB.
    max_upload_kb = fields.Integer(
        load_default=2048, strict=True, validate=validate.Range(10, 20480)
    )
    #: Working days before the due date at which files count as near due.
    near_due_days = fields.Integer(load_default=1, strict=True, validate=validate.Range(0, 30))
    #: The levy is paid only through billing: staff cannot type a payment in.
    payment_through_billing = fields.Boolean(load_default=False)
    #: Days before a permit's end of validity at which the holder is reminded.
    expiry_reminder_days = fields.Integer(
        load_default=30, strict=True, validate=validate.Range(1, 365)
    )
    #: Where permits are signed (default: the regency's capital, from its name).
    place_of_issue = fields.String(load_default="", validate=validate.Length(max=100))
    #: The coat of arms on permits: an image file in the instance folder
    #: (default: the core ``logo`` setting).
    coat_of_arms = fields.String(load_default="", validate=validate.Length(max=300))
    #: Minutes an applicant's verification or password reset code stays valid.
    applicant_code_minutes = fields.Integer(
        load_default=60, strict=True, validate=validate.Range(5, 24 * 60)
    )


@hookimpl
def pamong_register_blueprints(app: Any) -> Iterable[Any]:
    from pamong_plugins.licensing import admin_views, portal_account  # noqa: F401  (routes on bp)
    from pamong_plugins.licensing.api import blp
    from pamong_plugins.licensing.views import bp

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
            "licensing.worklist",
            _l("Permits"),
            weight=30,
            permission=perm.VIEW,
            description=_l("Applications, stages and due dates"),
        ),
        NavItem(
            "licensing.statistics",
            _l("Permit statistics"),
            weight=31,
            permission=perm.REPORT,
            description=_l("Processing time against the SOP, satisfaction index"),
        ),
        NavItem(
            "licensing.catalogue",
            _l("Permit services"),
            weight=32,
            public=True,
            description=_l("The catalogue, and applying online"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return LicensingSettings


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.licensing.cli import cli

    return cli


@hookimpl
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    return [perm.LICENSE_FILE]


@hookimpl
def pamong_register_survey_services() -> Iterable[SurveyService]:
    from pamong_plugins.licensing.surveys import SURVEY_SERVICE

    return [SurveyService(SURVEY_SERVICE, _l("Business and building permits"), weight=30)]


@hookimpl
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    return [perm.PERMIT_DOCUMENT]


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.licensing.demo import seed

    return DemoData(seed=seed, weight=50)


@hookimpl
def pamong_register_worker_jobs() -> Iterable[WorkerJob]:
    from pamong_plugins.licensing.jobs import escalate_job, remind_job

    return [
        # Heads of office hear about late files when the working day starts.
        WorkerJob("licensing.escalate", escalate_job, schedule="0 8 * * *", working_days=True),
        WorkerJob("licensing.expiry_reminders", remind_job, schedule="0 7 * * *"),
    ]


@hookimpl
def pamong_tracker_links(item: Any, session: Any) -> Iterable[TrackerLink]:
    """After handover, the satisfaction survey: for the applicant logged in to the portal
    (receipt numbers are sequential, so the survey itself is never linked for anyone else).
    """
    from flask import session as web_session
    from flask import url_for
    from sqlalchemy import select

    from pamong_plugins.licensing.models import Application
    from pamong_plugins.licensing.services import survey_answered
    from pamong_plugins.licensing.views import APPLICANT_KEY

    if item is None or item.kind != perm.LICENSE_FILE.code or item.closed_at is None:
        return []
    application = session.scalar(select(Application).where(Application.tracked_item_id == item.id))
    if application is None or not application.survey_token:
        return []
    if survey_answered(session, application):
        return []
    if web_session.get(APPLICANT_KEY) == application.applicant_id:
        url = url_for("surveys.answer", token=application.survey_token)
        return [TrackerLink(_l("Fill in the satisfaction survey"), url, _l("nine questions"))]
    return [
        TrackerLink(
            _l("Applicant? Log in to fill in the satisfaction survey"),
            url_for("licensing.portal_login"),
        )
    ]


@hookimpl(optionalhook=True)
def pamong_on_invoice_paid(invoice: Any, session: Any) -> None:
    """Billing reports the levy paid: the permit is issued and waits for handover."""
    from pamong_plugins.licensing.services import levy_paid

    levy_paid(session, invoice)


@hookimpl
def pamong_public_services(session: Any) -> Iterable[PublicService]:
    """Every active permit and non-permit service of the catalogue, as data says."""
    from flask import url_for

    from pamong_plugins.licensing.service_types import service_types

    found = []
    for index, kind in enumerate(service_types(session, active_only=True)):
        if kind.fee_rule == "per_unit":
            fee, note = (
                None,
                _(
                    "%(amount)s per %(unit)s",
                    amount=rupiah(kind.fee_amount),
                    unit=kind.fee_unit or "unit",
                ),
            )
        else:
            fee, note = kind.fee_for(1), ""
        found.append(
            PublicService(
                code=f"licensing.{kind.code.lower()}",
                title=kind.name,
                requirements=tuple(kind.requirements or ()),
                fee=fee,
                fee_note=" · ".join(n for n in (note, kind.legal_basis) if n),
                sop_days=kind.sop_days,
                where=_("The one-stop service office (DPMPTSP)"),
                apply_url=url_for("licensing.portal_apply"),
                track_url=url_for("tracking.form"),
                category=_("Permits") if kind.is_permit else _("Non-permit services"),
                weight=index,
            )
        )
    return found


@hookimpl(optionalhook=True)
def pamong_daily_activity(unit: Any, day: Any, session: Any) -> Iterable[dict[str, Any]]:
    """Kantaya's daily report: permit files received, decided and overdue at the unit."""
    from pamong_plugins.licensing.stats import daily_activity

    return daily_activity(session, unit, day)

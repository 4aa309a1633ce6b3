"""The portal's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, fields, validate

from pamong.plugin import (
    Actor,
    DemoData,
    NavItem,
    Permission,
    PortalWidget,
    RoleTemplate,
    SurveyService,
    TrackableKind,
    WorkerJob,
    _,
    _l,
    hookimpl,
    plugin_settings,
    regency_today,
    transaction,
)
from pamong_plugins.portal import models  # noqa: F401  (the tables belong to this plugin)
from pamong_plugins.portal.complaints import COMPLAINT_FILE, SURVEY_SERVICE
from pamong_plugins.portal.permissions import COMPLAINTS, PERMISSIONS, PUBLISH, ROLES

_URL = validate.Regexp(r"^(https?://\S+)?$", error="expected an http(s) URL")


class PortalSettings(Schema):
    """``[plugins.portal]`` in pamong.toml: the SMS and WhatsApp gateways."""

    sms_gateway_url = fields.String(load_default="", validate=_URL)
    sms_gateway_token = fields.String(load_default="")
    whatsapp_gateway_url = fields.String(load_default="", validate=_URL)
    whatsapp_gateway_token = fields.String(load_default="")
    #: JSON body with {to}, {text}, {reference}, {channel}; default: to, text, reference.
    gateway_body = fields.String(load_default="")
    gateway_timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(0.5, 120))


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return PortalSettings


#: The settings of the app built last, for deliveries made outside an app context
#: (the embedded outbox runs after a commit, where no request or app is current).
_LAST_SETTINGS: dict[str, Any] = {}


@hookimpl
def pamong_on_app_ready(app: Any) -> None:
    _LAST_SETTINGS.clear()
    _LAST_SETTINGS.update(plugin_settings("portal", app))


@hookimpl
def pamong_message_transport(channel: str) -> Any:
    """SMS and WhatsApp through the configured HTTP gateways (none configured: None)."""
    from flask import has_app_context

    from pamong_plugins.portal.gateway import gateway_for

    settings = plugin_settings("portal") if has_app_context() else _LAST_SETTINGS
    return gateway_for(channel, settings)


@hookimpl
def pamong_register_blueprints() -> Iterable[Any]:
    from pamong_plugins.portal.api import blp
    from pamong_plugins.portal.views import bp

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
        NavItem("portal.services", _l("Public services"), weight=5, public=True),
        NavItem("portal.complaint_new", _l("Complaints"), weight=6, public=True),
        NavItem("portal.jdih", _l("Legal documents"), weight=7, public=True),
        NavItem(
            "portal.staff_complaints",
            _l("Complaints to handle"),
            weight=30,
            permission=COMPLAINTS,
            description=_l("Verify, route and answer citizens' reports"),
        ),
        NavItem(
            "portal.staff_news",
            _l("News editor"),
            weight=80,
            permission=PUBLISH,
            description=_l("Write news and announcements for the website"),
        ),
    ]


@hookimpl
def pamong_register_survey_services() -> Iterable[SurveyService]:
    return [SurveyService(SURVEY_SERVICE, _l("Complaints and aspirations"), weight=90)]


@hookimpl
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    return [COMPLAINT_FILE]


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.portal.cli import portal

    return portal


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.portal.demo import seed

    return DemoData(seed=seed, weight=90)


def escalate(app: Any) -> str:
    """Worker job: mark reports past their deadlines as escalated."""
    from pamong_plugins.portal.complaints import escalate_late

    with transaction(app) as session:
        count = escalate_late(session, Actor.system("portal escalation"), regency_today(app))
    return f"{count} escalated"


@hookimpl
def pamong_register_worker_jobs() -> Iterable[WorkerJob]:
    return [
        WorkerJob(
            "portal.escalate",
            escalate,
            schedule="0 7 * * *",
            working_days=True,
            description="Escalate complaints past their verification or answer deadline",
        )
    ]


@hookimpl
def pamong_home_page() -> str:
    """The portal's home page is the site's home."""
    return "portal.home"


@hookimpl
def pamong_portal_widgets(session: Any) -> Iterable[PortalWidget]:
    """The latest legal documents, as a widget like any plugin's."""
    from pamong_plugins.portal.legal import full_title, search

    docs, _total = search(session, limit=3)
    if not docs:
        return []
    return [
        PortalWidget(
            key="portal.jdih",
            title=_("Latest regulations"),
            rows=tuple((str(d.year), full_title(d)) for d in docs),
            url="/portal/jdih",
            weight=90,
        )
    ]

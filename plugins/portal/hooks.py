"""The portal's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pamong.plugin import (
    Actor,
    DemoData,
    LegalReference,
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
    regency_today,
    transaction,
)
from pamong_plugins.portal import models  # noqa: F401  (the tables belong to this plugin)
from pamong_plugins.portal.complaints import COMPLAINT_FILE, SURVEY_SERVICE
from pamong_plugins.portal.permissions import COMPLAINTS, LEGAL, PERMISSIONS, PUBLISH, ROLES


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
        NavItem(
            "portal.staff_pages",
            _l("Profile pages"),
            weight=81,
            permission=PUBLISH,
            description=_l("History, vision and mission, leaders, organisation"),
        ),
        NavItem(
            "portal.staff_legal",
            _l("Legal documents (JDIH)"),
            weight=82,
            permission=LEGAL,
            description=_l("Record regulations and decrees, attach their PDF, publish"),
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


@hookimpl
def pamong_legal_reference(citation: str, session: Any) -> LegalReference | None:
    """A citation of a Perda, Perbup or decree links to its JDIH page (with its status)."""
    from flask import url_for

    from pamong_plugins.portal.legal import STATUSES, cited, full_title

    doc = cited(session, citation)
    if doc is None:
        return None
    return LegalReference(
        url=url_for("portal.jdih_document", doc_id=doc.id),
        title=full_title(doc),
        status=doc.status,
        status_label=str(STATUSES[doc.status]),
    )

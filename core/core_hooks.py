"""The core's own hook implementations: core features plug in like any plugin."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pamong.accounts.permissions import CORE_PERMISSIONS
from pamong.hooks import (
    DocumentKind,
    NavItem,
    Permission,
    RoleTemplate,
    Stage,
    TrackableKind,
    hookimpl,
)
from pamong.i18n import lazy_gettext as _l
from pamong.jobs.permissions import JOB_PERMISSIONS


@hookimpl
def pamong_register_blueprints() -> Iterable[Any]:
    from pamong.accounts.api import blp as accounts_api
    from pamong.accounts.views import bp as accounts
    from pamong.audit.api import blp as audit_api
    from pamong.audit.views import bp as audit
    from pamong.documents.api import blp as documents_api
    from pamong.documents.views import bp as documents
    from pamong.identity.api import blp as identity_api
    from pamong.jobs.api import blp as jobs_api
    from pamong.jobs.views import bp as jobs
    from pamong.messaging.api import blp as messaging_api
    from pamong.messaging.views import bp as messaging
    from pamong.orgunits.api import blp as orgunits_api
    from pamong.surveys.api import blp as surveys_api
    from pamong.surveys.views import bp as surveys
    from pamong.tracking.api import blp as tracking_api
    from pamong.tracking.views import bp as tracking
    from pamong.web.apidocs import bp as apidocs
    from pamong.web.registry import bp as registry
    from pamong.web.staff import bp as staff
    from pamong.web.views import bp as web

    return [
        orgunits_api,
        identity_api,
        accounts_api,
        audit_api,
        tracking_api,
        documents_api,
        messaging_api,
        jobs_api,
        surveys_api,
        apidocs,
        web,
        registry,
        staff,
        tracking,
        documents,
        messaging,
        accounts,
        audit,
        jobs,
        surveys,
    ]


#: The core's own trackable service: population administration requests.
POPULATION_SERVICE = TrackableKind(
    "DUK",
    _l("Population administration service"),
    (
        Stage("received", _l("Received")),
        Stage("verification", _l("Checking the documents")),
        Stage("processing", _l("Being processed")),
        Stage("ready", _l("Ready to collect")),
        Stage("collected", _l("Collected")),
    ),
)


#: A certificate of residence (surat keterangan domisili), issued at the kecamatan.
DOMICILE_CERTIFICATE = DocumentKind(
    "core.domicile_certificate", _l("Certificate of residence"), validity_days=180
)


@hookimpl
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    return [DOMICILE_CERTIFICATE]


@hookimpl
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    return [POPULATION_SERVICE]


@hookimpl
def pamong_register_permissions() -> Iterable[Permission]:
    return (*CORE_PERMISSIONS, *JOB_PERMISSIONS)


@hookimpl
def pamong_register_roles() -> Iterable[RoleTemplate]:
    # Imported here: the accounts services (sessions, passwords) are not needed
    # by the commands that build the app without its web parts.
    from pamong.accounts.services import CORE_ROLES

    return CORE_ROLES


#: The core's groups of the staff menu (a plugin's items go under its own title).
RESIDENTS = _l("Residents")
MESSAGES = _l("Messages")
SATISFACTION = _l("Satisfaction index")
ADMINISTRATION = _l("Administration")


@hookimpl
def pamong_register_nav_items() -> Iterable[NavItem]:
    return [
        NavItem(
            "web.residents",
            _l("Residents"),
            weight=10,
            permission="core.residents.view",
            description=_l("Search the resident registry"),
            module=RESIDENTS,
        ),
        NavItem(
            "web.duplicates",
            _l("Duplicate review"),
            weight=20,
            permission="core.duplicates.review",
            description=_l("Possible double identities to resolve"),
            module=RESIDENTS,
        ),
        NavItem(
            "messaging.inbox",
            _l("Inbox"),
            weight=5,
            description=_l("Letters, invitations and notices for your units"),
            module=MESSAGES,
        ),
        NavItem(
            "messaging.outbox",
            _l("Undelivered messages"),
            weight=85,
            permission="core.deliveries.manage",
            description=_l("Deliveries that failed and wait for a retry"),
            module=MESSAGES,
        ),
        NavItem(
            "staff.users",
            _l("Users and roles"),
            weight=80,
            permission="core.users.manage",
            description=_l("Staff accounts and their roles at org units"),
            module=ADMINISTRATION,
        ),
        NavItem(
            "jobs.index",
            _l("Scheduled jobs"),
            weight=87,
            permission="core.jobs.manage",
            description=_l("Reminders and escalations: when they run and how they went"),
            module=ADMINISTRATION,
        ),
        NavItem(
            "surveys.results",
            _l("Satisfaction index"),
            weight=8,
            public=True,
            description=_l("How citizens rate each service, per unit and period"),
            module=SATISFACTION,
        ),
        NavItem(
            "surveys.admin",
            _l("Satisfaction survey"),
            weight=70,
            permission="core.surveys.manage",
            description=_l("The satisfaction index per service and unit; close a period"),
            module=SATISFACTION,
        ),
        NavItem(
            "audit.log",
            _l("Audit log"),
            weight=90,
            permission="core.audit.view",
            description=_l("Who wrote or read which record, and when"),
            module=ADMINISTRATION,
        ),
        NavItem(
            "web.org_units",
            _l("Org units"),
            weight=30,
            description=_l("Kecamatan, desa and offices of the regency"),
            module=RESIDENTS,
        ),
    ]


@hookimpl(trylast=True)
def pamong_verify_identity(nik: str, resident: Any) -> Any:
    """The built-in registry check; a national adapter registered by a plugin wins."""
    from pamong.identity.services import local_identity_check

    return local_identity_check(nik, resident)

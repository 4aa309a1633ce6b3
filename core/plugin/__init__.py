"""The public API for Pamong plugins: everything a plugin may import from the core.

A plugin imports from here and nowhere else in ``pamong``; every other
module of the core is internal and may change in any release. An import
contract in CI (``tests/test_import_contract.py``) holds the built-in
plugins to this rule, and ``docs/plugins/api.md`` documents each name.

The surface is versioned by :data:`API_VERSION` (semantic: a minor
release only adds; a name leaves only after a deprecation period). A
plugin declares the range it supports in ``PluginInfo.plugin_api``; the
host refuses to load it when this core's API is outside that range.

Deprecated names keep working with a :class:`PamongDeprecationWarning`
for the whole next minor version (see ``docs/plugins/api.md``).
"""

from __future__ import annotations

import warnings
from typing import Any

from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy.orm import Session

from pamong.accounts.models import User
from pamong.accounts.permissions import Actor
from pamong.accounts.services import holders_of_role
from pamong.audit.services import record as audit
from pamong.audit.services import record_personal_read
from pamong.auth import api_actor, require, token_required, web_actor
from pamong.cli.base import CliError, app_context, cli_language, domain_errors
from pamong.db import (
    Base,
    UTCDateTime,
    get_session,
    insert_many,
    insert_rows,
    paginate,
    utcnow,
)
from pamong.demo import DemoContext, actor_of, add_staff, grant_staff_role, staff_username
from pamong.documents.models import IssuedDocument
from pamong.documents.services import (
    DocumentToIssue,
    issue_document,
    issue_documents,
    mask_name,
    new_code,
    qr_svg,
    render_pdf,
    revoke_document,
    verify_url,
)
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound, PamongError, Unauthorized
from pamong.formatting import amount_in_words, long_date, month_name, rupiah
from pamong.hookrelay import hooks_of as _hooks_of
from pamong.hooks import (
    DemoData,
    DocumentKind,
    FeeDue,
    IdentityCheck,
    LegalReference,
    NavItem,
    Permission,
    PluginInfo,
    PortalWidget,
    PublicService,
    RoleTemplate,
    Stage,
    SurveyService,
    TrackableKind,
    TrackerLink,
    WorkerJob,
    hookimpl,
)
from pamong.hookspecs import spec as hookspec
from pamong.identity.models import (
    DuplicateCandidate,
    DuplicateStatus,
    MaritalStatus,
    Resident,
    ResidentStatus,
)
from pamong.identity.nik import N_, clean_nik, mask_nik, parse_nik
from pamong.identity.services import get_resident_by_nik, screen_duplicates, verify_identity
from pamong.inputs import (
    TooDeep,
    clean_filename,
    contains_nul,
    csv_delimiter,
    csv_dict_reader,
    load_json,
    nul_line,
)
from pamong.legalrefs import legal_reference
from pamong.messaging.services import notify, notify_resident, send_message
from pamong.orgunits.models import OrgUnit, OrgUnitKind
from pamong.orgunits.services import add_unit, get_unit
from pamong.plugins import PLUGIN_API_VERSION
from pamong.ratelimit import LoginThrottle, login_throttle
from pamong.ratelimit import public as public_rate_limited
from pamong.regions import get_region
from pamong.rest import (
    API_PREFIX,
    BEARER,
    MAX_QUERY_DATE,
    MIN_QUERY_DATE,
    QueryArgs,
    QueryDate,
    check_query_date,
)
from pamong.rest import Blueprint as ApiBlueprint
from pamong.runtime import (
    enabled_plugins,
    plugin_settings,
    regency_now,
    regency_today,
    region_code,
    site_branding,
    time_zone,
    transaction,
)
from pamong.surveys.index import DEFAULT_RULE as IKM_DEFAULT_RULE
from pamong.surveys.index import ELEMENTS_2017 as IKM_ELEMENTS
from pamong.surveys.index import RULES as IKM_RULES
from pamong.surveys.index import IkmResult, ikm_score, krejcie_morgan
from pamong.surveys.index import Rule as IkmRule
from pamong.surveys.index import category as ikm_category
from pamong.surveys.index import element_means as ikm_element_means
from pamong.surveys.models import SurveyInvitation
from pamong.surveys.services import (
    SurveyAnswer,
    answer_survey,
    survey_answers,
    survey_invitation,
    survey_link,
    survey_url,
)
from pamong.surveys.services import period_of as survey_period_of
from pamong.tracking.models import TrackedItem
from pamong.tracking.services import (
    OpenedItem,
    format_number,
    import_file,
    move_items,
    move_to,
    open_item,
    open_items,
)
from pamong.web.context import page_arg
from pamong.web.export import EXPORT_LIMIT, download_format, table_download
from pamong.workdays import (
    WorkCalendar,
    add_working_days,
    current_calendar,
    is_working_day,
    working_days_between,
)

#: The version of this API (semantic). Minor releases only add names.
API_VERSION = PLUGIN_API_VERSION

_ = gettext
_l = lazy_gettext


def hook_relay(session: Session) -> Any:
    """The hooks of the app that opened ``session``, for announcing events from a service.

    ``hook_relay(session).pamong_on_fee_due(fee=FeeDue(...))`` calls every
    enabled plugin's implementation (keyword arguments only). A session
    made outside an app gets a relay that calls nothing.
    """
    return _hooks_of(session)


class PamongDeprecationWarning(DeprecationWarning):
    """A name of the plugin API that will be removed; the message names its replacement."""


#: Deprecated name -> (replacement, API version that deprecated it, first version without it).
DEPRECATED: dict[str, tuple[str, str, str]] = {
    "hooks_of": ("hook_relay", "1.0", "1.2"),
}


def __getattr__(name: str) -> Any:
    if name in DEPRECATED:
        replacement, since, removal = DEPRECATED[name]
        warnings.warn(
            f"pamong.plugin.{name} is deprecated since plugin API {since} and goes in "
            f"{removal}: use pamong.plugin.{replacement}",
            PamongDeprecationWarning,
            stacklevel=2,
        )
        return globals()[replacement]
    raise AttributeError(f"module 'pamong.plugin' has no attribute {name!r}")


__all__ = [  # noqa: RUF022  (grouped by topic, as in docs/plugins/api.md)
    # version
    "API_VERSION",
    "PamongDeprecationWarning",
    # plugging in: the marker and the records hooks return
    "DemoData",
    "DocumentKind",
    "FeeDue",
    "IdentityCheck",
    "LegalReference",
    "NavItem",
    "Permission",
    "PluginInfo",
    "PortalWidget",
    "PublicService",
    "RoleTemplate",
    "Stage",
    "SurveyService",
    "TrackableKind",
    "TrackerLink",
    "WorkerJob",
    "hook_relay",
    "hookimpl",
    "hookspec",
    # the instance
    "enabled_plugins",
    "plugin_settings",
    "regency_now",
    "regency_today",
    "region_code",
    "site_branding",
    "time_zone",
    # data
    "Base",
    "UTCDateTime",
    "get_session",
    "paginate",
    "insert_many",
    "insert_rows",
    "transaction",
    "utcnow",
    # core models plugins refer to (foreign keys, queries)
    "DuplicateCandidate",
    "DuplicateStatus",
    "IssuedDocument",
    "MaritalStatus",
    "OrgUnit",
    "OrgUnitKind",
    "Resident",
    "ResidentStatus",
    "SurveyInvitation",
    "TrackedItem",
    "User",
    # who is calling, and may they
    "Actor",
    "api_actor",
    "require",
    "token_required",
    "holders_of_role",
    "web_actor",
    # audit and personal data
    "audit",
    "record_personal_read",
    "clean_nik",
    "get_resident_by_nik",
    "mask_name",
    "mask_nik",
    "parse_nik",
    "screen_duplicates",
    "verify_identity",
    # org units and regions
    "add_unit",
    "get_region",
    "get_unit",
    # tracking, documents, messaging
    "DocumentToIssue",
    "OpenedItem",
    "format_number",
    "import_file",
    "issue_document",
    "issue_documents",
    "move_items",
    "move_to",
    "new_code",
    "notify",
    "notify_resident",
    "legal_reference",
    "open_item",
    "open_items",
    "qr_svg",
    "render_pdf",
    "revoke_document",
    "send_message",
    "verify_url",
    # the satisfaction survey (IKM) of every service
    "IKM_DEFAULT_RULE",
    "IKM_ELEMENTS",
    "IKM_RULES",
    "IkmResult",
    "IkmRule",
    "SurveyAnswer",
    "answer_survey",
    "ikm_category",
    "ikm_element_means",
    "ikm_score",
    "krejcie_morgan",
    "survey_answers",
    "survey_invitation",
    "survey_link",
    "survey_url",
    "survey_period_of",
    # working days and formatting
    "WorkCalendar",
    "add_working_days",
    "amount_in_words",
    "current_calendar",
    "is_working_day",
    "long_date",
    "month_name",
    "rupiah",
    "working_days_between",
    # errors
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PamongError",
    "Unauthorized",
    # REST and pages
    "API_PREFIX",
    "BEARER",
    "ApiBlueprint",
    "QueryArgs",
    "QueryDate",
    "MIN_QUERY_DATE",
    "MAX_QUERY_DATE",
    "check_query_date",
    "page_arg",
    "table_download",
    "download_format",
    "EXPORT_LIMIT",
    "public_rate_limited",
    "login_throttle",
    "LoginThrottle",
    # bad input: 4xx, never 500
    "TooDeep",
    "clean_filename",
    "contains_nul",
    "csv_delimiter",
    "csv_dict_reader",
    "load_json",
    "nul_line",
    # translations
    "N_",
    "_",
    "_l",
    "gettext",
    "lazy_gettext",
    "ngettext",
    # CLI
    "CliError",
    "app_context",
    "cli_language",
    "domain_errors",
    # demo data
    "DemoContext",
    "actor_of",
    "add_staff",
    "grant_staff_role",
    "staff_username",
]

"""Business rules of the one-stop office, in one place for pages, API, CLI and jobs.

The rules live in cohesive modules (:mod:`.service_types`, :mod:`.applicants`,
:mod:`.intake`, :mod:`.workflow`, :mod:`.surveys`); this module gathers the
names the rest of the plugin uses. Every function takes a SQLAlchemy
``Session`` and, where someone acts, an ``Actor``; none touches the Flask
request. Online applicants act through :func:`applicant_actor` (no staff grants).
"""

from __future__ import annotations

from pamong_plugins.licensing.applicants import (
    applicant_actor,
    authenticate_applicant,
    counter_applicant,
    register_applicant,
)
from pamong_plugins.licensing.intake import (
    MAX_UPLOAD_BYTES,
    FileUpload,
    missing_requirements,
    submit_application,
    upload_type,
)
from pamong_plugins.licensing.service_types import (
    add_delegation,
    get_service_type,
    handling_unit,
    import_catalogue,
    kecamatan_units,
    office_unit,
    save_service_type,
    service_types,
)
from pamong_plugins.licensing.surveys import (
    SURVEY_RULE,
    submit_survey,
    survey_answered,
    survey_application,
)
from pamong_plugins.licensing.workflow import (
    add_months,
    advance,
    application_by_number,
    applications_query,
    assign,
    decide,
    document_of,
    get_application,
    hand_over,
    issue_permit,
    levy_paid,
    next_stage,
    record_applicant_read,
    record_payment,
    renew,
    resume,
    return_to_applicant,
    sla_of,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "SURVEY_RULE",
    "FileUpload",
    "add_delegation",
    "add_months",
    "advance",
    "applicant_actor",
    "application_by_number",
    "applications_query",
    "assign",
    "authenticate_applicant",
    "counter_applicant",
    "decide",
    "document_of",
    "get_application",
    "get_service_type",
    "hand_over",
    "handling_unit",
    "import_catalogue",
    "issue_permit",
    "kecamatan_units",
    "levy_paid",
    "missing_requirements",
    "next_stage",
    "office_unit",
    "record_applicant_read",
    "record_payment",
    "register_applicant",
    "renew",
    "resume",
    "return_to_applicant",
    "save_service_type",
    "service_types",
    "sla_of",
    "submit_application",
    "submit_survey",
    "survey_answered",
    "survey_application",
    "upload_type",
]

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
    delegated_types,
    desa_units,
    end_delegation,
    get_service_type,
    handling_unit,
    import_catalogue,
    import_delegations,
    kecamatan_units,
    office_unit,
    save_service_type,
    service_types,
)
from pamong_plugins.licensing.signatories import (
    delete_signatory,
    require_signatory,
    save_signatory,
    signatories,
    signatory_for,
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
    forward,
    get_application,
    hand_over,
    issue_permit,
    levy_paid,
    licensing_staff,
    next_stage,
    record_applicant_read,
    record_oss_reference,
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
    "delegated_types",
    "delete_signatory",
    "desa_units",
    "document_of",
    "end_delegation",
    "forward",
    "get_application",
    "get_service_type",
    "hand_over",
    "handling_unit",
    "import_catalogue",
    "import_delegations",
    "issue_permit",
    "kecamatan_units",
    "levy_paid",
    "licensing_staff",
    "missing_requirements",
    "next_stage",
    "office_unit",
    "record_applicant_read",
    "record_oss_reference",
    "record_payment",
    "register_applicant",
    "renew",
    "require_signatory",
    "resume",
    "return_to_applicant",
    "save_service_type",
    "save_signatory",
    "service_types",
    "signatories",
    "signatory_for",
    "sla_of",
    "submit_application",
    "submit_survey",
    "survey_answered",
    "survey_application",
    "upload_type",
]

"""Readable, translated labels for the stored codes shown on pages."""

from __future__ import annotations

from typing import Any

from pamong.i18n import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "sex": {"M": _l("Male"), "F": _l("Female")},
    "status": {
        "living": _l("Living"),
        "moved_out": _l("Moved out"),
        "deceased": _l("Deceased"),
    },
    "religion": {
        "islam": _l("Islam"),
        "kristen": _l("Protestant"),
        "katolik": _l("Catholic"),
        "hindu": _l("Hindu"),
        "buddha": _l("Buddhist"),
        "konghucu": _l("Confucian"),
        "kepercayaan": _l("Traditional belief"),
    },
    "marital_status": {
        "belum_kawin": _l("Not married"),
        "kawin": _l("Married"),
        "cerai_hidup": _l("Divorced"),
        "cerai_mati": _l("Widowed"),
    },
    "family_relation": {
        "kepala_keluarga": _l("Head of the family"),
        "suami": _l("Husband"),
        "istri": _l("Wife"),
        "anak": _l("Child"),
        "menantu": _l("Child-in-law"),
        "cucu": _l("Grandchild"),
        "orang_tua": _l("Parent"),
        "mertua": _l("Parent-in-law"),
        "famili_lain": _l("Other relative"),
        "pembantu": _l("Household help"),
        "lainnya": _l("Other"),
    },
    "message_kind": {
        "letter": _l("Letter"),
        "invitation": _l("Invitation"),
        "notice": _l("Notice"),
    },
    "kind": {
        "regency": _l("Regency/city"),
        "kecamatan": _l("Kecamatan"),
        "desa": _l("Desa"),
        "kelurahan": _l("Kelurahan"),
        "skpd": _l("Regional office (SKPD)"),
        "bumd": _l("Regional enterprise (BUMD)"),
        "rsud": _l("Regional hospital (RSUD)"),
        "service_point": _l("Service point"),
    },
}


def label(value: str | None, group: str) -> Any:
    """The translated label of ``value`` in ``group``; the value itself if unknown."""
    if value is None:
        return "–"
    return LABELS.get(group, {}).get(value, value)


#: What an audit entry's action code means, for the audit pages; a plugin's
#: own codes (``ktp_application.print``) are told by their parts below.
AUDIT_ACTIONS: dict[str, Any] = {
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("Failed login"),
    "auth.logout": _l("Logged out"),
    "auth.invalid_token": _l("Invalid API token"),
    "auth.permission_denied": _l("Refused: no permission"),
    "personal_data.read": _l("Personal data read"),
    "audit.subject_report": _l("Report of who accessed a person's data"),
    "accounts.reset_password": _l("Password reset"),
    "user.password_reset": _l("Password reset"),
    "user.password_reset_requested": _l("Password reset requested"),
    "user.set_password": _l("Password changed"),
    "user.grant_role": _l("Role granted"),
    "user.revoke_role": _l("Role revoked"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "job.run_requested": _l("Job run requested"),
    "plugin.listener_failed": _l("Module listener failed"),
    "delivery.queue": _l("Notification queued"),
    "delivery.retry": _l("Notification retried"),
    "duplicate.resolve": _l("Possible duplicate resolved"),
    "tracked_item.move": _l("File moved to a new step"),
}

#: The subjects of audit entries (an action's first part, a record's type).
AUDIT_OBJECTS: dict[str, Any] = {
    "resident": _l("Resident"),
    "user": _l("Staff account"),
    "token": _l("API token"),
    "document": _l("Document"),
    "message": _l("Message"),
    "org_unit": _l("Org unit"),
    "tracked_item": _l("Tracked file"),
    "delivery": _l("Notification"),
    "duplicate": _l("Possible duplicate"),
    "job": _l("Job"),
    "role": _l("Role"),
}

#: The verbs of audit actions (an action's last part).
AUDIT_VERBS: dict[str, Any] = {
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "read": _l("read"),
    "import": _l("imported"),
    "issue": _l("issued"),
    "revoke": _l("revoked"),
    "send": _l("sent"),
    "open": _l("opened"),
    "print": _l("printed"),
    "cancel": _l("cancelled"),
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "pay": _l("paid"),
    "reverse": _l("reversed"),
}


def audit_object(code: str | None) -> Any:
    """``resident`` -> "Resident"; a plugin's ``ktp_application`` -> "Ktp application"."""
    if not code:
        return ""
    return AUDIT_OBJECTS.get(code) or code.replace("_", " ").capitalize()


def audit_action(code: str) -> str:
    """A readable audit action: "Resident: created" for ``resident.create``."""
    known = AUDIT_ACTIONS.get(code)
    if known is not None:
        return str(known)
    subject, _dot, verb = code.rpartition(".")
    if not subject:
        return code
    verb_label = AUDIT_VERBS.get(verb) or verb.replace("_", " ")
    return f"{audit_object(subject)}: {verb_label}"

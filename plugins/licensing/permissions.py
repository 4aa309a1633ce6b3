"""Permissions, suggested roles, the tracked-file kind and the document kind."""

from __future__ import annotations

from pamong.plugin import N_, DocumentKind, Permission, RoleTemplate, Stage, TrackableKind, _l

INTAKE = "licensing.intake"
VERIFY = "licensing.verify"
INSPECT = "licensing.inspect"
DECIDE = "licensing.decide"
VIEW = "licensing.view"
REPORT = "licensing.report"
ADMIN = "licensing.admin"

PERMISSIONS = (
    Permission(INTAKE, "Take applications at the counter, record payment, hand permits over"),
    Permission(VERIFY, "Check documents, return files to applicants, assign staff"),
    Permission(INSPECT, "Record field inspections and coordination meetings (technical team)"),
    Permission(DECIDE, "Approve or refuse applications (head of office, camat)"),
    Permission(VIEW, "See applications and permits of the unit"),
    Permission(REPORT, "See statistics and the satisfaction index"),
    Permission(ADMIN, "Edit the service catalogue and delegations"),
)

ROLES = (
    RoleTemplate("licensing_front", N_("Licensing front office"), (INTAKE, VIEW)),
    RoleTemplate("licensing_verifier", N_("Licensing document verifier"), (INTAKE, VERIFY, VIEW)),
    RoleTemplate("licensing_technical", N_("Licensing technical team"), (INSPECT, VIEW)),
    RoleTemplate(
        "licensing_head",
        N_("Head of the licensing office / camat"),
        (INTAKE, VERIFY, INSPECT, DECIDE, VIEW, REPORT),
    ),
    RoleTemplate(
        "licensing_observer", N_("Observer of licensing figures (bupati)"), (VIEW, REPORT)
    ),
    RoleTemplate("licensing_admin", N_("Licensing catalogue administrator"), (ADMIN, VIEW, REPORT)),
)

#: Stage codes in their usual order; ``returned`` and ``refused`` are side exits.
RECEIVED, VERIFICATION, RETURNED, INSPECTION, MEETING = (
    "received",
    "verification",
    "returned",
    "inspection",
    "meeting",
)
DECISION, REFUSED, PAYMENT, HANDOVER, DONE = "decision", "refused", "payment", "handover", "done"
OPTIONAL_STAGES = (INSPECTION, MEETING)

LICENSE_FILE = TrackableKind(
    "LIC",
    _l("Permit and licensing service"),
    (
        Stage(RECEIVED, _l("Received")),
        Stage(VERIFICATION, _l("Document verification")),
        Stage(RETURNED, _l("Returned to the applicant for missing documents")),
        Stage(INSPECTION, _l("Field inspection by the technical team")),
        Stage(MEETING, _l("Coordination meeting")),
        Stage(DECISION, _l("Awaiting decision")),
        Stage(REFUSED, _l("Refused")),
        Stage(PAYMENT, _l("Awaiting payment of the levy")),
        Stage(HANDOVER, _l("Ready for handover")),
        Stage(DONE, _l("Handed over")),
    ),
)

PERMIT_DOCUMENT = DocumentKind("licensing.permit", _l("Permit"), validity_days=None)

#: Stage names for notifications to applicants (plain Indonesian: messages are
#: queued outside any request, where translated labels are not available).
STAGE_WORDS = {
    RECEIVED: "diterima",
    VERIFICATION: "verifikasi berkas",
    RETURNED: "dikembalikan kepada pemohon untuk melengkapi berkas",
    INSPECTION: "tinjau lapangan oleh tim teknis",
    MEETING: "rapat koordinasi",
    DECISION: "menunggu keputusan",
    REFUSED: "ditolak",
    PAYMENT: "menunggu pembayaran retribusi",
    HANDOVER: "izin siap diserahkan",
    DONE: "izin telah diserahkan",
}

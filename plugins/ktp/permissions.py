"""What the KTP plugin checks; every permission is granted at an org unit and its subtree."""

from __future__ import annotations

from pamong.plugin import N_, Permission, RoleTemplate, _l

APPLY = "ktp.apply"
PRINT = "ktp.print"
HANDOVER = "ktp.handover"
REPORT = "ktp.report"
ADMIN = "ktp.admin"

#: Any of these lets a user see the applications of a kecamatan.
READ = (APPLY, PRINT, HANDOVER, REPORT)

PERMISSIONS = (
    Permission(APPLY, _l("Take KTP applications, check biodata, take photos and signatures")),
    Permission(PRINT, _l("Print and reprint KTP cards")),
    Permission(HANDOVER, _l("Hand printed KTP cards over")),
    Permission(REPORT, _l("See KTP service-time reports")),
    Permission(ADMIN, _l("Set the KTP fee schedule")),
)

ROLES = (
    RoleTemplate(
        "ktp_officer",
        N_("KTP officer"),
        (APPLY, PRINT, HANDOVER, REPORT, "core.residents.view", "core.residents.personal"),
    ),
    RoleTemplate("ktp_supervisor", N_("KTP supervisor"), (REPORT, ADMIN, "core.residents.view")),
)

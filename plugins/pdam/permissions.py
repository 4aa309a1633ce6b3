"""What the PDAM plugin checks; every permission is granted at an org unit and its subtree."""

from __future__ import annotations

from pamong.plugin import N_, Permission, RoleTemplate, _l

READER = "pdam.reader"
BILLING = "pdam.billing"
ADMIN = "pdam.admin"
REPORT = "pdam.report"

#: Any of these lets a user see the connections of a unit.
READ = (READER, BILLING, ADMIN, REPORT)

PERMISSIONS = (
    Permission(READER, _l("Enter and import meter readings")),
    Permission(BILLING, _l("Run the monthly bill run, late fees, sealing and reconnection")),
    Permission(ADMIN, _l("Manage connections, customer groups and tariff decrees")),
    Permission(REPORT, _l("See water, non-revenue water and arrears reports")),
)

ROLES = (
    RoleTemplate("pdam_reader", N_("Meter reader"), (READER,)),
    RoleTemplate("pdam_billing", N_("PDAM billing staff"), (BILLING, REPORT)),
    RoleTemplate("pdam_admin", N_("PDAM administrator"), (ADMIN, BILLING, REPORT)),
    RoleTemplate("pdam_report", N_("PDAM director (reports)"), (REPORT,)),
)

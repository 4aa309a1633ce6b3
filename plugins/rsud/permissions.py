"""What the rsud plugin checks; every permission is granted at the hospital unit and its subtree."""

from __future__ import annotations

from pamong.plugin import N_, Permission, RoleTemplate, _l

REGISTRATION = "rsud.registration"
CHARGE = "rsud.charge"
CASHIER = "rsud.cashier"
CASEMIX = "rsud.casemix"
MEDICAL_DATA = "rsud.medical_data"
REPORT = "rsud.report"
ADMIN = "rsud.admin"

#: Any of these lets a user see a hospital's patients and encounters (without diagnoses).
READ = (REGISTRATION, CHARGE, CASHIER, CASEMIX, REPORT, ADMIN)

PERMISSIONS = (
    Permission(REGISTRATION, _l("Register patients, admit, transfer and discharge")),
    Permission(CHARGE, _l("Post and reverse charges of a unit to open encounters")),
    Permission(CASHIER, _l("Take deposits and turn discharge bills into invoices")),
    Permission(CASEMIX, _l("Record BPJS claims: SEP, INA-CBG code, package and upgrade")),
    Permission(MEDICAL_DATA, _l("Read and record diagnoses (specific personal data)")),
    Permission(REPORT, _l("See hospital revenue reports and indicators")),
    Permission(ADMIN, _l("Keep wards, beds and the tariff master")),
)

ROLES = (
    RoleTemplate("rsud_registration", N_("RSUD registration"), (REGISTRATION,)),
    RoleTemplate("rsud_charge", N_("RSUD service unit (charge entry)"), (CHARGE,)),
    RoleTemplate("rsud_cashier", N_("RSUD cashier"), (CASHIER, "billing.cashier")),
    RoleTemplate("rsud_casemix", N_("RSUD casemix"), (CASEMIX, MEDICAL_DATA)),
    RoleTemplate("rsud_report", N_("RSUD management (reports)"), (REPORT,)),
    RoleTemplate("rsud_admin", N_("RSUD administrator (tariffs, wards)"), (ADMIN, REPORT)),
)

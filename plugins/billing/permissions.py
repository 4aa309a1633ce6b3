"""What the billing plugin checks; every permission is granted at an org unit and its subtree."""

from __future__ import annotations

from pamong.plugin import N_, DocumentKind, Permission, RoleTemplate, Stage, TrackableKind, _l

CASHIER = "billing.cashier"
SUPERVISOR = "billing.supervisor"
TREASURER = "billing.treasurer"
REPORT = "billing.report"

#: Any of these lets a user look at a unit's invoices and payments.
READ = (CASHIER, SUPERVISOR, TREASURER, REPORT)

PERMISSIONS = (
    Permission(
        CASHIER,
        _l("Open a cashier session, take payments, print receipts, issue invoices by hand"),
    ),
    Permission(
        SUPERVISOR,
        _l("Approve cancellations, refunds, waivers and amendments; review held payments"),
    ),
    Permission(TREASURER, _l("Close the day, make the deposit slip, keep the cash book")),
    Permission(REPORT, _l("See revenue, arrears and collection reports")),
)

ROLES = (
    RoleTemplate("billing_cashier", N_("Cashier"), (CASHIER, REPORT)),
    RoleTemplate("billing_supervisor", N_("Billing supervisor"), (SUPERVISOR, CASHIER, REPORT)),
    RoleTemplate("billing_treasurer", N_("Revenue treasurer"), (TREASURER, REPORT)),
    RoleTemplate("billing_report", N_("Billing reports"), (REPORT,)),
)

INVOICE_FILE = TrackableKind(
    "INV",
    _l("Invoice"),
    (
        Stage("unpaid", _l("Awaiting payment")),
        Stage("partly_paid", _l("Partly paid")),
        Stage("paid", _l("Paid")),
        Stage("cancelled", _l("Cancelled")),
        Stage("refunded", _l("Refunded")),
        Stage("expired", _l("Expired: reissued under a new number")),
    ),
)

RECEIPT = DocumentKind("billing.receipt", _l("Payment receipt"))
DEPOSIT_SLIP = DocumentKind("billing.sts", _l("Deposit slip (STS)"))

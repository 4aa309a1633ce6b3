"""What the SIPAW plugin checks; permissions are granted at an org unit and its subtree.

An enumerator granted at a market's unit (or at the trade office above the
markets) enters that market's prices; the coordinator publishes.
"""

from __future__ import annotations

from pamong.plugin import N_, Permission, RoleTemplate, _l

ENUMERATOR = "sipaw.enumerator"
COORDINATOR = "sipaw.coordinator"
ADMIN = "sipaw.admin"
TRADER = "sipaw.trader"

PERMISSIONS = (
    Permission(ENUMERATOR, _l("Enter the day's price observations of a market")),
    Permission(COORDINATOR, _l("Review and publish the day's prices, correct published prices")),
    Permission(ADMIN, _l("Manage markets, commodities, reference prices and the trade board")),
    Permission(TRADER, _l("Post offers and requests on the trade board, see traders' contacts")),
)

ROLES = (
    RoleTemplate("sipaw_enumerator", N_("Price enumerator"), (ENUMERATOR,)),
    RoleTemplate("sipaw_coordinator", N_("Price coordinator"), (COORDINATOR, ENUMERATOR)),
    RoleTemplate("sipaw_admin", N_("SIPAW administrator (trade office)"), (ADMIN, COORDINATOR)),
    RoleTemplate("sipaw_trader", N_("Verified trader"), (TRADER,)),
)

"""What the portal checks; every permission is granted at an org unit and its subtree."""

from __future__ import annotations

from pamong.plugin import N_, Permission, RoleTemplate, _l

PUBLISH = "portal.publish"
COMPLAINTS = "portal.complaints"
COMPLAINTS_PERSONAL = "portal.complaints_personal"
FILE_FOR_CITIZEN = "portal.file_for_citizen"
LEGAL = "portal.legal"

PERMISSIONS = (
    Permission(PUBLISH, _l("Write and publish news, announcements and profile pages")),
    Permission(COMPLAINTS, _l("Handle complaints routed to the unit: verify, route, answer")),
    Permission(
        COMPLAINTS_PERSONAL, _l("See the name and contacts of complainants (not confidential ones)")
    ),
    Permission(FILE_FOR_CITIZEN, _l("File a complaint at the counter on a citizen's behalf")),
    Permission(LEGAL, _l("Record regional regulations and decrees (JDIH)")),
)

ROLES = (
    RoleTemplate("portal_editor", N_("Public relations editor"), (PUBLISH,)),
    RoleTemplate(
        "portal_handler",
        N_("Complaint handler"),
        (COMPLAINTS, COMPLAINTS_PERSONAL, FILE_FOR_CITIZEN),
    ),
    RoleTemplate("portal_legal", N_("Legal documents officer (JDIH)"), (LEGAL,)),
)

"""What Kantaya checks; every permission is granted at an org unit and its subtree."""

from __future__ import annotations

from pamong.plugin import N_, DocumentKind, Permission, RoleTemplate, _l

REPORT = "kantaya.report"
APPROVE = "kantaya.approve"
MONITOR = "kantaya.monitor"
LETTERS = "kantaya.letters"
DISPOSE = "kantaya.dispose"
PROJECTS = "kantaya.projects"
AGENDA = "kantaya.agenda"
FORUM_MODERATE = "kantaya.forum_moderate"

#: Any of these at a unit lets a user read its daily reports.
READ = (REPORT, APPROVE, MONITOR)

PERMISSIONS = (
    Permission(REPORT, _l("Draft and submit the unit's daily report; see its tasks")),
    Permission(APPROVE, _l("Approve or return the unit's daily reports (head of unit)")),
    Permission(MONITOR, _l("See the controlling grid, comment on reports and give instructions")),
    Permission(LETTERS, _l("Number and register outgoing letters (secretariat)")),
    Permission(PROJECTS, _l("Register projects, enter weekly progress, record SP steps")),
    Permission(AGENDA, _l("Keep the unit's and its leader's agenda; send invitations")),
    Permission(FORUM_MODERATE, _l("Moderate the forum: hide posts and threads, lock threads")),
    Permission(DISPOSE, _l("Dispose incoming letters to units and people; forward, recall")),
)

ROLES = (
    RoleTemplate("kantaya_reporter", N_("Daily reporter"), (REPORT,)),
    RoleTemplate("kantaya_head", N_("Unit head"), (APPROVE, REPORT, DISPOSE)),
    RoleTemplate("kantaya_leader", N_("Leader (Bupati, Sekda, camat)"), (MONITOR, DISPOSE)),
    RoleTemplate("kantaya_secretary", N_("Secretariat (letters, agenda)"), (LETTERS, AGENDA)),
    RoleTemplate("kantaya_moderator", N_("Forum moderator"), (FORUM_MODERATE,)),
    RoleTemplate("kantaya_project_officer", N_("Project officer"), (PROJECTS,)),
)

OUTGOING_LETTER = DocumentKind("kantaya.letter", _l("Outgoing letter"))

#: Any Kantaya permission at a unit lets a user read and write its forum threads.
ANY = (REPORT, APPROVE, MONITOR, LETTERS, DISPOSE, PROJECTS, AGENDA, FORUM_MODERATE)

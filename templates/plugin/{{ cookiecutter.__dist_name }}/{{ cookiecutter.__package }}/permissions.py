"""What the plugin checks. A role grants its permissions at an org unit and every unit below it."""

from pamong.plugin import N_, Permission, RoleTemplate, _l

VIEW = "{{ cookiecutter.plugin_id }}.view"
MANAGE = "{{ cookiecutter.plugin_id }}.manage"

PERMISSIONS = (
    Permission(VIEW, _l("See the entries of {{ cookiecutter.title }}")),
    Permission(MANAGE, _l("Record entries in {{ cookiecutter.title }}")),
)

ROLES = (
    RoleTemplate(
        "{{ cookiecutter.plugin_id }}_officer",
        N_("{{ cookiecutter.title }} officer"),  # the role's title on staff pages
        (VIEW, MANAGE),
    ),
)

"""What the plugin checks. A role grants its permissions at an org unit and every unit below it."""

from pamong.plugin import Permission, RoleTemplate, _l

VIEW = "suratdesa.view"  # see a desa's letters: the desa head, the kecamatan
SERVE = "suratdesa.serve"  # register requests and issue letters: the desa clerk

PERMISSIONS = (
    Permission(VIEW, _l("See the certificate letters of a desa")),
    Permission(SERVE, _l("Register requests for certificate letters and issue them")),
)

ROLES = (
    # The clerk looks residents up by NIK: the core's personal-data permission, at the desa.
    RoleTemplate(
        "suratdesa_clerk",
        "Desa letter clerk",
        (VIEW, SERVE, "core.residents.view", "core.residents.personal"),
    ),
)

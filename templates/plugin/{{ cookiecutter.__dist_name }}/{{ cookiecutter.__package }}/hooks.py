"""The hooks of {{ cookiecutter.plugin_id }}: thin, they hand Pamong what the plugin contributes.

Everything is in the ``{{ cookiecutter.plugin_id }}`` namespace: permissions ``{{ cookiecutter.plugin_id }}.*``,
roles ``{{ cookiecutter.plugin_id }}_*``, blueprints ``{{ cookiecutter.plugin_id }}`` (pages at ``/{{ cookiecutter.plugin_id }}``) and
``{{ cookiecutter.plugin_id }}_api`` (``/api/v1/{{ cookiecutter.plugin_id }}``){% if cookiecutter.include_model %}, tables ``{{ cookiecutter.plugin_id }}_*``{% endif %}.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from pamong.hooks import NavItem, Permission, RoleTemplate, hookimpl
from pamong.i18n import lazy_gettext as _l
from {{ cookiecutter.__package }}.api import blp
from {{ cookiecutter.__package }}.views import web

VIEW = "{{ cookiecutter.plugin_id }}.view"
MANAGE = "{{ cookiecutter.plugin_id }}.manage"


@hookimpl
def pamong_register_blueprints(app: Any) -> list[Blueprint]:
    return [web, blp]


@hookimpl
def pamong_register_permissions() -> list[Permission]:
    return [
        Permission(VIEW, "See {{ cookiecutter.title }}"),
        Permission(MANAGE, "Record in {{ cookiecutter.title }}"),
    ]


@hookimpl
def pamong_register_roles() -> list[RoleTemplate]:
    return [RoleTemplate("{{ cookiecutter.plugin_id }}_officer", "{{ cookiecutter.title }} officer", (VIEW, MANAGE))]


@hookimpl
def pamong_register_nav_items() -> list[NavItem]:
    return [NavItem("{{ cookiecutter.plugin_id }}.index", _l("{{ cookiecutter.title }}"), weight=50, permission=VIEW)]

"""What the plugin contributes to Pamong. Thin: each hook hands over something made elsewhere.

Everything is in the plugin's namespace:
- permissions ``{{ cookiecutter.plugin_id }}.*`` and the role ``{{ cookiecutter.plugin_id }}_officer``;
- blueprints ``{{ cookiecutter.plugin_id }}`` (pages at ``/{{ cookiecutter.plugin_id }}``) and ``{{ cookiecutter.plugin_id }}_api``
  (``/api/v1/{{ cookiecutter.plugin_id }}``);
- tables ``{{ cookiecutter.plugin_id }}_*``;
- the command group ``pamong {{ cookiecutter.plugin_id }}``;
- the translation domain ``{{ cookiecutter.plugin_id }}``.

Importing the modules here also loads the models: Pamong claims a plugin's
tables while its hooks module is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pamong.plugin import DemoData, NavItem, Permission, RoleTemplate, _l, hookimpl

from {{ cookiecutter.__package }}.api import blp
from {{ cookiecutter.__package }}.cli import cli
from {{ cookiecutter.__package }}.demo import seed
from {{ cookiecutter.__package }}.permissions import PERMISSIONS, ROLES, VIEW
from {{ cookiecutter.__package }}.views import bp


@hookimpl
def pamong_register_blueprints() -> Iterable[Any]:
    return [bp, blp]


@hookimpl
def pamong_register_permissions() -> Iterable[Permission]:
    return PERMISSIONS


@hookimpl
def pamong_register_roles() -> Iterable[RoleTemplate]:
    return ROLES


@hookimpl
def pamong_register_nav_items() -> Iterable[NavItem]:
    return [
        NavItem(
            "{{ cookiecutter.plugin_id }}.index",
            _l("{{ cookiecutter.title }}"),
            weight=50,
            permission=VIEW,
            description=_l("{{ cookiecutter.description }}"),
        ),
    ]


@hookimpl
def pamong_register_cli_commands() -> Any:
    return cli


@hookimpl
def pamong_register_demo_data() -> DemoData:
    return DemoData(seed=seed)

"""What the plugin contributes to Pamong. Thin: each hook hands over something made elsewhere.

Everything is in the plugin's namespace: permissions ``suratdesa.*``, the
role ``suratdesa_clerk``, blueprints ``suratdesa`` and ``suratdesa_api``,
the table ``suratdesa_letters``, the settings section ``[plugins.suratdesa]``,
the command group ``pamong suratdesa``, the document kind
``suratdesa.letter`` and the translation domain ``suratdesa``. Importing
the modules here also loads the models: Pamong claims a plugin's tables
while its hooks module is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema

from pamong.plugin import (
    DemoData,
    DocumentKind,
    NavItem,
    Permission,
    RoleTemplate,
    TrackableKind,
    _l,
    hookimpl,
)

from pamong_suratdesa.api import blp
from pamong_suratdesa.cli import cli
from pamong_suratdesa.demo import seed
from pamong_suratdesa.permissions import PERMISSIONS, ROLES, VIEW
from pamong_suratdesa.schemas import SuratdesaSettings
from pamong_suratdesa.services import LETTER, LETTER_FILE
from pamong_suratdesa.views import bp


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
            "suratdesa.index",
            _l("Certificate letters"),
            weight=30,
            permission=VIEW,
            description=_l("Surat keterangan: register, issue, print"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return SuratdesaSettings


@hookimpl
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    return [LETTER_FILE]


@hookimpl
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    return [LETTER]


@hookimpl
def pamong_register_cli_commands() -> Any:
    return cli


@hookimpl
def pamong_register_demo_data() -> DemoData:
    return DemoData(seed=seed, weight=40)

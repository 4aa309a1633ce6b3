"""Hooks of the site plugin. Everything here is in the ``site`` namespace.

Tables must start with ``site_``, permissions with ``site.``, blueprints are
``site`` (pages under ``/site``) and ``site_api`` (``/api/v1/site``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template
from jinja2 import ChoiceLoader, FileSystemLoader
from marshmallow import Schema, fields

from pamong.plugin import NavItem, hookimpl

OVERRIDES = Path(__file__).parent / "overrides"

# static/ holds the logo (pamong.toml's `logo`), served at /site/static/.
web = Blueprint("site", __name__, template_folder="templates", static_folder="static")


class SiteSettings(Schema):
    """The ``[plugins.site]`` section of pamong.toml."""

    site_name = fields.String(load_default="Pamong {{ cookiecutter.__short_name }}")


@web.route("/")
def about() -> str:
    """A public page about this deployment."""
    settings = current_app.extensions["pamong"].plugin_settings("site")
    return render_template("site/about.html", site_name=settings["site_name"])


@hookimpl
def pamong_register_blueprints(app: Any) -> list[Blueprint]:
    return [web]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return SiteSettings


@hookimpl
def pamong_register_nav_items() -> list[NavItem]:
    return [NavItem("site.about", "Tentang {{ cookiecutter.__short_name }}", weight=900, public=True)]


@hookimpl
def pamong_on_app_ready(app: Any) -> None:
    """Templates in ``overrides/`` win over the core's and the plugins' own.

    Copy a core template (e.g. ``home.html``) there and edit it; keep such
    copies few, since each one must be compared with the core's at every upgrade.
    """
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(OVERRIDES)), app.jinja_loader])


@hookimpl
def pamong_verify_identity(nik: str, resident: Any, session: Any) -> Any:
    """Where the adapter to Dukcapil's national registry (SIAK) goes.

    Return a ``pamong.hooks.IdentityCheck`` with the registry's answer;
    returning None leaves the decision to the core's local registry check.
    """
    return None

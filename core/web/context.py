"""Template helpers: navigation from plugins, locale, formatting."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import get_locale

from pamong.branding import brand_style, logo_url
from pamong.formatting import register_template_filters
from pamong.identity.nik import mask_nik
from pamong.web.labels import audit_action, audit_object, label
from pamong.web.nav import current_group, nav_groups, visible_nav_pairs
from pamong.web.roles import role_title


def page_arg() -> int:
    """The ``?page=`` of a listing: 1 when missing or not a number."""
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def visible_nav_items() -> list[Any]:
    """Nav items of every component the current user may use, in weight order."""
    return [item for _component, item in visible_nav_pairs()]


def regency_name() -> str:
    """The root unit's name (``Kabupaten Sragen``), read once per request; "" before init."""
    if "pamong_regency_name" not in g:
        from pamong.db import get_session
        from pamong.orgunits.services import root_unit

        root = root_unit(get_session())
        g.pamong_regency_name = root.name if root is not None else ""
    return g.pamong_regency_name


def _legal_reference(citation: str | None) -> Any:
    """``legal_reference(citation)`` in templates: the JDIH document it names, or None."""
    from pamong.db import get_session
    from pamong.legalrefs import legal_reference

    return legal_reference(get_session(), citation)


def install_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _helpers() -> dict[str, Any]:
        state = current_app.extensions["pamong"]
        return {
            "nav_items": visible_nav_items,
            "nav_groups": nav_groups,
            "current_group": current_group,
            "current_locale": lambda: str(get_locale() or state.settings.default_locale),
            "settings": state.settings,
            "brand_style": lambda: brand_style(state.settings),
            "regency_name": regency_name,
            "logo_url": lambda: logo_url(state.settings, request.script_root),
        }

    register_template_filters(app)
    app.jinja_env.globals["legal_reference"] = _legal_reference  # for imported macros too
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["role_title"] = role_title
    app.jinja_env.filters["audit_action"] = audit_action
    app.jinja_env.filters["audit_object"] = audit_object

"""Template helpers: navigation from plugins, locale, formatting."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_login import current_user

from pamong.branding import brand_style, logo_url
from pamong.formatting import register_template_filters
from pamong.identity.nik import mask_nik
from pamong.web.labels import audit_action, audit_object, label


def page_arg() -> int:
    """The ``?page=`` of a listing: 1 when missing or not a number."""
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def visible_nav_items() -> list[Any]:
    """Nav items of every component the current user may use, in weight order."""
    state = current_app.extensions["pamong"]
    items = []
    for _component, item in state.nav_items:
        if item.public or (
            current_user.is_authenticated
            and (item.permission is None or current_user.can(item.permission))
        ):
            items.append(item)
    return items


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
    app.jinja_env.filters["audit_action"] = audit_action
    app.jinja_env.filters["audit_object"] = audit_object

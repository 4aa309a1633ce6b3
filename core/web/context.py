"""Template helpers: navigation from plugins, locale, formatting."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from pamong.formatting import register_template_filters
from pamong.identity.nik import mask_nik
from pamong.web.labels import label


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


def _luminance(color: str) -> float:
    """WCAG relative luminance of a ``#rgb`` / ``#rrggbb`` colour."""
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = []
    for i in (0, 2, 4):
        c = int(digits[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_color_on(background: str) -> str:
    """White or the page's dark text, whichever reads better on ``background``."""
    light = _luminance(background)
    on_white = 1.05 / (light + 0.05)
    on_dark = (light + 0.05) / (_luminance("#1d2433") + 0.05)
    return "#ffffff" if on_white >= on_dark else "#1d2433"


def brand_style(settings: Any) -> str:
    """CSS custom properties for the instance's ``brand_color`` and ``accent_color``.

    Empty when neither is set, so an unbranded instance looks as shipped. The
    values are validated hex colours (``pamong.config``), safe inside ``<style>``.
    """
    rules = []
    if settings.brand_color:
        rules.append(f"--brand:{settings.brand_color}")
        rules.append(f"--brand-fg:{text_color_on(settings.brand_color)}")
    if settings.accent_color:
        rules.append(f"--accent:{settings.accent_color}")
    return ":root{" + ";".join(rules) + "}" if rules else ""


def logo_url(settings: Any) -> str:
    """The ``logo`` setting as a URL; a site path is kept under the app's mount point."""
    if settings.logo.startswith("/"):
        return request.script_root + settings.logo
    return settings.logo


def install_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _helpers() -> dict[str, Any]:
        state = current_app.extensions["pamong"]
        return {
            "nav_items": visible_nav_items,
            "current_locale": lambda: str(get_locale() or state.settings.default_locale),
            "settings": state.settings,
            "brand_style": lambda: brand_style(state.settings),
            "logo_url": lambda: logo_url(state.settings),
        }

    register_template_filters(app)
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.filters["label"] = label

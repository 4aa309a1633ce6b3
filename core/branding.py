"""Branding of an instance: its colours and logo on every page.

Three ``[pamong]`` settings (validated in :mod:`pamong.config`) brand the
pages without overriding a template: ``brand_color`` (the header),
``accent_color`` (links and buttons) and ``logo`` (an image URL, usually
served by the deployment's ``site`` plugin). ``base.html`` reads them
through :func:`brand_style` and :func:`logo_url`; the regency template
fills them in.
"""

from __future__ import annotations

from typing import Any

#: The pages' own dark text colour (``--fg`` in pamong.css).
DARK_TEXT = "#1d2433"


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
    on_dark = (light + 0.05) / (_luminance(DARK_TEXT) + 0.05)
    return "#ffffff" if on_white >= on_dark else DARK_TEXT


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


def logo_url(settings: Any, script_root: str = "") -> str:
    """The ``logo`` setting as a URL; a site path is kept under the app's mount point."""
    if settings.logo.startswith("/"):
        return script_root + settings.logo
    return settings.logo

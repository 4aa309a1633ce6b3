"""Translation helpers for the core and plugins (Flask-Babel).

Every plugin's catalog (domain = plugin id) is merged into the app's
translations, so plugins use these same functions.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext, ngettext

from pamong.identity.nik import N_

__all__ = ["N_", "gettext", "lazy_gettext", "ngettext"]

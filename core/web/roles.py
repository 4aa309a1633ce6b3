"""Role titles in the reader's language.

Roles are stored with the English title of the template that created them;
pages show the registered template's title translated through the catalog
of the component that registered it (``ktp_officer``: "Petugas KTP"). A
role no enabled component registers keeps its stored title.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext


def role_title(role: Any) -> str:
    """The title of ``role`` (a ``Role`` or a role name) in the request's language."""
    name = role if isinstance(role, str) else role.name
    templates = current_app.extensions["pamong"].roles
    template = next((t for t in templates if t.name == name), None)
    title = str(template.title) if template else getattr(role, "title", "") or name
    return gettext(title)

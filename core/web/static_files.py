"""Static files a phone keeps: their URLs carry the file's version, so they are cached a year.

``url_for("static", filename="pamong.css")`` (and a plugin's
``url_for("pdam.static", ...)``) gains ``?v=`` and the first characters of
the file's SHA-256. A file served with that parameter is cached by the
browser for a year without asking again; a new release changes the file,
so its URL, and the browser fetches it once. Without the parameter (an old
link) the browser asks each time, as before (conditional requests).

On a slow link that saves a round trip per file on every page after the
first: a returning citizen's page is its HTML alone.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, request

#: How long a versioned file is kept: a year, the most browsers honour.
VERSIONED_MAX_AGE = 365 * 24 * 3600


def file_version(folder: str, filename: str) -> str | None:
    """The first 10 hex digits of the file's SHA-256 (None when there is no such file)."""
    path = os.path.join(folder, filename)
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()[:10]
    except OSError:
        return None


def _max_age(_filename: str | None) -> int | None:
    return VERSIONED_MAX_AGE if "v" in request.args else None


def install_static_versions(app: Flask) -> None:
    """Version the static URLs of the app and of every blueprint with a static folder.

    Call after the blueprints are registered. The versions are read once
    per file and process (a release is a restart).
    """
    folders = {"static": app.static_folder}
    app.get_send_file_max_age = _max_age  # type: ignore[method-assign]
    for name, blueprint in app.blueprints.items():
        if blueprint.static_folder:
            folders[f"{name}.static"] = blueprint.static_folder
            blueprint.get_send_file_max_age = _max_age  # type: ignore[method-assign]
    versions: dict[tuple[str, str], str | None] = {}

    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        folder = folders.get(endpoint)
        filename = values.get("filename")
        if folder is None or not filename or "v" in values:
            return
        key = (endpoint, filename)
        if key not in versions:
            versions[key] = file_version(folder, filename)
        if versions[key]:
            values["v"] = versions[key]

    app.url_defaults(add_version)

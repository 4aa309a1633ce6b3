"""``/api/v1/docs``: an API browser (Swagger UI) for the OpenAPI document.

Swagger UI's files come from the ``swagger-ui-bundle`` package and are served
by this blueprint: no CDN, so it works on a regency network with no Internet.
Its start-up script is a file too (``api-docs.js``), so the page keeps the
Content-Security-Policy without inline script.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

from pamong.rest import API_PREFIX

bp = Blueprint("apidocs", __name__, url_prefix=f"{API_PREFIX}/docs")

#: The Swagger UI files the page loads; nothing else of the package is served.
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})


@bp.get("/")
def browser() -> Any:
    """The API browser page."""
    return render_template("api_docs.html", spec_url=url_for("api-docs.openapi_json"))


@bp.get("/assets/<name>")
def asset(name: str) -> Any:
    """One of Swagger UI's files, cached for a day."""
    if name not in ASSETS:
        abort(404)
    return send_from_directory(str(swagger_ui_path), name, max_age=86400)

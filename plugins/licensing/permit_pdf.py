"""The printed permit: a regency letterhead with its coat of arms, the signing official,
the place of issue, the full verification address and its QR code.

The coat of arms comes from the deployment: ``[plugins.licensing] coat_of_arms``
(an image file in the instance folder) or else the core ``logo`` setting; a
site path is read from its static folder and embedded, so printing never
fetches from the server itself. Without either, a plain emblem with the
regency's initials stands in.
"""

from __future__ import annotations

import base64
import mimetypes
from html import escape
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

from pamong.plugin import (
    OrgUnitKind,
    get_region,
    plugin_settings,
    qr_svg,
    region_code,
    render_pdf,
    site_branding,
)
from pamong_plugins.licensing.models import Permit
from pamong_plugins.licensing.workflow import document_of

_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}
_UNIT_PREFIX = {
    OrgUnitKind.KECAMATAN.value: "Kecamatan",
    OrgUnitKind.DESA.value: "Desa",
    OrgUnitKind.KELURAHAN.value: "Kelurahan",
}


def regency_name() -> str:
    """``Kabupaten Sragen`` (from the region table; the code if it is not there)."""
    region = get_region(region_code())
    return region.name if region else region_code()


def place_of_issue() -> str:
    """Where permits are signed: the setting, else the regency's capital (its name)."""
    configured = str(plugin_settings("licensing").get("place_of_issue") or "").strip()
    if configured:
        return configured
    name = regency_name()
    for prefix in ("Kabupaten ", "Kota Administrasi ", "Kota "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _data_url(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _file_image(path: Path) -> str:
    content_type = mimetypes.guess_type(path.name)[0] or ""
    if content_type not in _IMAGE_TYPES or not path.is_file():
        return ""
    return _data_url(path.read_bytes(), content_type)


def _site_file(path: str) -> Path | None:
    """The file a site path such as ``/site/static/logo.png`` serves, if a static route."""
    try:
        endpoint, values = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    if endpoint != "static" and not endpoint.endswith(".static"):
        return None
    blueprint = endpoint.rpartition(".")[0]
    folder = (
        current_app.blueprints[blueprint].static_folder if blueprint else current_app.static_folder
    )
    found = safe_join(folder, values.get("filename", "")) if folder else None
    return Path(found) if found else None


def _emblem(initials: str) -> str:
    """A plain shield with the regency's initials: the stand-in coat of arms."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 120">'
        '<path d="M50 4 L94 18 L90 70 Q84 100 50 116 Q16 100 10 70 L6 18 Z" '
        'fill="#1b5e20" stroke="#c9a227" stroke-width="5"/>'
        '<path d="M50 18 L80 28 L77 68 Q72 90 50 102 Q28 90 23 68 L20 28 Z" fill="#fff8dc"/>'
        f'<text x="50" y="74" font-family="DejaVu Serif" font-size="30" font-weight="bold" '
        f'text-anchor="middle" fill="#1b5e20">{escape(initials)}</text></svg>'
    )
    return _data_url(svg.encode(), "image/svg+xml")


def coat_of_arms() -> str:
    """The coat of arms as an image source (a data URL, or an http(s) address)."""
    configured = str(plugin_settings("licensing").get("coat_of_arms") or "").strip()
    if configured:
        found = _file_image(Path(current_app.instance_path) / configured)
        if found:
            return found
    logo = site_branding()["logo"]
    if logo.startswith(("http://", "https://")):
        return logo
    if logo.startswith("/"):
        path = _site_file(logo)
        found = _file_image(path) if path else ""
        if found:
            return found
    words = place_of_issue().split()
    return _emblem("".join(word[0] for word in words[:3]).upper() or "?")


def verification_url(session: Session, permit: Permit) -> str:
    """The full public address of the permit's verification page (the site's own address
    from ``public_url`` when configured, so a printed permit never names an internal host).
    """
    document = document_of(session, permit)
    base = str(plugin_settings("licensing").get("public_url") or "").strip()
    base = base or site_branding()["public_url"]
    if base:
        return base.rstrip("/") + url_for("documents.verify_page", code=document.code)
    return url_for("documents.verify_page", code=document.code, _external=True)


def issuer_title(permit: Permit) -> str:
    """The issuing unit as its letterhead names it: ``KECAMATAN PLUPUH``, the office's name."""
    unit = permit.application.org_unit
    prefix = _UNIT_PREFIX.get(unit.kind, "")
    name = unit.name if not prefix or unit.name.startswith(prefix) else f"{prefix} {unit.name}"
    return name.upper()


def permit_context(session: Session, permit: Permit) -> dict[str, Any]:
    """Everything the permit template prints."""
    url = verification_url(session, permit)
    branding = site_branding()
    # The contact line is the regency office's: a kecamatan or desa letterhead goes without.
    territorial = permit.application.org_unit.kind in _UNIT_PREFIX
    return {
        "permit": permit,
        "a": permit.application,
        "regency": regency_name().upper(),
        "issuer": issuer_title(permit),
        "address": "" if territorial else branding["contact_address"],
        "contact": " · ".join(
            part for part in (branding["contact_phone"], branding["contact_email"]) if part
        ),
        "coat_of_arms": coat_of_arms(),
        "place": place_of_issue(),
        "url": url,
        "qr": qr_svg(url, scale=3),
    }


def permit_pdf(session: Session, permit: Permit) -> bytes:
    """Render the permit (needs a request context for the addresses)."""
    return render_pdf("licensing/permit_pdf.html", **permit_context(session, permit))

"""What every response carries: the client's real address, a request id, security headers.

- :class:`TrustedProxies` believes ``X-Forwarded-For`` (and, through
  Werkzeug's ``ProxyFix``, ``-Proto``, ``-Host``, ``-Port``, ``-Prefix``)
  only when the direct peer is one of the ``trusted_proxies``; the client
  address is the first untrusted hop from the right, so a client cannot
  choose its own address (and rate-limit key) by sending the header.
- Every request has an id: a trusted proxy's ``X-Request-ID`` or a new one.
  It is echoed in the response and written into audit entries.
- Security headers on every response: a Content-Security-Policy without
  inline script on pages, HSTS over HTTPS, ``nosniff``, a referrer policy,
  and ``Cache-Control: no-store`` on anything answered to a logged-in
  person or a bearer token (that is where personal data is).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,64}")
VIA_TRUSTED_PROXY = "pamong.via_trusted_proxy"

#: The pages' policy: scripts only from our own static files, never inline.
#: Inline ``style`` attributes stay allowed (charts size their SVG with them);
#: ``data:`` images are the KTP photo and signature previews.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=()"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: forwarded headers count only when a trusted proxy sends them."""

    def __init__(self, wsgi_app: Any, networks: Iterable[Network]) -> None:
        self.app = wsgi_app
        self.networks = tuple(networks)
        self.proxy_fix = ProxyFix(wsgi_app, x_for=0, x_proto=1, x_host=1, x_port=1, x_prefix=1)
        self.warned = False

    def is_trusted(self, address: str) -> bool:
        parsed = _address(address)
        return parsed is not None and any(parsed in network for network in self.networks)

    def client_address(self, peer: str, forwarded_for: str) -> str:
        """The first hop, from the right, that is not a trusted proxy."""
        client = peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if _address(hop) is None:
                break  # garbage a client sent: stop at the last hop a proxy vouched for
            client = hop
            if not self.is_trusted(hop):
                break
        return client

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        peer = environ.get("REMOTE_ADDR") or ""
        if not self.networks or not self.is_trusted(peer):
            environ[VIA_TRUSTED_PROXY] = False
            if not self.networks and not self.warned and environ.get("HTTP_X_FORWARDED_FOR"):
                self.warned = True
                log.warning(
                    "requests arrive through a proxy (X-Forwarded-For) but trusted_proxies "
                    "is empty: every client looks like %s, sharing one rate limit and one "
                    "login back-off; list the proxy in trusted_proxies",
                    peer,
                )
            return self.app(environ, start_response)
        environ[VIA_TRUSTED_PROXY] = True
        environ["pamong.proxy_peer"] = peer
        environ["REMOTE_ADDR"] = self.client_address(peer, environ.get("HTTP_X_FORWARDED_FOR", ""))
        return self.proxy_fix(environ, start_response)


#: ``uuid.UUID``'s own masks for a version-4 (random) UUID's variant and version bits.
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)


def _new_request_id() -> str:
    """``uuid.uuid4().hex``, the same 32 hex digits, without building a ``UUID`` object."""
    return f"{int.from_bytes(os.urandom(16)) & _UUID4_CLEAR | _UUID4_SET:032x}"


def current_request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    if not has_request_context():
        return None
    found = g.get("pamong_request_id")
    if found is None:
        environ = request.environ
        incoming = environ.get("HTTP_X_REQUEST_ID", "") if environ.get(VIA_TRUSTED_PROXY) else ""
        found = g.pamong_request_id = (
            incoming if incoming and _REQUEST_ID.fullmatch(incoming) else _new_request_id()
        )
    return found


def _carries_credentials() -> bool:
    environ = request.environ
    if "HTTP_AUTHORIZATION" in environ:
        return True
    if "HTTP_COOKIE" not in environ:
        return False
    return bool(request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session")))


def _security_headers(response: Any) -> Any:
    from pamong.rest import is_api_request

    headers = response.headers
    # The names already set, read once: each ``setdefault`` on Werkzeug's headers
    # scanned them all and raised (and caught) a KeyError for a missing one.
    present = {key.lower() for key, _value in headers.items()}
    request_id = current_request_id()
    if request_id:
        if REQUEST_ID_HEADER.lower() in present:
            headers.set(REQUEST_ID_HEADER, request_id)
        else:
            headers.add(REQUEST_ID_HEADER, request_id)
    defaults = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]
    if request.is_secure:
        defaults.append(("Strict-Transport-Security", HSTS))
    if not is_api_request():
        defaults.append(("X-Frame-Options", "DENY"))
    if response.mimetype == "text/html":
        defaults.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        defaults.append(("Permissions-Policy", PERMISSIONS_POLICY))
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)
    endpoint = request.endpoint or ""
    static = endpoint == "static" or endpoint.endswith(".static")  # a plugin's too
    if not static and _carries_credentials():
        headers["Cache-Control"] = "no-store"
    return response


def _audit_denial(response: Any) -> Any:
    """Every 403 answer is an audit entry: who was refused what, from where."""
    if response.status_code != 403 or g.get("pamong_denial_recorded"):
        return response
    from pamong.audit.services import PERMISSION_DENIED, record_security_event
    from pamong.auth import request_actor
    from pamong.db import get_session

    g.pamong_denial_recorded = True
    permission = g.get("pamong_denied_permission")
    session = get_session()
    try:
        session.rollback()  # whatever the refused request had started is not kept
        record_security_event(
            session,
            request_actor(),
            PERMISSION_DENIED,
            object_type="endpoint",
            object_id=request.endpoint or request.path[:64],
            method=request.method,
            path=request.path[:200],
            **({"permission": permission} if permission else {}),
        )
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("could not record a permission denial")
    return response


def _csrf_failure(error: CSRFError) -> Any:
    """A translated page instead of a bare 400; the bad token is audited."""
    from pamong.audit.services import INVALID_TOKEN, record_security_event
    from pamong.auth import request_actor
    from pamong.db import get_session

    session = get_session()
    try:
        session.rollback()
        record_security_event(
            session,
            request_actor(),
            INVALID_TOKEN,
            object_type="csrf",
            kind="csrf",
            path=request.path[:200],
            reason=str(error.description)[:200],
        )
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("could not record a CSRF failure")
    return render_template("csrf_error.html", back=_same_site(request.referrer)), 400


def _same_site(url: str | None) -> str | None:
    """The path of ``url`` if it points at this site (a link back to the form), else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _forbidden(error: Any) -> Any:
    """A service's refusal: remember the permission for the audit entry, answer as usual."""
    from pamong.rest import handle_pamong_error

    g.pamong_denied_permission = error.extra.get("permission")
    return handle_pamong_error(error)


def _assign_request_id() -> None:
    current_request_id()


def install_security(app: Flask, trusted_proxies: Iterable[Network]) -> None:
    """Wire the middleware, the request id, the headers and the CSRF page into ``app``."""
    from pamong.errors import Forbidden

    app.wsgi_app = TrustedProxies(app.wsgi_app, trusted_proxies)  # type: ignore[method-assign]
    app.before_request(_assign_request_id)
    app.register_error_handler(Forbidden, _forbidden)
    app.after_request(_audit_denial)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_failure)

"""Domain errors that carry an HTTP status and a stable problem type.

Services raise these; the REST layer turns them into RFC 9457
``application/problem+json`` bodies, the web layer into flash messages,
the CLI into a message and a non-zero exit.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

PROBLEM_BASE = "urn:pamong:problem:"


class PamongError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    slug = "bad-request"
    title: Any = _l("Bad request")

    def __init__(self, detail: str, *, slug: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if slug:
            self.slug = slug
        self.extra = extra

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_problem(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": str(self.title),  # in the language of the detail
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }


class InvalidInput(PamongError):
    status = 422
    slug = "invalid-input"
    title: Any = _l("Invalid input")


class NotFound(PamongError):
    status = 404
    slug = "not-found"
    title: Any = _l("Not found")


class Forbidden(PamongError):
    status = 403
    slug = "forbidden"
    title: Any = _l("Forbidden")


class Conflict(PamongError):
    status = 409
    slug = "conflict"
    title: Any = _l("Conflict")


class Unauthorized(PamongError):
    status = 401
    slug = "unauthorized"
    title: Any = _l("Authentication required")


class AccountLocked(PamongError):
    status = 403
    slug = "account-locked"
    title: Any = _l("Account locked")

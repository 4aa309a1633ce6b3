"""Domain errors that carry an HTTP status and a stable problem type.

Services raise these; the REST layer turns them into RFC 9457
``application/problem+json`` bodies, the web layer into flash messages,
the CLI into a message and a non-zero exit.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "urn:pamong:problem:"


class PamongError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

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
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }


class InvalidInput(PamongError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"


class NotFound(PamongError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Forbidden(PamongError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class Conflict(PamongError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Unauthorized(PamongError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"


class AccountLocked(PamongError):
    status = 403
    slug = "account-locked"
    title = "Account locked"

"""Small helpers shared by Kantaya's modules: input units, texts, users, file types.

Internal: other plugins use :mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, InvalidInput, NotFound, OrgUnit, User, _, get_unit, send_message

JPEG = (b"\xff\xd8\xff", "image/jpeg")
PNG = (b"\x89PNG\r\n\x1a\n", "image/png")
PDF = (b"%PDF-", "application/pdf")
#: What a photo may be; what a document (attachment, scan) may be.
PHOTO_TYPES = (JPEG, PNG)
DOCUMENT_TYPES = (JPEG, PNG, PDF)


def input_unit(session: Session, code: str) -> OrgUnit:
    """The unit a request names; an unknown code is bad input (400), not a missing page."""
    try:
        return get_unit(session, code)
    except NotFound:
        raise InvalidInput(
            _("Unknown unit %(code)s.", code=repr(code)), slug="unknown-unit"
        ) from None


def text(value: str | None, name: str, limit: int, *, required: bool = True) -> str:
    """A stripped text without NUL bytes; required and at most ``limit`` characters."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_("%(name)s must be text.", name=name), slug="invalid-text")
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise InvalidInput(_("%(name)s is required.", name=name), slug="missing-field")
    if len(value) > limit:
        raise InvalidInput(
            _("%(name)s is longer than %(max)d characters.", name=name, max=limit),
            slug="text-too-long",
        )
    return value


def users_named(session: Session, usernames: Iterable[str]) -> list[User]:
    """The users with these usernames (each once); an unknown name is bad input."""
    names = sorted({n.strip().lower() for n in usernames if n.strip()})
    users = list(session.scalars(select(User).where(User.username.in_(names))))
    unknown = sorted(set(names) - {u.username for u in users})
    if unknown:
        raise InvalidInput(
            _("Unknown users: %(names)s.", names=", ".join(unknown)), slug="unknown-user"
        )
    return users


def sniff(data: bytes, allowed: Iterable[tuple[bytes, str]]) -> str | None:
    """The content type of ``data`` by its first bytes, if it is one of ``allowed``."""
    return next((kind for signature, kind in allowed if data.startswith(signature)), None)


def best_effort_notice(session: Session, sender: str, **message: Any) -> bool:
    """Send a notice through core messaging; False when messaging refuses every recipient.

    Kantaya's reminders, warnings and invitations are side effects of a
    change that stands on its own (an event, a warning step, a task): when
    nobody can receive the notice (a unit with no staff, a deactivated
    account) the change is kept, and the notice is simply not sent.
    ``message`` are :func:`pamong.plugin.send_message`'s keyword arguments.
    """
    try:
        with session.begin_nested():
            send_message(session, Actor.system(sender), **message)
    except InvalidInput:
        return False
    return True

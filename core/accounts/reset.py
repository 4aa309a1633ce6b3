"""Forgotten passwords: a one-time link by e-mail, valid for a short while.

Only the SHA-256 hash of the link's random token is stored, with its
expiry; the link works once. Asking for a link answers the same whether or
not the account exists, and nothing is sent for an unknown, deactivated
or address-less account.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from pamong.accounts.models import PasswordResetToken, User
from pamong.accounts.permissions import Actor
from pamong.accounts.services import actor_for, check_password_strength, load_user, set_password
from pamong.audit.services import record
from pamong.db import utcnow
from pamong.errors import InvalidInput
from pamong.i18n import gettext as _
from pamong.messaging.services import notify

#: At most this many unused, unexpired links per account: no mail bombing.
MAX_OPEN_LINKS = 3
_TOKEN_BYTES = 32


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(
    session: Session,
    login: str,
    *,
    link_for: Callable[[str], str],
    valid_minutes: int = 60,
    ip: str | None = None,
) -> int:
    """E-mail a reset link to the active account named ``login`` (username or e-mail).

    ``link_for`` turns a token into the absolute address of the reset page.
    Returns how many links were queued; callers must not show it: the
    answer to the requester is the same either way.
    """
    login = login.strip().lower()[:200]
    if not login:
        return 0
    now = utcnow()
    users = session.scalars(
        select(User).where(
            or_(User.username == login, func.lower(User.email) == login),
            User.is_active.is_(True),
            User.email.is_not(None),
            User.email != "",
        )
    ).all()
    sent = 0
    for user in users:
        open_links = session.scalar(
            select(func.count()).where(
                PasswordResetToken.user_id == user.id,
                PasswordResetToken.used_at.is_(None),
                PasswordResetToken.expires_at > now,
            )
        )
        if (open_links or 0) >= MAX_OPEN_LINKS:
            continue
        plain = secrets.token_urlsafe(_TOKEN_BYTES)
        session.add(
            PasswordResetToken(
                user_id=user.id,
                token_hash=_hash(plain),
                created_at=now,
                expires_at=now + timedelta(minutes=valid_minutes),
            )
        )
        actor = Actor(username=user.username, user_id=user.id, ip=ip)
        notify(
            session,
            actor,
            channel="email",
            address=user.email or "",
            subject=_("Reset your Pamong password"),
            body=_(
                "Someone asked to reset the password of the Pamong account %(username)s.\n\n"
                "To choose a new password, open this link within %(minutes)s minutes; "
                "it works once:\n\n%(link)s\n\n"
                "If you did not ask for this, ignore this message: your password stays as it is.",
                username=user.username,
                minutes=valid_minutes,
                link=link_for(plain),
            ),
        )
        record(session, actor, "user.password_reset_requested", "user", user.username)
        sent += 1
    session.flush()
    return sent


def _open_link(session: Session, token: str) -> PasswordResetToken | None:
    if not token or len(token) > 100:
        return None
    link = session.scalar(
        select(PasswordResetToken).where(
            PasswordResetToken.token_hash == _hash(token),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > utcnow(),
        )
    )
    if link is None or not link.user.is_active:
        return None
    return link


def reset_link_is_valid(session: Session, token: str) -> bool:
    """True while the link with this token may still set a password."""
    return _open_link(session, token) is not None


def _invalid_link() -> InvalidInput:
    return InvalidInput(
        _("This reset link is invalid, used or expired. Ask for a new one."),
        slug="reset-link-invalid",
    )


def reset_password_with_link(
    session: Session, token: str, password: str, *, ip: str | None = None
) -> User:
    """Set a new password through an e-mailed link; the link and its siblings stop working."""
    link = _open_link(session, token)
    if link is None:
        raise _invalid_link()
    check_password_strength(password)  # before the link is spent: a typo may be retried
    now = utcnow()
    # Claim the link atomically: of two requests racing with it, only one wins.
    claimed = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == link.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _invalid_link()
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == link.user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    user = load_user(session, link.user_id)
    assert user is not None  # the link's foreign key cascades on delete
    actor = actor_for(user, ip=ip)
    set_password(session, actor, user, password)
    record(session, actor, "user.password_reset", "user", user.username, via="email-link")
    return user

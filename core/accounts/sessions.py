"""Server-side login sessions: a cookie is only as good as its row here.

Flask's session is a signed cookie, so on its own a copied cookie works
until it expires. Each login therefore gets a random token, stored hashed
in ``user_sessions``; the Flask-Login user loader accepts a cookie only
while its row is open. Ending the row (logout, a password change, an
administrator's reset) ends the session everywhere the cookie was copied.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session, joinedload

from pamong.accounts.models import User, UserSession
from pamong.db import utcnow

#: How long ended or expired rows stay for the record before they are purged.
KEEP_ENDED = timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session,
    user: User,
    *,
    lifetime: timedelta,
    ip: str | None = None,
    user_agent: str = "",
) -> str:
    """Open a login session for ``user``; return its token (kept only in the cookie)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + lifetime,
            ip=ip,
            user_agent=user_agent[:200],
        )
    )
    session.flush()
    return token


#: One query, built once: the user of an open session with the user's grants.
_SESSION_USER = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .options(joinedload(User.assignments))
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.ended_at.is_(None),
        UserSession.expires_at > bindparam("now"),
    )
)


def session_user(session: Session, token: str) -> User | None:
    """The user of an open, unexpired session with this token, with their grants, else None.

    One query: it runs on every page a member of staff opens.
    """
    if not token or len(token) > 100:
        return None
    found = session.scalars(_SESSION_USER, {"token_hash": _hash(token), "now": utcnow()})
    return found.unique().first()


def end_session(session: Session, token: str) -> bool:
    """End the session with this token (logout); True if one was open."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_user_sessions(session: Session, user: User) -> int:
    """End every open session of ``user`` (password set, account disabled); return how many."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def open_sessions(session: Session, user: User) -> list[UserSession]:
    """The user's sessions that still let a cookie in, newest first."""
    return list(
        session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
            .order_by(UserSession.id.desc())
        )
    )


def purge_sessions(session: Session) -> int:
    """Delete rows that ended or expired more than :data:`KEEP_ENDED` ago."""
    cutoff = utcnow() - KEEP_ENDED
    result = session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < cutoff, UserSession.expires_at < cutoff)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

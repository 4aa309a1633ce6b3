"""The forum: threads per unit and topic, replies, @mentions that notify, moderation, search.

Search is one function over both databases: PostgreSQL's full-text search
(``to_tsvector('simple', ...) @@ plainto_tsquery``); on SQLite every word
must occur in the post's normalised text (``LIKE``): FTS5 virtual tables
broke the migration drift check in an earlier attempt, so SQLite keeps a
plain column. Part of the public API through
:mod:`pamong_plugins.kantaya.services`.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    User,
    _,
    audit,
    utcnow,
)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.common import best_effort_notice, input_unit
from pamong_plugins.kantaya.models import KantayaPost, KantayaThread

MENTION = re.compile(r"(?<![\w.])@([a-z0-9][a-z0-9._-]{1,79})")
MAX_BODY = 10_000


def normalise(text: str) -> str:
    """Lower-case words without accents or punctuation, single-spaced."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def forum_writable(actor: Actor, unit: OrgUnit) -> bool:
    """Whether the actor reads and writes the forum of ``unit``."""
    return _can_read(actor, unit)


def _can_read(actor: Actor, unit: OrgUnit) -> bool:
    if unit.depth == 0:  # the regency's forum: everybody in Kantaya
        return any(actor.can(p) for p in perm.ANY)
    return any(actor.can(p, unit) for p in perm.ANY)


def _readable(actor: Actor) -> object:
    return or_(
        OrgUnit.depth == 0 if any(actor.can(p) for p in perm.ANY) else false(),
        *(actor.scope_filter(p, OrgUnit.path) for p in perm.ANY),
    )


def _body(text: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text or len(text) > MAX_BODY:
        raise InvalidInput(
            _("A post is 1 to %(max)d characters.", max=MAX_BODY), slug="invalid-post"
        )
    return text


def _notify_mentions(session: Session, thread: KantayaThread, body: str, author: Actor) -> int:
    names = sorted(set(MENTION.findall(body.lower())) - {author.username})
    if not names:
        return 0
    found = list(session.scalars(select(User.username).where(User.username.in_(names))))
    if not found:
        return 0
    sent = best_effort_notice(
        session,
        "kantaya forum",
        sender_unit=thread.unit,
        kind="notice",
        subject=_("You were mentioned: %(title)s", title=thread.title),
        body=_(
            "%(author)s mentioned you in the forum thread %(title)s:\n\n%(body)s",
            author=author.username,
            title=thread.title,
            body=body[:500],
        ),
        to_users=found,
        email_copies=False,
    )
    if not sent:
        return 0
    return len(found)


def _add_post(session: Session, actor: Actor, thread: KantayaThread, body: str) -> KantayaPost:
    post = KantayaPost(
        author_id=actor.user_id,
        body=body,
        search_text=normalise(f"{thread.title} {body}"),
    )
    thread.posts.append(post)
    thread.last_post_at = utcnow()
    session.flush()
    _notify_mentions(session, thread, body, actor)
    return post


def open_thread(
    session: Session, actor: Actor, *, unit_code: str, topic: str, title: str, body: str
) -> KantayaThread:
    """A new thread in a unit's forum (the regency's unit: the regency-wide forum)."""
    unit = input_unit(session, unit_code)
    if not _can_read(actor, unit):
        raise Forbidden(_("You may not write in the forum of %(unit)s.", unit=unit.name))
    title, topic = (title or "").strip(), normalise(topic or "")[:60] or "umum"
    if not title or len(title) > 200:
        raise InvalidInput(_("A thread needs a title (at most 200 characters)."), slug="title")
    thread = KantayaThread(unit_id=unit.id, topic=topic, title=title, author_id=actor.user_id)
    session.add(thread)
    _add_post(session, actor, thread, _body(body))
    audit(session, actor, "kantaya.forum.thread", "kantaya_thread", thread.id)
    return thread


def get_thread(session: Session, actor: Actor, thread_id: int) -> KantayaThread:
    thread = session.get(KantayaThread, thread_id)
    if thread is None or not _can_read(actor, thread.unit):
        raise NotFound(_("No such thread."))
    if thread.hidden and not actor.can(perm.FORUM_MODERATE, thread.unit):
        raise NotFound(_("No such thread."))
    return thread


def reply(session: Session, actor: Actor, thread_id: int, body: str) -> KantayaPost:
    """A reply; a locked thread takes none."""
    thread = get_thread(session, actor, thread_id)
    if thread.locked:
        raise Conflict(_("This thread is locked."), slug="locked")
    return _add_post(session, actor, thread, _body(body))


def moderate_thread(
    session: Session,
    actor: Actor,
    thread_id: int,
    *,
    locked: bool | None = None,
    hidden: bool | None = None,
) -> KantayaThread:
    thread = get_thread(session, actor, thread_id)
    if not actor.can(perm.FORUM_MODERATE, thread.unit):
        raise Forbidden(_("Only a moderator does this."))
    if locked is not None:
        thread.locked = locked
    if hidden is not None:
        thread.hidden = hidden
    audit(
        session,
        actor,
        "kantaya.forum.moderate",
        "kantaya_thread",
        thread.id,
        locked=thread.locked,
        hidden=thread.hidden,
    )
    return thread


def hide_post(session: Session, actor: Actor, post_id: int, hidden: bool = True) -> KantayaPost:
    post = session.get(KantayaPost, post_id)
    if post is None:
        raise NotFound(_("No such post."))
    get_thread(session, actor, post.thread_id)
    if not actor.can(perm.FORUM_MODERATE, post.thread.unit):
        raise Forbidden(_("Only a moderator does this."))
    post.hidden = hidden
    audit(session, actor, "kantaya.forum.hide", "kantaya_post", post.id, hidden=hidden)
    return post


def threads_query(
    actor: Actor, *, topic: str = "", unit_code: str = ""
) -> Select[tuple[KantayaThread]]:
    """Threads the actor may read, latest activity first (hidden ones only for moderators)."""
    stmt = (
        select(KantayaThread)
        .join(OrgUnit, OrgUnit.id == KantayaThread.unit_id)
        .where(_readable(actor))
        .where(
            or_(
                KantayaThread.hidden.is_(False),
                actor.scope_filter(perm.FORUM_MODERATE, OrgUnit.path),
            )
        )
    )
    if topic:
        stmt = stmt.where(KantayaThread.topic == normalise(topic))
    if unit_code:
        stmt = stmt.where(OrgUnit.code == unit_code)
    return stmt.order_by(KantayaThread.last_post_at.desc(), KantayaThread.id.desc())


def search(session: Session, actor: Actor, query: str, limit: int = 50) -> list[KantayaPost]:
    """Posts matching every word of ``query`` in threads the actor reads, newest first.

    PostgreSQL: full-text search (``simple`` configuration, no stemming:
    Indonesian has no built-in one). SQLite: each normalised word must occur
    in the normalised text (a prefix or infix match, ``LIKE``).
    """
    words = normalise(query or "").split()[:10]
    if not words or len(" ".join(words)) < 2:
        raise InvalidInput(_("Search for at least two letters."), slug="invalid-query")
    stmt = (
        select(KantayaPost)
        .join(KantayaThread, KantayaThread.id == KantayaPost.thread_id)
        .join(OrgUnit, OrgUnit.id == KantayaThread.unit_id)
        .where(_readable(actor), KantayaPost.hidden.is_(False), KantayaThread.hidden.is_(False))
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.where(
            func.to_tsvector("simple", KantayaPost.search_text).bool_op("@@")(
                func.plainto_tsquery("simple", " ".join(words))
            )
        )
    else:
        for word in words:
            stmt = stmt.where(KantayaPost.search_text.contains(word, autoescape=True))
    return list(session.scalars(stmt.order_by(KantayaPost.id.desc()).limit(limit)))

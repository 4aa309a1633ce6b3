"""Public-relations content (news, announcements, profile pages) and the regency's figures."""

from __future__ import annotations

import re
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from pamong.plugin import (
    Actor,
    Conflict,
    InvalidInput,
    NotFound,
    OrgUnit,
    PortalWidget,
    PublicService,
    Resident,
    _,
    audit,
    hook_relay,
    require,
    utcnow,
)
from pamong_plugins.portal.models import NewsPost, ProfilePage
from pamong_plugins.portal.permissions import PUBLISH

#: Cells of the public figures below this count are shown as "<5" (small-cell suppression).
SMALL_CELL = 5
_SLUG = re.compile(r"[^a-z0-9]+")
_IMAGE = re.compile(r"^(/[^\s\"'<>]*|https://[^\s\"'<>]+)$")


def slugify(title: str) -> str:
    return _SLUG.sub("-", title.lower()).strip("-")[:100] or "post"


def _clean(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise InvalidInput(_("%(field)s is required.", field=field), field=field)
    if len(text) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(limit)d characters.", field=field, limit=limit),
            field=field,
        )
    return text


def save_post(
    session: Session,
    actor: Actor,
    *,
    post_id: int | None = None,
    title: str,
    summary: str = "",
    body: str = "",
    kind: str = "news",
    image_url: str = "",
    image_alt: str = "",
    publish: bool = False,
    publish_at: datetime | None = None,
) -> NewsPost:
    """Create or edit a post; ``publish`` makes it public from ``publish_at`` (default now)."""
    require(actor, PUBLISH)
    if kind not in ("news", "announcement"):
        raise InvalidInput(_("Unknown kind of post."), field="kind")
    image_url = _clean(image_url, "image_url", 300)
    if image_url and not _IMAGE.match(image_url):
        raise InvalidInput(_("The image is a site path or an https address."), field="image_url")
    if image_url and not image_alt.strip():
        raise InvalidInput(
            _("Describe the image for readers who cannot see it."), field="image_alt"
        )
    if post_id is None:
        post = NewsPost(slug="")
        session.add(post)
    else:
        post = session.get(NewsPost, post_id)
        if post is None:
            raise NotFound(_("No such post."), slug="post-not-found")
    post.title = _clean(title, "title", 200, required=True)
    post.summary = _clean(summary, "summary", 400)
    post.body = _clean(body, "body", 20000)
    post.kind = kind
    post.image_url = image_url
    post.image_alt = _clean(image_alt, "image_alt", 200)
    post.author = actor.username[:100]
    post.updated_at = utcnow()
    if publish:
        post.status = "published"
        post.publish_at = publish_at or post.publish_at or utcnow()
    elif post_id is None:
        post.status = "draft"
    if not post.slug:
        base = slugify(post.title)
        taken = set(session.scalars(select(NewsPost.slug).where(NewsPost.slug.like(f"{base}%"))))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        post.slug = slug
    session.flush()
    audit(session, actor, "portal.post.save", "portal_news", post.id, status=post.status)
    return post


def unpublish(session: Session, actor: Actor, post_id: int) -> NewsPost:
    require(actor, PUBLISH)
    post = session.get(NewsPost, post_id)
    if post is None:
        raise NotFound(_("No such post."), slug="post-not-found")
    if post.status != "published":
        raise Conflict(_("The post is not published."), slug="post-state")
    post.status = "draft"
    audit(session, actor, "portal.post.unpublish", "portal_news", post.id)
    return post


def public_posts(session: Session, *, kind: str | None = None, limit: int = 10, offset: int = 0):
    """Published posts whose time has come, newest first."""
    stmt = (
        select(NewsPost)
        .where(NewsPost.status == "published", NewsPost.publish_at <= utcnow())
        .order_by(NewsPost.publish_at.desc(), NewsPost.id.desc())
    )
    if kind:
        stmt = stmt.where(NewsPost.kind == kind)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return list(session.scalars(stmt.limit(limit).offset(offset))), total


def public_post(session: Session, slug: str) -> NewsPost:
    post = session.scalar(select(NewsPost).where(NewsPost.slug == slug[:120]))
    if post is None or post.status != "published" or post.publish_at > utcnow():
        raise NotFound(_("No such news item."), slug="post-not-found")
    return post


def all_posts(session: Session, actor: Actor) -> list[NewsPost]:
    require(actor, PUBLISH)
    return list(session.scalars(select(NewsPost).order_by(NewsPost.updated_at.desc())))


def save_page(
    session: Session,
    actor: Actor,
    slug: str,
    title: str,
    body: str,
    weight: int = 100,
    *,
    publish: bool = True,
) -> ProfilePage:
    """Create or replace a profile page (history, vision and mission, leaders, organisation).

    Without ``publish`` the page is a draft: editors see it, the public does not.
    """
    require(actor, PUBLISH)
    slug = _clean(slug, "slug", 60, required=True)
    if slugify(slug) != slug:
        raise InvalidInput(
            _("The page address uses lowercase letters, digits and dashes."), field="slug"
        )
    page = session.scalar(select(ProfilePage).where(ProfilePage.slug == slug))
    if page is None:
        page = ProfilePage(slug=slug)
        session.add(page)
    page.title = _clean(title, "title", 200, required=True)
    page.body = _clean(body, "body", 50000)
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 1000:
        raise InvalidInput(_("The order is a number from 0 to 1000."), field="weight")
    page.weight = weight
    page.published = bool(publish)
    page.updated_at = utcnow()
    session.flush()
    audit(session, actor, "portal.page.save", "portal_page", slug, published=page.published)
    return page


def pages(session: Session, *, drafts: bool = False) -> list[ProfilePage]:
    """The profile pages in menu order: the published ones (with ``drafts``, every one)."""
    stmt = select(ProfilePage).order_by(ProfilePage.weight, ProfilePage.title)
    if not drafts:
        stmt = stmt.where(ProfilePage.published.is_(True))
    return list(session.scalars(stmt))


def all_pages(session: Session, actor: Actor) -> list[ProfilePage]:
    """Every profile page, drafts included, for editors."""
    require(actor, PUBLISH)
    return pages(session, drafts=True)


def page(session: Session, slug: str) -> ProfilePage:
    found = session.scalar(
        select(ProfilePage).where(ProfilePage.slug == slug[:60], ProfilePage.published.is_(True))
    )
    if found is None:
        raise NotFound(_("No such page."), slug="page-not-found")
    return found


def paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines; rendered escaped, so no markup gets through."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


@dataclass(frozen=True)
class AreaFigures:
    """Residents of one kecamatan by sex; counts under :data:`SMALL_CELL` are None (suppressed)."""

    code: str
    name: str
    villages: int
    male: int | None
    female: int | None
    total: int | None


def _suppress(n: int) -> int | None:
    return n if n >= SMALL_CELL else None


def figures(session: Session) -> list[AreaFigures]:
    """Residents by kecamatan and sex (living residents of the registry), small cells suppressed."""
    kecamatan = aliased(OrgUnit)
    desa = aliased(OrgUnit)
    rows = session.execute(
        select(kecamatan.code, Resident.sex, func.count())
        .join(desa, Resident.domicile_unit_id == desa.id)
        .join(kecamatan, desa.parent_id == kecamatan.id)
        .where(kecamatan.kind == "kecamatan", Resident.status == "living")
        .group_by(kecamatan.code, Resident.sex)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for code, sex, n in rows:
        counts.setdefault(code, {})[sex] = n
    villages = dict(
        session.execute(
            select(kecamatan.code, func.count())
            .join(desa, desa.parent_id == kecamatan.id)
            .where(kecamatan.kind == "kecamatan", desa.kind.in_(("desa", "kelurahan")))
            .group_by(kecamatan.code)
        ).all()
    )
    out = []
    for unit in session.scalars(
        select(OrgUnit).where(OrgUnit.kind == "kecamatan").order_by(OrgUnit.code)
    ):
        c = counts.get(unit.code, {})
        male, female = c.get("M", 0), c.get("F", 0)
        out.append(
            AreaFigures(
                unit.code,
                unit.name,
                villages.get(unit.code, 0),
                _suppress(male),
                _suppress(female),
                _suppress(male + female),
            )
        )
    return out


#: Seconds the public pages reuse :func:`figures` (per process and database): counting
#: a regency's registry (Sragen's 865,417 residents) takes seconds of a small server's
#: CPU, too much for every view of the home page, and the counts move slowly.
FIGURES_TTL = 600.0
_counted: weakref.WeakKeyDictionary[Any, tuple[float, list[AreaFigures]]] = (
    weakref.WeakKeyDictionary()
)


def public_figures(session: Session) -> list[AreaFigures]:
    """:func:`figures` as the public pages show them: counted at most every
    :data:`FIGURES_TTL` seconds in a process, per database."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    now = time.monotonic()
    counted = _counted.get(engine)
    if counted is None or now - counted[0] >= FIGURES_TTL:
        counted = _counted[engine] = (now, figures(session))
    return list(counted[1])


def directory(
    session: Session, kecamatan_code: str
) -> tuple[OrgUnit, list[OrgUnit], AreaFigures | None]:
    """A kecamatan, its desa and kelurahan, and its figures."""
    unit = session.scalar(
        select(OrgUnit).where(OrgUnit.code == kecamatan_code[:40], OrgUnit.kind == "kecamatan")
    )
    if unit is None:
        raise NotFound(_("No such kecamatan."), slug="kecamatan-not-found")
    villages = list(
        session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.name))
    )
    stats = next((f for f in public_figures(session) if f.code == unit.code), None)
    return unit, villages, stats


def public_services(session: Session) -> list[PublicService]:
    """Every enabled plugin's public services (``pamong_public_services``), by category and weight.

    A record that is not a :class:`PublicService`, or repeats a code, is dropped.
    """
    seen: set[str] = set()
    found = []
    for answer in hook_relay(session).pamong_public_services(session=session):
        for service in answer or ():
            if isinstance(service, PublicService) and service.code not in seen:
                seen.add(service.code)
                found.append(service)
    return sorted(found, key=lambda s: (s.category, s.weight, s.title))


def widgets(session: Session) -> list[PortalWidget]:
    """Boxes of figures plugins show on the home page (``pamong_portal_widgets``), by weight."""
    found = []
    for answer in hook_relay(session).pamong_portal_widgets(session=session):
        found.extend(w for w in answer or () if isinstance(w, PortalWidget))
    return sorted(found, key=lambda w: (w.weight, w.key))

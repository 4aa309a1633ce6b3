"""The staff menu: nav items grouped by module, only what the user may use.

Each plugin's items form one group under the plugin's title (translated
through its catalog) unless an item names its ``module``; the core's items
name theirs (Residents, Messages, Administration…). Public items (pages
any visitor may open: the permit catalogue, a bill check…) go, for staff,
into one last group, "Public pages", so that the modules are those of the
user's roles. Groups are ordered by their lightest item, items by weight.
The group of the page being shown is the *current* one: the header shows
its links under the line of groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from pamong.hooks import NavItem
from pamong.i18n import lazy_gettext as _l

#: The staff menu's group of the pages every visitor may open.
PUBLIC_PAGES = _l("Public pages")


@dataclass
class NavGroup:
    """One module of the staff menu and the items of it the user may use."""

    title: str
    public: bool = False
    items: list[NavItem] = field(default_factory=list)
    components: set[str] = field(default_factory=set)
    current: bool = False
    current_endpoint: str | None = None

    @property
    def endpoint(self) -> str:
        """Where the group's own link leads: its first item."""
        return self.items[0].endpoint

    @property
    def weight(self) -> int:
        return min(item.weight for item in self.items)


def visible_nav_pairs() -> list[tuple[str, NavItem]]:
    """(component, item) of every nav item the current user may use, in weight order."""
    state = current_app.extensions["pamong"]
    return [
        (component, item)
        for component, item in state.nav_items
        if item.public
        or (
            current_user.is_authenticated
            and (item.permission is None or current_user.can(item.permission))
        )
    ]


def module_title(component: str, item: NavItem) -> str:
    """The title of the menu group ``item`` goes under, in the request's language."""
    if item.module:
        return str(item.module)
    plugin = current_app.extensions["pamong"].host.plugins.get(component)
    title = plugin.info.title if plugin is not None else ""
    return gettext(title) if title else component


#: ``app.extensions`` key of the menus already built, by role set, language and root.
_CACHE = "pamong_nav_menus"
#: Distinct menus kept per app: role sets x languages x URL roots (a regency has few).
_CACHE_SIZE = 256

_Menu = tuple[tuple[str, bool, tuple[NavItem, ...], frozenset[str], tuple[str, ...]], ...]


def _build_menu() -> _Menu:
    """The user's groups with their items' URLs, before the current page is marked."""
    groups: dict[str, NavGroup] = {}
    for component, item in visible_nav_pairs():
        title = str(PUBLIC_PAGES) if item.public else module_title(component, item)
        group = groups.setdefault(title, NavGroup(title, public=item.public))
        group.items.append(item)
        group.components.add(component)
    ordered = sorted(groups.values(), key=lambda g: (g.public, g.weight, g.title))
    return tuple(
        (
            g.title,
            g.public,
            tuple(g.items),
            frozenset(g.components),
            tuple(url_for(item.endpoint).rstrip("/") for item in g.items),
        )
        for g in ordered
    )


def nav_groups() -> list[NavGroup]:
    """The current user's menu: groups in weight order, the current one marked.

    The menu depends only on the user's permissions (not on where they hold
    them), the language and the URL root, so it is built once per such set
    and app; each page gets its own copy to mark its current group.
    """
    permissions = (
        frozenset(current_user.actor.permissions()) if current_user.is_authenticated else None
    )
    key = (permissions, str(get_locale()), request.script_root)
    menus = current_app.extensions.setdefault(_CACHE, {})
    menu = menus.get(key)
    if menu is None:
        if len(menus) >= _CACHE_SIZE:
            menus.clear()
        menu = menus[key] = _build_menu()
    groups = [
        NavGroup(title, public=public, items=list(items), components=set(components))
        for title, public, items, components, _urls in menu
    ]
    _mark_current(groups, [urls for *_rest, urls in menu])
    return groups


def _mark_current(groups: list[NavGroup], urls: list[tuple[str, ...]]) -> None:
    """Mark the group (and item) of this page: the longest item URL the path starts
    with, else the group of the plugin whose blueprint serves the page."""
    path = request.script_root + request.path  # as url_for writes them
    best: tuple[int, NavGroup, str] | None = None
    for group, group_urls in zip(groups, urls, strict=True):
        for item, url in zip(group.items, group_urls, strict=True):
            under = url and (path == url or path.startswith(url + "/"))
            if under and (best is None or len(url) > best[0]):
                best = (len(url), group, item.endpoint)
    if best is not None:
        best[1].current, best[1].current_endpoint = True, best[2]
        return
    blueprint = request.blueprint
    for group in groups:
        if blueprint in group.components:
            group.current = True
            return


def current_group(groups: list[NavGroup]) -> NavGroup | None:
    """The current group of ``groups``, or None."""
    return next((g for g in groups if g.current), None)

"""What a plugin imports to plug in: the hook marker and the records hooks return.

A plugin package defines ``PLUGIN = PluginInfo(...)`` in its ``__init__``
and its hook implementations in its ``hooks`` module::

    from pamong.hooks import Permission, hookimpl

    @hookimpl
    def pamong_register_permissions():
        return [Permission("ktp.apply", "Take KTP applications")]

Records are frozen: the core validates them at startup (namespace, type,
uniqueness) and nothing changes them afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pluggy

PROJECT = "pamong"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class PluginInfo:
    """A plugin's identity, declared as ``PLUGIN`` in its package.

    ``id`` must equal the entry-point name; it prefixes everything the
    plugin owns (tables, permissions, blueprints, URLs, settings section).
    ``requires`` names plugins that must be enabled and load first.
    ``core_version`` is a PEP 440 specifier the running core must satisfy.
    """

    id: str
    version: str
    title: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    core_version: str = ">=0.1"


@dataclass(frozen=True)
class Permission:
    """A permission a role can grant, named ``<plugin id>.<action>``."""

    name: str
    description: str


@dataclass(frozen=True)
class NavItem:
    """An entry of the staff navigation and the dashboard.

    ``endpoint`` is a Flask endpoint of the plugin's blueprint; the item is
    shown only to users holding ``permission`` somewhere (None: any staff
    user). Items are ordered by ``weight`` within their ``group``.
    """

    endpoint: str
    label: str
    weight: int = 100
    permission: str | None = None
    group: str = "main"
    description: str = ""
    public: bool = False


@dataclass(frozen=True)
class RoleTemplate:
    """A role a plugin suggests; ``pamong init`` creates it if missing."""

    name: str
    title: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class Stage:
    """One stage of a tracked process, e.g. ``Stage("verification", "Document check")``."""

    code: str
    label: str


@dataclass(frozen=True)
class TrackableKind:
    """A kind of file a citizen can track by receipt number.

    ``code`` (2-6 capital letters) starts every receipt number of the kind:
    ``LIC-2026-000123``. ``stages`` are the stages in their usual order; the
    public tracker shows their labels and never any personal data.
    """

    code: str
    title: str
    stages: tuple[Stage, ...]

    def stage(self, code: str) -> Stage | None:
        return next((s for s in self.stages if s.code == code), None)


@dataclass(frozen=True)
class DocumentKind:
    """A kind of issued document, named ``<plugin id>.<kind>`` (``ktp.card``).

    ``validity_days`` is the default validity; None means it does not expire.
    """

    name: str
    title: str
    validity_days: int | None = None


@dataclass(frozen=True)
class DemoData:
    """A plugin's demo-data seeder, run by ``pamong demo`` after the core's data.

    ``seed(session, context)`` adds rows to ``session``; ``context`` is a
    :class:`pamong.demo.DemoContext` with the region, staff and residents
    already created. Seeders run in ``weight`` order.
    """

    seed: Callable[..., None]
    weight: int = 100

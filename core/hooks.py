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
from datetime import date

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


@dataclass(frozen=True)
class FeeDue:
    """A fee (retribusi) a plugin asks someone to pay, announced by ``pamong_on_fee_due``.

    ``amount`` is whole rupiah. ``reference`` points at the plugin's record
    (``"ktp_application:12"``) and is unique per fee, so a billing plugin
    can turn it into exactly one invoice. ``payer_ref`` points at the payer
    (``"resident:42"``, ``"applicant:7"``); ``unit_code`` is the org unit
    that collects it. ``tracking_number`` links the fee to a tracked file.
    """

    source: str
    reference: str
    amount: int
    description: str
    unit_code: str
    payer_ref: str = ""
    legal_basis: str = ""
    tracking_number: str = ""
    due_date: date | None = None


@dataclass(frozen=True)
class IdentityCheck:
    """The answer of ``pamong_verify_identity``: may this NIK be served?

    ``source`` names who answered (``"local registry"``, ``"SIAK Dukcapil"``).
    ``ok`` False blocks the service and ``problems`` says why; ``warnings``
    are shown to the officer but do not block.
    """

    source: str
    ok: bool
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkerJob:
    """A scheduled job that ``pamong worker`` runs besides delivering the outbox.

    ``name`` is ``<plugin id>.<job>`` (``licensing.escalate``). ``run(app)``
    is called inside an app context and returns a one-line summary (or
    None); it is recorded in the job's run history.

    When it runs: ``schedule`` is a cron expression read in the regency's
    time zone (``"0 8 * * *"``: 08:00 WIB in Sragen); with
    ``working_days=True`` only due times on working days count
    (:mod:`pamong.workdays`: no weekends, holidays, cuti bersama or local
    closures). Without ``schedule`` the job runs every ``interval_seconds``.

    Each due time runs once across all workers and hosts; due times missed
    while no worker ran are caught up by one run. A run that has not
    finished after ``timeout_seconds`` counts as interrupted (its worker
    died) and may be run again: jobs must be idempotent.
    """

    name: str
    run: Callable[..., str | None]
    interval_seconds: int = 3600
    schedule: str = ""
    working_days: bool = False
    timeout_seconds: int = 3600
    description: str = ""


@dataclass(frozen=True)
class TrackerLink:
    """A link the public tracker page shows under a file (``pamong_tracker_links``).

    ``url`` is absolute or site-relative. The tracker is public: return a
    link only when anyone holding the receipt number may follow it, or
    when the request shows that the visitor owns the file.
    """

    label: str
    url: str
    description: str = ""

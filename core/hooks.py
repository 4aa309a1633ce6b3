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
    ``plugin_api`` is a PEP 440 specifier of the plugin API versions
    (:data:`pamong.plugin.API_VERSION`) the plugin works with: the host
    refuses to load it outside that range. ``core_version`` constrains the
    Pamong release itself, for the rare plugin that needs a fix of one.

    Attributes:
        id: The plugin id (snake_case), equal to its entry-point name.
        version: The plugin's own version.
        title: A short human title, shown in ``pamong plugins list`` and as the
            plugin's group of the staff menu; mark it ``N_("…")`` so it is translated.
        description: One sentence on what the plugin does.
        requires: Ids of plugins that must be enabled and load first.
        plugin_api: Plugin API versions supported, e.g. ``">=1.0,<2"``.
        core_version: Pamong releases supported, e.g. ``">=0.1"``.
        public_modules: Modules of this plugin (relative to its package,
            e.g. ``("services",)``) that plugins requiring it may import;
            everything else in it is internal.
    """

    id: str
    version: str
    title: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    plugin_api: str = ">=1.0,<2"
    core_version: str = ">=0.1"
    public_modules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Permission:
    """A permission a role can grant, named ``<plugin id>.<action>``.

    Attributes:
        name: ``<plugin id>.<action>``, e.g. ``ktp.print``.
        description: What holding it allows, shown when roles are edited.
    """

    name: str
    description: str


@dataclass(frozen=True)
class NavItem:
    """An entry of the staff navigation and the dashboard.

    ``endpoint`` is a Flask endpoint of the plugin's blueprint; the item is
    shown only to users holding ``permission`` somewhere (None: any staff
    user). Items are ordered by ``weight`` within their ``group``.

    The staff menu groups items by ``module``: one line of module titles,
    and under it the links of the module the user is in. ``module`` is that
    title (``_l("Water meters")``); left empty, the item goes under the
    plugin's own title (``PluginInfo.title``, translated through the
    plugin's catalog). A plugin with one area leaves it empty.

    Attributes:
        endpoint: A Flask endpoint of the plugin's blueprint (``ktp.counter``).
        label: The menu text (use ``_l`` so it is translated).
        weight: Order within the group; lower comes first.
        permission: Shown only to holders of this permission; None for any staff.
        group: ``main`` (staff menu), or another group name of the dashboard.
        description: One line under the label on the dashboard.
        public: Shown to visitors who are not logged in (public pages).
        module: The menu group's title (``_l``); empty: the plugin's title.
    """

    endpoint: str
    label: str
    weight: int = 100
    permission: str | None = None
    group: str = "main"
    description: str = ""
    public: bool = False
    module: str = ""


@dataclass(frozen=True)
class RoleTemplate:
    """A role a plugin suggests; ``pamong init`` creates it if missing.

    Attributes:
        name: ``<plugin id>_<role>`` (``ktp_officer``) or the plugin id itself.
        title: The role's human title.
        permissions: Names of registered permissions; ``<id>.*`` grants all of a plugin's.
    """

    name: str
    title: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class Stage:
    """One stage of a tracked process, e.g. ``Stage("verification", "Document check")``.

    Attributes:
        code: The stage's stable code, stored with every step.
        label: What the public tracker shows (use ``_l``).
    """

    code: str
    label: str


@dataclass(frozen=True)
class TrackableKind:
    """A kind of file a citizen can track by receipt number.

    ``code`` (2-6 capital letters) starts every receipt number of the kind:
    ``LIC-2026-000123``. ``stages`` are the stages in their usual order; the
    public tracker shows their labels and never any personal data.

    Attributes:
        code: 2-6 capital letters, the prefix of receipt numbers.
        title: The kind's human title (``Izin usaha``).
        stages: The stages in their usual order.
    """

    code: str
    title: str
    stages: tuple[Stage, ...]

    def stage(self, code: str) -> Stage | None:
        return next((s for s in self.stages if s.code == code), None)


@dataclass(frozen=True)
class DocumentKind:
    """A kind of issued document, named ``<plugin id>.<kind>`` (``ktp.card``).

    Attributes:
        name: ``<plugin id>.<kind>``.
        title: The human title shown on the verify page.
        validity_days: The default validity; None means it does not expire.
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

    Attributes:
        seed: ``seed(session, context)``, adding the plugin's demo rows.
        weight: Order among seeders; a plugin that needs another's data runs later.
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

    Attributes:
        source: The announcing plugin's id (``ktp``).
        reference: The plugin's record, unique per fee (``ktp_application:12``).
        amount: Whole rupiah, > 0.
        description: What the fee is for, as printed on the invoice.
        unit_code: Code of the org unit that collects it.
        payer_ref: Who pays (``resident:42``, ``applicant:7``).
        payer_name: The payer's name as printed on the invoice and receipt
            (never shown publicly); empty when the listener may look it up.
        legal_basis: The regulation that sets the fee (``Perda Sragen 7/2006``).
        tracking_number: The tracked file the fee belongs to, if any.
        due_date: The last day to pay; None for "at the counter, now".
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
    payer_name: str = ""


@dataclass(frozen=True)
class IdentityCheck:
    """The answer of ``pamong_verify_identity``: may this NIK be served?

    ``source`` names who answered (``"local registry"``, ``"SIAK Dukcapil"``).
    ``ok`` False blocks the service and ``problems`` says why; ``warnings``
    are shown to the officer but do not block.

    Attributes:
        source: Who answered (``local registry``, ``SIAK Dukcapil``).
        ok: False blocks the service.
        problems: Why it is blocked, for the officer.
        warnings: Shown to the officer, not blocking.
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
    (``pamong.workdays``: no weekends, holidays, cuti bersama or local
    closures). Without ``schedule`` the job runs every ``interval_seconds``.

    Each due time runs once across all workers and hosts; due times missed
    while no worker ran are caught up by one run. A run that has not
    finished after ``timeout_seconds`` counts as interrupted (its worker
    died) and may be run again: jobs must be idempotent.

    Attributes:
        name: ``<plugin id>.<job>``.
        run: ``run(app)``, returning a one-line summary or None.
        interval_seconds: Without ``schedule``: run every so many seconds,
            counted from when a worker first saw the job.
        schedule: A cron expression (minute hour day month weekday) in the
            regency's time zone, e.g. ``"0 7 * * *"``; empty for an interval.
        working_days: With ``schedule``: only due times on working days.
        timeout_seconds: After this long a run counts as interrupted (its
            worker died) and the job may run again for the same due time.
        description: What the job does, for people.
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

    Attributes:
        label: The link text.
        url: Absolute or site-relative address.
        description: One line under the link.
    """

    label: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class PublicService:
    """A service of the public service catalogue (``pamong_public_services``).

    The portal lists every plugin's services with what a citizen needs to
    know before going to the counter. Everything here is public: never put
    personal data in it.

    Attributes:
        code: ``<plugin id>.<service>``, unique across plugins.
        title: The service's name as citizens know it (``KTP elektronik``).
        description: One or two sentences on what the service gives.
        requirements: The documents to bring, one per entry.
        fee: The fee in whole rupiah; 0 when free; None when it depends (see ``fee_note``).
        fee_note: How the fee is worked out, or its legal basis.
        sop_days: The service standard in working days (SOP), None when not fixed.
        where: Where to apply (the office or counter).
        apply_url: Site-relative or absolute link to apply online; empty when none.
        track_url: Link to track a file of this service; empty when none.
        unit_code: Code of the responsible org unit, when known.
        category: A group heading of the catalogue (``Kependudukan``, ``Perizinan``).
        weight: Order within the category; lower comes first.
    """

    code: str
    title: str
    description: str = ""
    requirements: tuple[str, ...] = ()
    fee: int | None = 0
    fee_note: str = ""
    sop_days: int | None = None
    where: str = ""
    apply_url: str = ""
    track_url: str = ""
    unit_code: str = ""
    category: str = ""
    weight: int = 100


@dataclass(frozen=True)
class SurveyService:
    """A service whose users answer the satisfaction survey (``pamong_register_survey_services``).

    The core keeps the invitations and answers, computes the index per
    service, unit and period (PermenPAN-RB 14/2017) and publishes it. The
    plugin calls :func:`pamong.plugin.survey_link` when a file of the
    service is completed.

    Attributes:
        key: ``<plugin id>.<service>``, unique (``ktp.card``).
        title: The service's name on the public results page (translatable).
        unit_code: Code of the unit that usually serves it, when one does; informative.
        weight: Order on the results page; lower comes first.
    """

    key: str
    title: str
    unit_code: str = ""
    weight: int = 100


@dataclass(frozen=True)
class PortalWidget:
    """A box of figures a plugin shows on the public home page (``pamong_portal_widgets``).

    Rows are plain text pairs, rendered escaped by the portal: a widget
    cannot inject markup into the public page.

    Attributes:
        key: ``<plugin id>.<widget>``, unique.
        title: The box's heading.
        rows: ``(label, value)`` pairs, at most a dozen are shown.
        url: Where "more" leads (site-relative or absolute); empty for none.
        weight: Order on the page; lower comes first.
    """

    key: str
    title: str
    rows: tuple[tuple[str, str], ...] = ()
    url: str = ""
    weight: int = 100


@dataclass(frozen=True)
class LegalReference:
    """A legal document a citation names (``pamong_legal_reference``), for a link to it.

    Attributes:
        url: The document's public page (site-relative or absolute).
        title: Its full title (``Peraturan Daerah Nomor 4 Tahun 2006 tentang ...``).
        status: ``berlaku`` (in force), ``diubah`` (amended) or ``dicabut`` (revoked).
        status_label: The status in the reader's language.
    """

    url: str
    title: str
    status: str = "berlaku"
    status_label: str = ""

"""Every hook a Pamong plugin can implement.

Hooks are called with keyword arguments only; an implementation may accept
any subset of a hook's arguments, so arguments can be added later without
breaking plugins. Each hook is declared with :func:`spec`, which records
when it is called and since which plugin API version it exists; the hook
reference (``docs/plugins/hooks.md``) is generated from these declarations
and docstrings, with an example taken from a real plugin.

Docstrings follow one shape, checked by ``tests/test_docs.py``: a summary,
``Args:`` with every parameter, ``Returns:`` unless the hook returns None.

``pamong_on_*`` hooks announce events. A listener that raises is logged and
audited and the announcing operation goes on, unless the hook is declared
``transactional``: then the exception fails the operation (and rolls back
its transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pamong.hooks import hookspec

if TYPE_CHECKING:
    from datetime import date

    import click
    from flask import Blueprint, Flask
    from marshmallow import Schema
    from sqlalchemy.orm import Session

    from pamong.hooks import (
        DemoData,
        DocumentKind,
        FeeDue,
        IdentityCheck,
        LegalReference,
        NavItem,
        Permission,
        PortalWidget,
        PublicService,
        RoleTemplate,
        SurveyService,
        TrackableKind,
        TrackerLink,
        WorkerJob,
    )
    from pamong.identity.models import Resident
    from pamong.messaging.models import Message
    from pamong.messaging.transports import Transport
    from pamong.orgunits.models import OrgUnit
    from pamong.tracking.models import TrackedItem

#: When a hook is called (the ``when`` of :func:`spec`), as the hook reference says it.
WHEN = {
    "startup": "startup: once per app, while it is built",
    "request": "request: while a page or API answer is built",
    "transaction": (
        "transaction: inside the transaction of the event; what the implementation "
        "writes with ``session`` commits or rolls back with it"
    ),
    "on demand": "on demand: when the core needs the answer (a delivery, a check)",
}

F = TypeVar("F", bound=Callable[..., Any])


def spec(
    *, since: str, when: str, firstresult: bool = False, transactional: bool = False
) -> Callable[[F], F]:
    """Declare a hook: pluggy's hookspec plus what the reference documents.

    ``since`` is the plugin API version (or, for a plugin's own hooks, the
    plugin version) that introduced the hook; ``when`` is a key of
    :data:`WHEN`; ``firstresult`` makes the first non-None answer win (a
    resolver) instead of collecting every answer. ``transactional`` (for
    ``pamong_on_*`` events) lets a listener's exception fail the operation
    that announced the event; otherwise the plugin host contains it: the
    listener's work is rolled back to a savepoint, the failure is logged and
    audited, and the operation goes on. Plugins declare their own hooks with
    it too, as ``pamong.plugin.hookspec``.
    """
    if when not in WHEN:
        raise ValueError(f"when={when!r}: expected one of {sorted(WHEN)}")

    def mark(func: F) -> F:
        func.pamong_since = since  # type: ignore[attr-defined]
        func.pamong_when = WHEN[when]  # type: ignore[attr-defined]
        func.pamong_transactional = transactional  # type: ignore[attr-defined]
        return hookspec(firstresult=firstresult)(func)

    return mark


# --- registration: called once at startup, results validated ----------------------


@spec(since="1.0", when="startup")
def pamong_register_blueprints(app: Flask) -> Iterable[Blueprint]:
    """Return the plugin's blueprints: its pages and its REST API.

    A Flask blueprint named ``<id>`` is mounted at ``/<id>``; an
    ``ApiBlueprint`` named ``<id>_api`` at ``/api/v1/<id>``, and its
    operations appear in the OpenAPI document. Page templates extend
    ``base.html``. Other names or prefixes fail startup.

    Args:
        app: The Flask app being built (for app-level setup; most plugins ignore it).

    Returns:
        The blueprints to mount.
    """


@spec(since="1.0", when="startup")
def pamong_register_permissions() -> Iterable[Permission]:
    """Return the permissions the plugin checks, each named ``<id>.<action>``.

    Roles grant them at an org unit and its subtree; check them in services
    with ``actor.can(name, unit)`` or ``require(actor, name)``.

    Returns:
        The plugin's permissions.
    """


@spec(since="1.0", when="startup")
def pamong_register_roles() -> Iterable[RoleTemplate]:
    """Return roles to create at ``pamong init`` (e.g. a KTP counter officer).

    Role names start with ``<id>_`` (or are the id itself); their
    permissions must be registered.

    Returns:
        Role templates; existing roles of the same name are left as they are.
    """


@spec(since="1.0", when="startup")
def pamong_register_nav_items() -> Iterable[NavItem]:
    """Return entries of the staff menu and dashboard (and of the public menu).

    Returns:
        Navigation items; ``endpoint`` must belong to one of the plugin's blueprints.
    """


@spec(since="1.0", when="startup")
def pamong_register_settings_schema() -> type[Schema] | Schema:
    """Return the marshmallow schema that validates ``[plugins.<id>]`` in ``pamong.toml``.

    Invalid settings fail startup with the field named. The loaded values
    are available as ``plugin_settings("<id>")``.

    Returns:
        A schema class or instance.
    """


@spec(since="1.0", when="startup")
def pamong_register_cli_commands() -> click.Group:
    """Return a click group named ``<id>``; it becomes ``pamong <id> ...``.

    Commands that need the app open it with ``app_context(ctx)``.

    Returns:
        The plugin's command group.
    """


@spec(since="1.0", when="startup")
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    """Return the kinds of files citizens can track by receipt number.

    Returns:
        Trackable kinds with unique codes (``LIC``, ``KTP``).
    """


@spec(since="1.0", when="startup")
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    """Return the kinds of documents the plugin issues, each named ``<id>.<kind>``.

    Returns:
        Document kinds; issued documents get a QR code to the public verify page.
    """


@spec(since="1.0", when="startup")
def pamong_register_demo_data() -> DemoData:
    """Return the seeder ``pamong demo`` runs to add this plugin's demo data.

    Returns:
        The seeder, run after the core's demo data, in ``weight`` order.
    """


@spec(since="1.0", when="startup")
def pamong_register_worker_jobs() -> Iterable[WorkerJob]:
    """Return scheduled jobs for ``pamong worker`` (reminders, escalations...).

    Each due time of a job runs once across all workers (a cron
    ``schedule`` in the regency's zone, optionally on working days only,
    or an interval); missed due times are caught up by one run. Jobs must
    be idempotent: a run whose worker died is run again.

    Returns:
        Jobs named ``<id>.<job>``.
    """


@spec(since="1.2", when="startup")
def pamong_register_survey_services() -> Iterable[SurveyService]:
    """Return the plugin's services whose users answer the satisfaction survey (IKM).

    Each completed file of such a service gets a one-time survey link
    (:func:`pamong.plugin.survey_link`); the core computes and publishes
    the index of every registered service per unit and period.

    Returns:
        Survey services keyed ``<id>.<service>``.
    """


@spec(since="1.0", when="startup", transactional=True)
def pamong_on_app_ready(app: Flask) -> None:
    """Called once the app is fully built (blueprints, settings, permissions).

    Transactional: a listener that raises stops the startup with a
    ``StartupError`` naming the plugin.

    Args:
        app: The finished Flask app.
    """


# --- domain events: notifications, return ignored ----------------------------------


@spec(since="1.0", when="transaction")
def pamong_on_resident_registered(resident: Resident, session: Session) -> None:
    """A resident was added to the registry (API, web form or import row).

    Args:
        resident: The new resident, already flushed (it has an id).
        session: The registering transaction's session.
    """


@spec(since="1.0", when="transaction")
def pamong_on_resident_changed(
    resident: Resident, session: Session, changes: dict[str, Any]
) -> None:
    """A resident's data changed.

    Args:
        resident: The resident after the change.
        session: The changing transaction's session.
        changes: Field name to ``(old, new)`` for each field that changed.
    """


@spec(since="1.0", when="transaction")
def pamong_on_status_changed(
    item: TrackedItem, old: str | None, new: str, session: Session
) -> None:
    """A tracked file moved to another stage, or was opened.

    Args:
        item: The tracked file (receipt number, kind, unit, history).
        old: The stage it left; None when the file was just opened.
        new: The stage it is now at.
        session: The transaction that changed it.
    """


@spec(since="1.0", when="transaction")
def pamong_on_message_sent(message: Message, session: Session) -> None:
    """A message (letter, invitation, notice) was sent.

    Args:
        message: The message; its inbox entries and deliveries are in the same transaction.
        session: The sending transaction's session.
    """


@spec(since="1.0", when="transaction", transactional=True)
def pamong_on_fee_due(fee: FeeDue, session: Session) -> None:
    """A fee (retribusi) became due: a KTP fee, a permit levy...

    The billing plugin turns it into an invoice; with no listener the fee is
    only recorded by the plugin that announced it. Transactional: a listener
    that raises fails the operation, so no fee goes without its invoice. Announce one with
    ``hook_relay(session).pamong_on_fee_due(fee=FeeDue(...))``.

    Args:
        fee: What is due, from whom, for what, and under which legal basis.
        session: The transaction that made the fee due.
    """


# --- resolvers and contributions ---------------------------------------------------


@spec(since="1.0", when="on demand", firstresult=True)
def pamong_message_transport(channel: str) -> Transport | None:
    """Return a transport for ``channel`` (``"sms"``, ``"whatsapp"``...), or None.

    The outbox asks this hook first for every channel; without an answer it
    uses the built-in transports: ``email`` (SMTP settings) and ``sms`` /
    ``whatsapp`` (the HTTP gateway settings, :mod:`pamong.messaging.gateway`).
    ``delivery.idempotency_key`` is the same on every attempt: a delivery
    sent again after a worker crash carries the key it was first sent with,
    so pass it to the gateway's own deduplication.

    Args:
        channel: The channel of the delivery.

    Returns:
        A transport able to send on ``channel``, or None for channels the plugin does not serve.
    """


@spec(since="1.0", when="on demand", firstresult=True)
def pamong_verify_identity(
    nik: str, resident: Resident | None, session: Session
) -> IdentityCheck | None:
    """Check a NIK against the population registry before serving it.

    A deployment plugs in a national (Dukcapil / SIAK) adapter this way;
    the core's own answer, tried last, checks the local registry.

    Args:
        nik: The 16-digit NIK to check.
        resident: The local record, or None when the NIK is not registered here.
        session: The session of the service asking.

    Returns:
        The check's answer, or None to let the next implementation answer.
    """


@spec(since="1.2", when="request")
def pamong_daily_activity(unit: OrgUnit, day: date, session: Session) -> Iterable[dict[str, Any]]:
    """Facts your plugin recorded at ``unit`` (and the units below it) on ``day``.

    The staff dashboard shows them to the people who work at ``unit``
    (today beside yesterday), and Kantaya drafts a unit's daily report from
    them. Return an empty list when there is nothing to say (a unit without
    your counters). Counts only: no personal data. Declared by Kantaya
    before plugin API 1.2; implementations marked
    ``@hookimpl(optionalhook=True)`` keep working.

    Args:
        unit: The unit (a kecamatan, a Satker, a BUMD…).
        day: The local day (regency time zone).
        session: A read session; do not write.

    Returns:
        Dictionaries ``{"source": plugin id, "label": str, "value": int | float | str}``;
        ``label`` is already translated (``_()``), ``value`` a count, a
        figure or a short text. The dashboard shows a fact to holders of a
        permission of the ``source`` plugin at the unit.
    """


@spec(since="1.2", when="on demand", firstresult=True)
def pamong_civil_registry_record(nik: str, session: Session) -> dict[str, Any] | None:
    """Fetch a person's data from the national civil registry (Dukcapil's SIAK).

    The registry officer's **Fetch from SIAK** button on the registration
    form (and ``GET /api/v1/civil-registry/{nik}``) asks this hook, so a
    person known nationally is registered here with the national data
    instead of retyped. Nothing is fetched without an adapter: the core has
    no implementation, and the button is hidden.

    Args:
        nik: The 16-digit NIK asked for.
        session: The session of the service asking.

    Returns:
        The person's fields, named as for a registration (``name``,
        ``birth_place``, ``birth_date`` as a ``date``, ``sex`` ``"M"``/``"F"``,
        and any of ``kk_number``, ``family_relation``, ``religion``,
        ``marital_status``, ``occupation``, ``blood_type``, ``address``,
        ``rt``, ``rw``); unknown keys are dropped. None when the registry
        does not know the NIK.
    """


@spec(since="1.0", when="request")
def pamong_tracker_links(item: TrackedItem, session: Session) -> Iterable[TrackerLink]:
    """Links to show on the public tracker page of ``item`` (a survey, a payment page...).

    An implementation may look at the request (e.g. who is logged in to the
    plugin's portal). The page is public: never return personal data.

    Args:
        item: The tracked file being shown.
        session: The request's session.

    Returns:
        Links for files of this plugin; nothing for files of other plugins.
    """


@spec(since="1.1", when="request")
def pamong_public_services(session: Session) -> Iterable[PublicService]:
    """Return the plugin's services for the public service catalogue.

    The portal gathers them into one catalogue (requirements, fee, SOP
    time, where to apply, links to apply and track). The page is public:
    never return personal data.

    Args:
        session: The request's session (to read fees and requirements kept as data).

    Returns:
        Public service records with codes ``<id>.<service>``.
    """


@spec(since="1.1", when="request")
def pamong_portal_widgets(session: Session) -> Iterable[PortalWidget]:
    """Return boxes of public figures for the portal's home page (prices, agenda...).

    Args:
        session: The request's session.

    Returns:
        Widgets keyed ``<id>.<widget>``; the portal orders them by ``weight``.
    """


@spec(since="1.1", when="request", firstresult=True)
def pamong_legal_reference(citation: str, session: Session) -> LegalReference | None:
    """Return the legal document a citation names (``Perda Kab. Sragen 4/2006``), or None.

    Lets a plugin link its legal bases and decrees to the regency's legal
    documents (JDIH) without depending on the plugin that keeps them:
    templates call ``legal_reference(citation)``, services
    ``pamong.plugin.legal_reference(session, citation)``.

    Args:
        citation: A citation as staff typed it (type, number and year in it).
        session: The request's session.

    Returns:
        The document's link, title and status, or None when the citation names none.
    """


@spec(since="1.1", when="request", firstresult=True)
def pamong_home_page() -> str | None:
    """Return the endpoint of a public page to serve as the site's home (``/``).

    The core's own home (the regency's kecamatan table) answers when no
    plugin does; a portal plugin returns its home page's endpoint.

    Returns:
        A Flask endpoint of the plugin's blueprint, or None.
    """

"""Every hook a Pamong plugin can implement.

Hooks are called with keyword arguments only; an implementation may accept
any subset of a hook's arguments, so arguments can be added later without
breaking plugins. ``pamong_register_*`` hooks are called once per app at
startup, for each plugin separately, and their results are validated.
``pamong_on_*`` hooks announce domain events; their return is ignored.
A listener that raises is logged and audited and the announcing operation
goes on, unless the hook is marked :func:`transactional`: then the
exception fails the operation (and rolls back its transaction).
Each hook is documented, with an example, in ``docs/plugins/hooks.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pamong.hooks import hookspec

_F = TypeVar("_F", bound=Callable[..., Any])


def transactional(spec: _F) -> _F:
    """Mark a ``pamong_on_*`` hook whose listeners must succeed with the event.

    A listener's exception then propagates to the operation that announced
    the event, which fails and rolls back. Unmarked ``on_*`` hooks contain
    failures: the listener's work is rolled back to a savepoint, the
    failure is logged and audited, and the operation goes on.
    """
    spec.pamong_transactional = True  # type: ignore[attr-defined]
    return spec


if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask
    from marshmallow import Schema
    from sqlalchemy.orm import Session

    from pamong.hooks import (
        DemoData,
        DocumentKind,
        FeeDue,
        IdentityCheck,
        NavItem,
        Permission,
        RoleTemplate,
        TrackableKind,
        TrackerLink,
        WorkerJob,
    )
    from pamong.identity.models import Resident
    from pamong.messaging.models import Message
    from pamong.messaging.transports import Transport
    from pamong.tracking.models import TrackedItem


@hookspec
def pamong_register_blueprints(app: Flask) -> Iterable[Blueprint]:
    """Return the plugin's blueprints.

    A ``flask_smorest.Blueprint`` named ``<id>_api`` is mounted at
    ``/api/v1/<id>`` and documented in the OpenAPI spec; a plain Flask
    blueprint named ``<id>`` is mounted at ``/<id>``.
    """


@hookspec
def pamong_register_permissions() -> Iterable[Permission]:
    """Return the permissions the plugin checks, each named ``<id>.<action>``."""


@hookspec
def pamong_register_roles() -> Iterable[RoleTemplate]:
    """Return roles to create at ``pamong init`` (e.g. a KTP counter officer)."""


@hookspec
def pamong_register_nav_items() -> Iterable[NavItem]:
    """Return navigation entries; the dashboard and menu are built from them."""


@hookspec
def pamong_register_settings_schema() -> type[Schema] | Schema:
    """Return the marshmallow schema that validates ``[plugins.<id>]``.

    The loaded settings are available as ``current_plugin_settings(id)``.
    """


@hookspec
def pamong_register_cli_commands() -> click.Group:
    """Return a click group named ``<id>``; it becomes ``pamong <id> ...``."""


@hookspec
@transactional
def pamong_on_app_ready(app: Flask) -> None:
    """Called once the app is fully built (blueprints, settings, permissions).

    Transactional: a listener that raises stops the startup with a
    ``StartupError`` naming the plugin.
    """


@hookspec
def pamong_on_resident_registered(resident: Resident, session: Session) -> None:
    """A resident was added to the registry (API, web form or import row).

    Called inside the registering transaction: work done with ``session``
    commits or rolls back with the registration.
    """


@hookspec
def pamong_on_resident_changed(
    resident: Resident, session: Session, changes: dict[str, Any]
) -> None:
    """A resident's data changed; ``changes`` maps field to ``(old, new)``."""


@hookspec
def pamong_register_trackable_kinds() -> Iterable[TrackableKind]:
    """Return the kinds of files citizens can track by receipt number."""


@hookspec
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    """Return the kinds of documents the plugin issues, each named ``<id>.<kind>``."""


@hookspec
def pamong_on_status_changed(
    item: TrackedItem, old: str | None, new: str, session: Session
) -> None:
    """A tracked file moved to stage ``new`` (``old`` is None when it was opened).

    Called inside the transaction that changed it.
    """


@hookspec
def pamong_on_message_sent(message: Message, session: Session) -> None:
    """A message was sent; its inbox entries and deliveries are in the same transaction."""


@hookspec(firstresult=True)
def pamong_message_transport(channel: str) -> Transport | None:
    """Return a transport for ``channel`` (``"sms"``, ``"whatsapp"``…), or None.

    The first non-None answer wins; ``email`` is built in (SMTP settings).
    """


@hookspec
def pamong_register_demo_data() -> DemoData:
    """Return the seeder ``pamong demo`` runs to add this plugin's demo data."""


@hookspec
def pamong_register_worker_jobs() -> Iterable[WorkerJob]:
    """Return periodic jobs for ``pamong worker`` (reminders, escalations…)."""


@hookspec
@transactional
def pamong_on_fee_due(fee: FeeDue, session: Session) -> None:
    """A fee became due (a KTP fee, a permit levy…).

    Called inside the transaction that made it due; the billing plugin
    turns it into an invoice. With no listener the fee is only recorded by
    the plugin that announced it. Transactional: a listener that raises
    fails the operation, so no fee goes without its invoice.
    """


@hookspec(firstresult=True)
def pamong_verify_identity(
    nik: str, resident: Resident | None, session: Session
) -> IdentityCheck | None:
    """Check a NIK against the population registry before serving it.

    ``resident`` is the local record (None when the NIK is not registered
    here). The first non-None answer wins: a deployment plugs in a
    national (Dukcapil / SIAK) adapter this way; the core's own answer,
    tried last, checks the local registry.
    """


@hookspec
def pamong_tracker_links(item: TrackedItem, session: Session) -> Iterable[TrackerLink]:
    """Links to show on the public tracker page of ``item`` (a survey, a payment page…).

    Called while the tracker page is rendered, so an implementation may look
    at the request (e.g. who is logged in to the plugin's portal). Return
    nothing for files of other plugins.
    """

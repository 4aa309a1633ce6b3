"""The plugin's rules: functions that take a Session and an Actor, never a request.

Pages, the API, the CLI and the demo data all go through them, so a rule
holds everywhere. Each checks the permission at the org unit concerned and
writes what it changed to the audit log.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, Forbidden, OrgUnit, _, audit, get_unit

from {{ cookiecutter.__package }}.models import {{ cookiecutter.__model_prefix }}Entry
from {{ cookiecutter.__package }}.permissions import MANAGE, VIEW


def add_entry(session: Session, actor: Actor, *, title: str, unit_code: str) -> {{ cookiecutter.__model_prefix }}Entry:
    """Record an entry at the org unit ``unit_code``; needs the manage permission there."""
    unit = get_unit(session, unit_code)
    if not actor.can(MANAGE, unit):
        raise Forbidden(
            _("You may not record entries at %(unit)s.", unit=unit.name), permission=MANAGE
        )
    entry = {{ cookiecutter.__model_prefix }}Entry(org_unit=unit, title=title.strip())
    session.add(entry)
    session.flush()
    audit(
        session,
        actor,
        "{{ cookiecutter.plugin_id }}_entry.create",
        "{{ cookiecutter.plugin_id }}_entry",
        entry.id,
        org_unit_id=unit.id,
    )
    return entry


def entries_query(
    actor: Actor,
    *,
    unit_code: str | None = None,
) -> Select[tuple[{{ cookiecutter.__model_prefix }}Entry]]:
    """The entries the actor may see (the view permission at their unit or above), newest first."""
    stmt = (
        select({{ cookiecutter.__model_prefix }}Entry)
        .join(OrgUnit, {{ cookiecutter.__model_prefix }}Entry.org_unit_id == OrgUnit.id)
        .where(actor.scope_filter(VIEW, OrgUnit.path))
        .order_by({{ cookiecutter.__model_prefix }}Entry.id.desc())
    )
    if unit_code:
        stmt = stmt.where(OrgUnit.code == unit_code)
    return stmt


def units_to_record_at(session: Session, actor: Actor) -> list[OrgUnit]:
    """The org units where the actor was granted the manage permission (offered by the form)."""
    paths = actor.scope_paths(MANAGE)
    return list(session.scalars(select(OrgUnit).where(OrgUnit.path.in_(paths))))

"""Business rules of {{ cookiecutter.plugin_id }}: take a Session and an Actor, never a request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.errors import Forbidden
from pamong.orgunits.services import get_unit
from {{ cookiecutter.__package }}.models import Entry


def add_entry(session: Session, actor: Actor, *, title: str, unit_code: str) -> Entry:
    """Record an entry at the unit ``unit_code``; the actor needs ``{{ cookiecutter.plugin_id }}.manage`` there."""
    unit = get_unit(session, unit_code)
    if not actor.can("{{ cookiecutter.plugin_id }}.manage", unit):
        raise Forbidden(f"You may not record at {unit.code}.", permission="{{ cookiecutter.plugin_id }}.manage")
    entry = Entry(org_unit_id=unit.id, title=title)
    session.add(entry)
    session.flush()
    record(session, actor, "{{ cookiecutter.plugin_id }}.entry.add", "{{ cookiecutter.plugin_id }}_entry", entry.id, org_unit_id=unit.id)
    return entry


def list_entries(session: Session) -> list[Entry]:
    return list(session.scalars(select(Entry).order_by(Entry.id)))

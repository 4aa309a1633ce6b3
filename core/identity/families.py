"""Family cards (Kartu Keluarga): the members of a KK, and moving a family together.

A KK groups the people of one household under its 16-digit number; each
member's relation to the head of the family is recorded on the resident
(``family_relation``). The registry holds one head per KK among living
members (:func:`pamong.identity.services.register_resident` and
``update_resident`` refuse a second one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.services import record_personal_reads
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.i18n import gettext as _
from pamong.identity.events import record_move
from pamong.identity.models import FamilyRelation, LifeEvent, Resident, ResidentStatus
from pamong.identity.services import PERSONAL, REGISTER

#: The order members are listed in on a family card.
RELATION_ORDER = {relation.value: index for index, relation in enumerate(FamilyRelation)}


@dataclass(frozen=True)
class Family:
    """The living members of one KK that the reader may see, head first."""

    kk_number: str
    members: list[Resident]

    @property
    def head(self) -> Resident | None:
        return next(
            (m for m in self.members if m.family_relation == FamilyRelation.KEPALA_KELUARGA),
            None,
        )


def _clean_kk(kk_number: str) -> str:
    kk = "".join(ch for ch in kk_number if ch.isdigit())
    if len(kk) != 16:
        raise InvalidInput(
            _("A family card number has 16 digits."), slug="invalid-kk", field="kk_number"
        )
    return kk


def _members(session: Session, kk: str) -> list[Resident]:
    rows = session.scalars(
        select(Resident).where(
            Resident.kk_number == kk, Resident.status == ResidentStatus.LIVING.value
        )
    ).all()
    return sorted(
        rows,
        key=lambda r: (
            RELATION_ORDER.get(r.family_relation or "", len(RELATION_ORDER)),
            r.birth_date,
        ),
    )


def get_family(session: Session, actor: Actor, kk_number: str) -> Family:
    """The KK's living members whose personal data ``actor`` may see (each read audited).

    A KK with no member in the actor's reach is answered as unknown (404),
    so the number's existence is not confirmed to outsiders.
    """
    kk = _clean_kk(kk_number)
    members = [m for m in _members(session, kk) if actor.can(PERSONAL, m.domicile)]
    if not members:
        raise NotFound(_("No family card with this number."), slug="family-not-found")
    record_personal_reads(
        session,
        actor,
        ((("resident", m.id), m, m.domicile_unit_id) for m in members),
        purpose="core.family",
    )
    return Family(kk, members)


def move_family(
    session: Session,
    actor: Actor,
    kk_number: str,
    *,
    day: date,
    to_desa_code: str | None = None,
    to_place: str = "",
    note: str = "",
) -> list[LifeEvent]:
    """Move every living member of a KK together, as :func:`record_move` moves one.

    All or nothing: a member outside the actor's reach refuses the whole
    move (403), so a family is never split by accident. Returns the
    ``move_out`` events, head first.
    """
    kk = _clean_kk(kk_number)
    members = _members(session, kk)
    if not members and any(
        actor.can(REGISTER, r.domicile)
        for r in session.scalars(select(Resident).where(Resident.kk_number == kk))
    ):
        raise Conflict(
            _("No member of this family card still lives here."), slug="family-not-living"
        )
    if not any(actor.can(REGISTER, m.domicile) for m in members):
        raise NotFound(_("No family card with this number."), slug="family-not-found")
    if not all(actor.can(REGISTER, m.domicile) for m in members):
        raise Forbidden(
            _("Some members of this family live outside your area: ask their desa to move them.")
        )
    return [
        record_move(
            session, actor, m.nik, day=day, to_desa_code=to_desa_code, to_place=to_place, note=note
        )
        for m in members
    ]

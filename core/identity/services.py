"""The resident registry: one resident per NIK, scoped access, duplicate screening."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from pamong.accounts.permissions import Actor
from pamong.audit.services import (
    record,
    record_personal_read,
    record_personal_reads,
    write_personal_read,
)
from pamong.db import HotQuery, utcnow
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.hookrelay import has_impls, hooks_of
from pamong.hooks import IdentityCheck
from pamong.i18n import gettext as _
from pamong.identity.models import (
    BloodType,
    DuplicateCandidate,
    DuplicateStatus,
    FamilyRelation,
    MaritalStatus,
    Religion,
    Resident,
    ResidentStatus,
    Sex,
)
from pamong.identity.nik import MESSAGES, N_, clean_nik, parse_nik
from pamong.orgunits.models import OrgUnit, OrgUnitKind

VIEW = "core.residents.view"
PERSONAL = "core.residents.personal"
REGISTER = "core.residents.register"
REVIEW = "core.duplicates.review"

VILLAGE_KINDS = (OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)
#: No living resident was born earlier; older dates are typing errors (e.g. 0990 for 1990).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
#: Fields a registration may set, and which of them ``update_resident`` may change.
EDITABLE_FIELDS = (
    "kk_number",
    "family_relation",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "religion",
    "marital_status",
    "occupation",
    "blood_type",
    "address",
    "rt",
    "rw",
    "domicile_code",
    "status",
)
_NOT_LETTERS = re.compile(r"[^a-z0-9 ]")


def normalise_key(text: str) -> str:
    """Fold a name or place for comparison: no accents, case or punctuation.

    ``"Siti  Nur'aini"`` and ``"SITI NURAINI"`` give the same key.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("'", "").replace("`", "")
    return " ".join(_NOT_LETTERS.sub(" ", text).split())


@dataclass(frozen=True)
class ResidentView:
    """A resident as the actor may see it; ``personal`` says if NIK etc. are included."""

    resident: Resident
    personal: bool


def _village(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None or unit.kind not in VILLAGE_KINDS:
        raise InvalidInput(
            _("%(code)s is not a desa or kelurahan of this regency.", code=repr(code)),
            slug="invalid-domicile",
        )
    return unit


def _check_choice(field: str, value: str | None, enum_type: Any, required: bool = False) -> None:
    if value is None:
        if required:
            raise InvalidInput(
                _("%(field)s is required.", field=field), slug="invalid-input", field=field
            )
        return
    if value not in {m.value for m in enum_type}:
        allowed = ", ".join(m.value for m in enum_type)
        raise InvalidInput(
            _("%(field)s must be one of: %(allowed)s.", field=field, allowed=allowed), field=field
        )


def _check_fields(data: dict[str, Any]) -> None:
    _check_choice("sex", data.get("sex"), Sex)
    _check_choice("religion", data.get("religion"), Religion)
    _check_choice("marital_status", data.get("marital_status"), MaritalStatus)
    _check_choice("status", data.get("status"), ResidentStatus)
    _check_choice("family_relation", data.get("family_relation"), FamilyRelation)
    _check_choice("blood_type", data.get("blood_type"), BloodType)
    kk = data.get("kk_number")
    if kk is not None and not (len(kk) == 16 and kk.isascii() and kk.isdigit()):
        raise InvalidInput(_("The family card (KK) number must be 16 digits."), field="kk_number")
    if "name" in data and not normalise_key(data["name"]):
        raise InvalidInput(_("The name must contain letters."), field="name")
    if "birth_place" in data and not normalise_key(data["birth_place"]):
        raise InvalidInput(_("The place of birth must contain letters."), field="birth_place")
    birth = data.get("birth_date")
    if birth is not None and birth > date.today():
        raise InvalidInput(_("The date of birth lies in the future."), field="birth_date")
    if birth is not None and birth < EARLIEST_BIRTH_DATE:
        raise InvalidInput(_("The date of birth lies before 1900."), field="birth_date")


def _check_one_head(session: Session, resident: Resident) -> None:
    """A family card (KK) has one head of the family among its living members."""
    if (
        resident.family_relation != FamilyRelation.KEPALA_KELUARGA.value
        or not resident.kk_number
        or (resident.status or ResidentStatus.LIVING.value) != ResidentStatus.LIVING.value
    ):
        return
    heads = select(Resident.id).where(
        Resident.kk_number == resident.kk_number,
        Resident.family_relation == FamilyRelation.KEPALA_KELUARGA.value,
        Resident.status == ResidentStatus.LIVING.value,
    )
    if resident.id is not None:
        heads = heads.where(Resident.id != resident.id)
    other = session.scalar(heads.limit(1))
    if other is not None:
        raise Conflict(
            _(
                "The family card %(kk)s already has a head of the family.",
                kk=resident.kk_number,
            ),
            slug="kk-two-heads",
            field="family_relation",
        )


def nik_warnings(nik: str, birth_date: date, sex: str) -> list[str]:
    """Warnings about a NIK that disagrees with the recorded data (never errors)."""
    parsed = parse_nik(nik, known_birth_date=birth_date)
    warnings = list(parsed.warnings)
    if parsed.sex and parsed.sex != sex:
        warnings.append("sex_mismatch")
    return warnings


def _nik_exists(nik: str) -> Conflict:
    """The one answer to a NIK registered already, wherever the resident lives.

    It names nothing but the NIK the caller sent: no name, domicile or unit,
    so a registrar learns nothing about a resident outside their villages.
    """
    return Conflict(_("NIK %(value)s is already registered.", value=nik), slug="nik-exists")


def register_resident(session: Session, actor: Actor, data: dict[str, Any]) -> Resident:
    """Add a resident; refuse an invalid NIK (422) or one already registered (409).

    ``data`` holds ``nik``, ``name``, ``birth_place``, ``birth_date``,
    ``sex``, ``domicile_code`` and optionally the other
    :data:`EDITABLE_FIELDS`. Candidates for the same person under another
    NIK go to the duplicate-review queue.
    """
    parsed = parse_nik(data["nik"])
    if not parsed.valid:
        raise InvalidInput(
            _(
                "Invalid NIK: %(errors)s.",
                errors=" ".join(_(MESSAGES.get(c, c)) for c in parsed.errors).rstrip("."),
            ),
            slug="invalid-nik",
            errors=list(parsed.errors),
        )
    _check_fields(data)
    for required in ("name", "birth_place", "birth_date", "sex", "domicile_code"):
        if data.get(required) in (None, ""):
            raise InvalidInput(_("%(required)s is required.", required=required), field=required)
    unit = _village(session, data["domicile_code"])
    if not actor.can(REGISTER, unit):
        raise Forbidden(_("You may not register residents in this village."))
    if session.scalar(select(Resident.id).where(Resident.nik == parsed.value)) is not None:
        raise _nik_exists(parsed.value)

    fields = {k: v for k, v in data.items() if k in EDITABLE_FIELDS and k != "domicile_code"}
    resident = Resident(
        nik=parsed.value,
        name_key=normalise_key(data["name"]),
        birth_place_key=normalise_key(data["birth_place"]),
        domicile=unit,
        domicile_unit_id=unit.id,
        nik_issues=nik_warnings(parsed.value, data["birth_date"], data["sex"]),
        **fields,
    )
    _check_one_head(session, resident)
    try:
        with session.begin_nested():
            session.add(resident)
            session.flush()
    except IntegrityError:
        # Another transaction registered the same NIK between our check and insert.
        raise _nik_exists(parsed.value) from None
    screen_duplicates(session, resident)
    record(
        session,
        actor,
        "resident.create",
        "resident",
        resident.id,
        org_unit_id=unit.id,
        subject_nik=resident.nik,
    )
    hooks_of(session).pamong_on_resident_registered(resident=resident, session=session)
    return resident


def screen_duplicates(session: Session, resident: Resident) -> list[DuplicateCandidate]:
    """Queue residents with the same name, birth date and birth place but another NIK."""
    others = session.scalars(
        select(Resident).where(
            Resident.name_key == resident.name_key,
            Resident.birth_date == resident.birth_date,
            Resident.birth_place_key == resident.birth_place_key,
            Resident.id != resident.id,
        )
    ).all()
    found = []
    for other in others:
        low, high = sorted((resident.id, other.id))
        exists = session.scalar(
            select(DuplicateCandidate.id).where(
                DuplicateCandidate.resident_id == low, DuplicateCandidate.other_resident_id == high
            )
        )
        if exists is None:
            candidate = DuplicateCandidate(resident_id=low, other_resident_id=high)
            session.add(candidate)
            found.append(candidate)
    session.flush()
    return found


def screen_all_duplicates(session: Session) -> int:
    """Queue every not-yet-queued pair in the registry (after a bulk import)."""
    a, b = aliased(Resident), aliased(Resident)
    queued = aliased(DuplicateCandidate)
    pairs = session.execute(
        select(a.id, b.id)
        .join(
            b,
            and_(
                a.name_key == b.name_key,
                a.birth_date == b.birth_date,
                a.birth_place_key == b.birth_place_key,
                a.id < b.id,
            ),
        )
        .outerjoin(queued, and_(queued.resident_id == a.id, queued.other_resident_id == b.id))
        .where(queued.id.is_(None))
    ).all()
    session.add_all(DuplicateCandidate(resident_id=x, other_resident_id=y) for x, y in pairs)
    session.flush()
    return len(pairs)


#: Built once: SQLAlchemy keeps a reused statement's cache key (the lookup is a hot path).
_BY_NIK = select(Resident).where(Resident.nik == bindparam("nik"))


def _find_by_nik(session: Session, nik: str) -> Resident:
    resident = session.scalar(_BY_NIK, {"nik": clean_nik(nik)})
    if resident is None:
        raise NotFound(_("No resident with this NIK."), slug="resident-not-found")
    return resident


def get_resident_by_nik(session: Session, actor: Actor, nik: str) -> Resident:
    """Fetch a resident by NIK: needs the personal-data permission; the read is audited."""
    resident = _find_by_nik(session, nik)
    if not actor.can(PERSONAL, resident.domicile):
        # Same answer as for an unknown NIK: do not confirm that it exists.
        raise NotFound(_("No resident with this NIK."), slug="resident-not-found")
    record_personal_read(
        session,
        actor,
        subject=("resident", resident.id),
        resident=resident,
        unit=resident.domicile_unit_id,
        purpose="core.resident.by_nik",
    )
    return resident


#: The API lookup's one query: the resident's columns and its domicile's code, name, path.
_RECORD_BY_NIK = HotQuery(
    select(
        Resident.__table__,
        OrgUnit.code.label("domicile_code"),
        OrgUnit.name.label("domicile_name"),
        OrgUnit.path.label("domicile_path"),
    )
    .join(OrgUnit, OrgUnit.id == Resident.domicile_unit_id)
    .where(Resident.nik == bindparam("nik"))
)


def resident_record_by_nik(conn: Connection, actor: Actor, nik: str) -> Any:
    """:func:`get_resident_by_nik` on a Core connection, without ORM objects.

    One query (a named tuple of the resident's columns with ``domicile_code``,
    ``domicile_name`` and ``domicile_path``), the same permission check and
    the audit entry inserted on ``conn``: commit ``conn``'s transaction
    before the record leaves. The API's NIK lookup, a counter's hot path.
    """
    row = _RECORD_BY_NIK.first(conn, {"nik": clean_nik(nik)})
    if row is None or not actor.can_at_path(PERSONAL, row.domicile_path):
        # Same answer for a resident outside the caller's units: do not confirm the NIK.
        raise NotFound(_("No resident with this NIK."), slug="resident-not-found")
    write_personal_read(
        conn,
        actor,
        subject=("resident", row.id),
        resident=row.nik,
        unit=row.domicile_unit_id,
        purpose="core.resident.by_nik",
    )
    return row


def get_resident(session: Session, actor: Actor, resident_id: int) -> ResidentView:
    """Fetch by id; personal data only for holders of the personal permission (audited)."""
    resident = session.get(Resident, resident_id)
    if resident is None or not actor.can(VIEW, resident.domicile):
        raise NotFound(_("No such resident."), slug="resident-not-found")
    personal = actor.can(PERSONAL, resident.domicile)
    if personal:
        record_personal_read(
            session,
            actor,
            subject=("resident", resident.id),
            resident=resident,
            unit=resident.domicile_unit_id,
            purpose="core.resident.detail",
        )
    return ResidentView(resident, personal)


def search_query(
    actor: Actor,
    *,
    query: str | None = None,
    within: OrgUnit | None = None,
    status: str | None = None,
    needs_review: bool | None = None,
) -> Select[tuple[Resident]]:
    """Residents the actor may see, filtered; ordered by name.

    ``query`` matches names (any word prefix); a 16-digit ``query`` matches
    a NIK or KK number, which only the personal-data permission allows.
    """
    stmt = (
        select(Resident)
        .join(OrgUnit, Resident.domicile_unit_id == OrgUnit.id)
        .where(actor.scope_filter(VIEW, OrgUnit.path))
    )
    if within is not None:
        stmt = stmt.where(OrgUnit.path.startswith(within.path, autoescape=True))
    if status:
        stmt = stmt.where(Resident.status == status)
    if needs_review is not None:
        stmt = stmt.where(Resident.needs_review == needs_review)
    if query:
        digits = clean_nik(query)
        if len(digits) == 16 and digits.isdigit():
            stmt = stmt.where(actor.scope_filter(PERSONAL, OrgUnit.path)).where(
                or_(Resident.nik == digits, Resident.kk_number == digits)
            )
        else:
            key = normalise_key(query)
            if key:
                stmt = stmt.where(
                    or_(
                        Resident.name_key.startswith(key, autoescape=True),
                        Resident.name_key.contains(" " + key, autoescape=True),
                    )
                )
    return stmt.order_by(Resident.name_key, Resident.id)


def audit_search(
    session: Session, actor: Actor, query: str | None, results: list[Resident]
) -> list[ResidentView]:
    """Wrap search results; each resident whose NIK is shown is a recorded read."""
    views = [ResidentView(r, actor.can(PERSONAL, r.domicile)) for r in results]
    record_personal_reads(
        session,
        actor,
        (
            (("resident", view.resident.id), view.resident, view.resident.domicile_unit_id)
            for view in views
            if view.personal
        ),
        purpose="core.resident.search",
    )
    return views


def update_resident(session: Session, actor: Actor, nik: str, changes: dict[str, Any]) -> Resident:
    """Change a resident's data; the NIK itself never changes. Audited with old and new."""
    resident = _find_by_nik(session, nik)
    if not actor.can(REGISTER, resident.domicile):
        raise NotFound(_("No resident with this NIK."), slug="resident-not-found")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(unknown)s.", unknown=", ".join(sorted(unknown)))
        )
    _check_fields(changes)
    diff: dict[str, Any] = {}
    if "domicile_code" in changes:
        unit = _village(session, changes.pop("domicile_code"))
        if not actor.can(REGISTER, unit):
            raise Forbidden(_("You may not move residents to this village."))
        if unit.id != resident.domicile_unit_id:
            diff["domicile"] = (resident.domicile.code, unit.code)
            resident.domicile = unit
    for key, value in changes.items():
        old = getattr(resident, key)
        if old != value:
            diff[key] = (str(old) if old is not None else None, str(value) if value else None)
            setattr(resident, key, value)
    if not diff:
        return resident
    if {"kk_number", "family_relation", "status"} & set(diff):
        _check_one_head(session, resident)
    resident.name_key = normalise_key(resident.name)
    resident.birth_place_key = normalise_key(resident.birth_place)
    resident.nik_issues = nik_warnings(resident.nik, resident.birth_date, resident.sex)
    resident.updated_at = utcnow()
    session.flush()
    if {"name", "birth_place", "birth_date"} & set(diff):
        screen_duplicates(session, resident)
    record(
        session,
        actor,
        "resident.update",
        "resident",
        resident.id,
        org_unit_id=resident.domicile_unit_id,
        subject_nik=resident.nik,
        changes=diff,
    )
    hooks_of(session).pamong_on_resident_changed(resident=resident, session=session, changes=diff)
    return resident


def duplicate_queue(actor: Actor, status: str | None = DuplicateStatus.OPEN.value):
    """Candidate pairs the actor may review: both residents in their subtrees.

    A pair across two kecamatan goes to a reviewer whose scope holds both
    (the regency): showing it to either side would reveal the other
    resident's name, NIK and village.
    """
    first, second = aliased(Resident), aliased(Resident)
    unit_a, unit_b = aliased(OrgUnit), aliased(OrgUnit)
    stmt = (
        select(DuplicateCandidate)
        .join(first, DuplicateCandidate.resident_id == first.id)
        .join(second, DuplicateCandidate.other_resident_id == second.id)
        .join(unit_a, first.domicile_unit_id == unit_a.id)
        .join(unit_b, second.domicile_unit_id == unit_b.id)
        .where(actor.scope_filter(REVIEW, unit_a.path), actor.scope_filter(REVIEW, unit_b.path))
    )
    if status:
        stmt = stmt.where(DuplicateCandidate.status == status)
    return stmt.order_by(DuplicateCandidate.id)


def count_open_duplicates(session: Session, actor: Actor) -> int:
    return session.scalar(select(func.count()).select_from(duplicate_queue(actor).subquery())) or 0


def resolve_duplicate(
    session: Session, actor: Actor, candidate_id: int, status: str, note: str = ""
) -> DuplicateCandidate:
    """Close a candidate pair as two distinct people or one person with two NIKs.

    ``same_person`` marks both records for review: which NIK survives is a
    decision for the civil registry (Dukcapil), not for this queue.
    """
    if status not in (DuplicateStatus.DISTINCT.value, DuplicateStatus.SAME_PERSON.value):
        raise InvalidInput(_("status must be 'distinct' or 'same_person'."), field="status")
    candidate = session.get(DuplicateCandidate, candidate_id)
    if candidate is None or not (
        actor.can(REVIEW, candidate.resident.domicile)
        and actor.can(REVIEW, candidate.other.domicile)
    ):
        raise NotFound(_("No such duplicate candidate."), slug="duplicate-not-found")
    if candidate.status != DuplicateStatus.OPEN.value:
        raise Conflict(_("This candidate was already resolved."), slug="duplicate-resolved")
    candidate.status = status
    candidate.note = note[:500]
    candidate.resolved_at = utcnow()
    candidate.resolved_by_id = actor.user_id
    if status == DuplicateStatus.SAME_PERSON.value:
        candidate.resident.needs_review = True
        candidate.other.needs_review = True
    record(
        session,
        actor,
        "duplicate.resolve",
        "duplicate_candidate",
        candidate.id,
        org_unit_id=candidate.resident.domicile_unit_id,
        status=status,
    )
    return candidate


#: What a civil-registry adapter may fill in on the registration form.
CIVIL_RECORD_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("domicile_code", "status"))


def civil_registry_connected(session: Session) -> bool:
    """Whether an adapter answers ``pamong_civil_registry_record`` (SIAK)."""
    return has_impls(session, "pamong_civil_registry_record")


def fetch_civil_record(session: Session, actor: Actor, nik: str) -> dict[str, Any]:
    """A person's data from the national civil registry, to register them here.

    Needs the registry right somewhere; the fetch is audited with the NIK.
    404 when no adapter is installed or the registry does not know the NIK.
    """
    if not actor.can(REGISTER):
        raise Forbidden(_("You may not register residents."))
    parsed = parse_nik(nik)
    if not parsed.valid:
        raise InvalidInput(
            _(
                "Invalid NIK: %(errors)s.",
                errors=" ".join(_(MESSAGES.get(c, c)) for c in parsed.errors).rstrip("."),
            ),
            slug="invalid-nik",
            field="nik",
        )
    if not civil_registry_connected(session):
        raise NotFound(
            _("No civil registry (SIAK) adapter is installed."), slug="no-civil-registry"
        )
    answer = hooks_of(session).pamong_civil_registry_record(nik=parsed.value, session=session)
    if not answer:
        raise NotFound(
            _("The civil registry does not know NIK %(nik)s.", nik=parsed.value),
            slug="civil-record-not-found",
        )
    record(
        session,
        actor,
        "resident.civil_registry_fetch",
        "resident",
        None,
        subject_nik=parsed.value,
    )
    found = {key: value for key, value in answer.items() if key in CIVIL_RECORD_FIELDS}
    return {**found, "nik": parsed.value}


LOCAL_REGISTRY = "local registry"


def local_identity_check(nik: str, resident: Resident | None) -> IdentityCheck:
    """The core's answer to ``pamong_verify_identity``: the NIK is in this registry.

    Problems and warnings are the English sentences of
    :data:`pamong.identity.nik.MESSAGES` and the ones below; pages translate them.
    """
    if resident is None:
        return IdentityCheck(LOCAL_REGISTRY, False, (N_("The NIK is not in the registry."),))
    problems = []
    if resident.status != ResidentStatus.LIVING.value:
        problems.append(N_("The resident has moved out or died."))
    warnings = [MESSAGES[code] for code in resident.nik_issues if code in MESSAGES]
    if resident.needs_review:
        warnings.append(N_("The record is flagged for review."))
    return IdentityCheck(LOCAL_REGISTRY, not problems, tuple(problems), tuple(warnings))


def verify_identity(session: Session, resident: Resident) -> IdentityCheck:
    """Ask the registry adapters (``pamong_verify_identity``) about a resident's NIK."""
    answer = hooks_of(session).pamong_verify_identity(
        nik=resident.nik, resident=resident, session=session
    )
    if isinstance(answer, list):  # no app: the relay that calls nothing
        answer = None
    return answer or local_identity_check(resident.nik, resident)

"""REST: ``/api/v1/residents`` and the duplicate-review queue."""

from __future__ import annotations

from typing import Any

from flask import Response, json, jsonify

from pamong.auth import api_actor, require, token_required
from pamong.db import get_session, paginate
from pamong.identity import events, families, services
from pamong.identity.nik import mask_nik
from pamong.identity.schemas import (
    ArrivalSchema,
    BirthSchema,
    CivilRecordSchema,
    DeathSchema,
    DuplicatePageSchema,
    DuplicateQueryArgs,
    DuplicateResolveSchema,
    DuplicateSchema,
    FamilySchema,
    LifeEventSchema,
    MoveSchema,
    MutationQueryArgs,
    MutationReportSchema,
    ResidentCreateSchema,
    ResidentPageSchema,
    ResidentSchema,
    ResidentSearchArgs,
    ResidentSummarySchema,
    ResidentUpdateSchema,
)
from pamong.orgunits.services import get_unit
from pamong.rest import API_PREFIX, BEARER, Blueprint

blp = Blueprint(
    "identity_api",
    __name__,
    url_prefix=API_PREFIX,
    description="The resident registry (NIK) and duplicate review",
)

_full = ResidentSchema()
_summary = ResidentSummarySchema()


@blp.route("/residents", methods=["POST"])
@token_required
@blp.arguments(ResidentCreateSchema)
@blp.response(201, ResidentSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The NIK is already registered")
def register_resident(data: dict[str, Any]):
    """Register a resident. One resident per NIK: a second registration gets 409."""
    actor = api_actor()
    session = get_session()
    resident = services.register_resident(session, actor, data)
    session.commit()
    return resident


@blp.route("/residents")
@token_required
@blp.arguments(ResidentSearchArgs, location="query")
@blp.response(200, ResidentPageSchema)
@blp.doc(security=BEARER)
def search_residents(args: dict[str, Any]):
    """Search residents in the caller's org units, by name or (with the right) NIK."""
    actor = api_actor()
    require(actor, services.VIEW)
    session = get_session()
    within = get_unit(session, args["within"]) if args.get("within") else None
    stmt = services.search_query(
        actor,
        query=args.get("q"),
        within=within,
        status=args.get("status"),
        needs_review=args.get("needs_review"),
    )
    items, total = paginate(session, stmt, args["page"], args["per_page"])
    views = services.audit_search(session, actor, args.get("q"), items)
    session.commit()
    body = {
        "items": [(_full if v.personal else _summary).dump(v.resident) for v in views],
        "page": args["page"],
        "per_page": args["per_page"],
        "total": total,
    }
    return Response(json.dumps(body), mimetype="application/json")


@blp.route("/residents/<nik>")
@token_required
@blp.response(200, ResidentSchema)
@blp.doc(security=BEARER)
@blp.alt_response(404, description="Unknown NIK, or outside the caller's units")
def get_resident(nik: str):
    """Fetch a resident by NIK (needs ``core.residents.personal``; the read is audited)."""
    actor = api_actor()
    session = get_session()
    # Core on the session's connection (the token was read on it): one query, one insert.
    row = services.resident_record_by_nik(session.connection(), actor, nik)
    session.commit()  # the audit entry, before the record leaves
    return jsonify(resident_json(row))


def resident_json(row: Any) -> dict[str, Any]:
    """What :class:`ResidentSchema` dumps, built from a
    :func:`~pamong.identity.services.resident_record_by_nik` row; a test holds the two equal."""
    return {
        "id": row.id,
        "nik_masked": mask_nik(row.nik),
        "name": row.name,
        "sex": row.sex,
        "status": row.status,
        "domicile": {"code": row.domicile_code, "name": row.domicile_name},
        "needs_review": row.needs_review,
        "nik": row.nik,
        "kk_number": row.kk_number,
        "family_relation": row.family_relation,
        "birth_place": row.birth_place,
        "birth_date": row.birth_date.isoformat(),
        "religion": row.religion,
        "marital_status": row.marital_status,
        "occupation": row.occupation,
        "blood_type": row.blood_type,
        "address": row.address,
        "rt": row.rt,
        "rw": row.rw,
        "nik_issues": None if row.nik_issues is None else [str(i) for i in row.nik_issues],
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


@blp.route("/residents/<nik>", methods=["PATCH"])
@token_required
@blp.arguments(ResidentUpdateSchema)
@blp.response(200, ResidentSchema)
@blp.doc(security=BEARER)
def update_resident(data: dict[str, Any], nik: str):
    """Change a resident's data; the NIK never changes. Audited with old and new values."""
    actor = api_actor()
    session = get_session()
    resident = services.update_resident(session, actor, nik, data)
    session.commit()
    return resident


@blp.route("/residents/<nik>/life-events")
@token_required
@blp.response(200, LifeEventSchema(many=True))
@blp.doc(security=BEARER)
@blp.alt_response(404, description="Unknown NIK, or outside the caller's units")
def list_life_events(nik: str):
    """A resident's births, deaths and moves, oldest first (personal data; audited)."""
    session = get_session()
    found = events.life_events(session, api_actor(), nik)
    session.commit()
    return found


@blp.route("/residents/<nik>/death", methods=["POST"])
@token_required
@blp.arguments(DeathSchema)
@blp.response(201, LifeEventSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The resident is no longer recorded as living")
def record_death(data: dict[str, Any], nik: str):
    """Record a death (not before birth, not in the future): the status becomes deceased."""
    session = get_session()
    event = events.record_death(session, api_actor(), nik, **data)
    session.commit()
    return event


@blp.route("/residents/<nik>/move", methods=["POST"])
@token_required
@blp.arguments(MoveSchema)
@blp.response(201, LifeEventSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The resident is no longer recorded as living")
def record_move(data: dict[str, Any], nik: str):
    """Move a resident to another desa of the regency, or out of it (``to_place``)."""
    session = get_session()
    event = events.record_move(session, api_actor(), nik, **data)
    session.commit()
    return event


@blp.route("/civil-registry/<nik>")
@token_required
@blp.response(200, CivilRecordSchema)
@blp.doc(security=BEARER)
@blp.alt_response(404, description="No SIAK adapter installed, or the NIK is unknown to it")
def civil_registry_record(nik: str):
    """A person's data from the national civil registry (SIAK adapter), to register them."""
    session = get_session()
    found = services.fetch_civil_record(session, api_actor(), nik)
    session.commit()
    return found


@blp.route("/families/<kk_number>")
@token_required
@blp.response(200, FamilySchema)
@blp.doc(security=BEARER)
@blp.alt_response(404, description="Unknown KK number, or no member in the caller's units")
def get_family(kk_number: str):
    """A family card (KK): its living members, head first (personal data; each read audited)."""
    session = get_session()
    family = families.get_family(session, api_actor(), kk_number)
    session.commit()
    return family


@blp.route("/families/<kk_number>/move", methods=["POST"])
@token_required
@blp.arguments(MoveSchema)
@blp.response(201, LifeEventSchema(many=True))
@blp.doc(security=BEARER)
@blp.alt_response(403, description="A member lives outside the caller's units")
def move_family(data: dict[str, Any], kk_number: str):
    """Move every living member of a KK together, within the regency or out of it."""
    session = get_session()
    moved = families.move_family(session, api_actor(), kk_number, **data)
    session.commit()
    return moved


@blp.route("/births", methods=["POST"])
@token_required
@blp.arguments(BirthSchema)
@blp.response(201, LifeEventSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The NIK is already registered")
def record_birth(data: dict[str, Any]):
    """Register a newborn and date the birth at its desa."""
    session = get_session()
    note = data.pop("note")
    event = events.record_birth(session, api_actor(), data, note=note)
    session.commit()
    return event


@blp.route("/arrivals", methods=["POST"])
@token_required
@blp.arguments(ArrivalSchema)
@blp.response(201, LifeEventSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The NIK is already registered")
def record_arrival(data: dict[str, Any]):
    """Register someone who moved in from outside the regency."""
    session = get_session()
    extra = {key: data.pop(key) for key in ("day", "from_place", "note")}
    event = events.record_arrival(session, api_actor(), data, **extra)
    session.commit()
    return event


@blp.route("/reports/population-mutations")
@token_required
@blp.arguments(MutationQueryArgs, location="query")
@blp.response(200, MutationReportSchema)
@blp.doc(security=BEARER)
@blp.alt_response(404, description="Unknown unit, or outside the caller's units")
def population_mutations(args: dict[str, Any]):
    """The monthly population mutation report per desa (laporan mutasi penduduk)."""
    session = get_session()
    actor = api_actor()
    require(actor, services.VIEW)
    rows = events.mutation_report(session, actor, args["unit"], args["month"])
    unit = get_unit(session, args["unit"])
    return {
        "unit": args["unit"],
        "month": args["month"],
        "rows": rows,
        "total": events.total_of(rows, unit.code, unit.name),
    }


@blp.route("/duplicates")
@token_required
@blp.arguments(DuplicateQueryArgs, location="query")
@blp.response(200, DuplicatePageSchema)
@blp.doc(security=BEARER)
def list_duplicates(args: dict[str, Any]):
    """Possible duplicate identities in the caller's units (the review queue)."""
    actor = api_actor()
    require(actor, services.REVIEW)
    session = get_session()
    items, total = paginate(
        session, services.duplicate_queue(actor, args["status"]), args["page"], args["per_page"]
    )
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/duplicates/<id:candidate_id>", methods=["POST"])
@token_required
@blp.arguments(DuplicateResolveSchema)
@blp.response(200, DuplicateSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Already resolved")
def resolve_duplicate(data: dict[str, Any], candidate_id: int):
    """Resolve a candidate pair as ``distinct`` people or the ``same_person``."""
    actor = api_actor()
    session = get_session()
    candidate = services.resolve_duplicate(
        session, actor, candidate_id, data["status"], data["note"]
    )
    session.commit()
    return candidate

"""Registry pages: register and correct residents, record births, deaths and
moves, and the monthly population mutation report.

The rules live in :mod:`pamong.identity.services` and
:mod:`pamong.identity.events`; these views turn forms into calls, and a
refusal into the same form again, with what was typed and the reason next to
the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from pamong.db import get_session
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound, PamongError
from pamong.i18n import gettext as _
from pamong.i18n import lazy_gettext as _l
from pamong.identity import events, families
from pamong.identity import services as identity
from pamong.identity.models import BloodType, FamilyRelation, MaritalStatus, Religion, Resident
from pamong.identity.schemas import (
    ArrivalSchema,
    BirthSchema,
    DeathSchema,
    MoveSchema,
    ResidentCreateSchema,
    ResidentUpdateSchema,
)
from pamong.orgunits.models import OrgUnit
from pamong.runtime import regency_today
from pamong.web.export import FORMATS, table_download
from pamong.web.labels import label

bp = Blueprint("registry", __name__)

#: What a registration records: an existing resident, a birth, an arrival.
KINDS = ("registration", "birth", "arrival")
FORM_FIELDS = (
    "nik", "kk_number", "family_relation", "name", "birth_place", "birth_date", "sex",
    "religion", "marital_status", "occupation", "blood_type", "address", "rt", "rw",
    "domicile_code",
)  # fmt: skip


#: The forms' fields by the names their labels give them, for the messages that name them.
FIELD_LABELS = {
    "nik": _l("NIK"),
    "kk_number": _l("Family card (KK) number"),
    "family_relation": _l("Relation to the head of the family"),
    "name": _l("Name"),
    "birth_place": _l("Place of birth"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "religion": _l("Religion"),
    "marital_status": _l("Marital status"),
    "occupation": _l("Occupation"),
    "blood_type": _l("Blood type"),
    "address": _l("Address"),
    "rt": _l("RT"),
    "rw": _l("RW"),
    "domicile_code": _l("Desa/kelurahan"),
    "note": _l("Note"),
    "day": _l("Date"),
    "from_place": _l("Came from (regency or city)"),
    "to_desa_code": _l("To a desa of the regency"),
    "to_place": _l("Or out of the regency, to"),
}


def _actor() -> Any:
    return current_user.actor


def _villages(permission: str = identity.REGISTER) -> list[OrgUnit]:
    """The desa/kelurahan where the user may register residents, by name."""
    stmt = (
        select(OrgUnit)
        .where(
            OrgUnit.kind.in_(identity.VILLAGE_KINDS),
            _actor().scope_filter(permission, OrgUnit.path),
        )
        .order_by(OrgUnit.name)
    )
    return list(get_session().scalars(stmt))


def _load(schema: Schema, form: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The form through ``schema``: empty fields are absent; errors name the fields."""
    data = {key: form.get(key, "").strip() for key in fields if form.get(key, "").strip()}
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        names = [str(FIELD_LABELS.get(field, field)) for field in sorted(messages)]
        raise InvalidInput(
            _("Check these fields: %(fields)s", fields=", ".join(names)),
            fields=sorted(messages),
        ) from None


def _field_of(error: PamongError) -> list[str]:
    extra = error.extra
    return list(extra.get("fields") or ([extra["field"]] if extra.get("field") else []))


def village_options() -> list[tuple[str, str]]:
    """(code, label) of the desa where the user may register (the move form's choices)."""
    return _options(_villages())["villages"]


def _options(villages: list[OrgUnit]) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for the form's select boxes."""
    return {
        "villages": [(v.code, f"{v.name} ({v.code})") for v in villages],
        "religions": [(r.value, str(label(r.value, "religion"))) for r in Religion],
        "marital": [(m.value, str(label(m.value, "marital_status"))) for m in MaritalStatus],
        "relations": [(r.value, str(label(r.value, "family_relation"))) for r in FamilyRelation],
        "blood_types": [(b.value, b.value) for b in BloodType],
    }


# -- Register a resident, a birth or an arrival ---------------------------------


@bp.route("/residents/new", methods=["GET", "POST"])
@login_required
def register() -> Any:
    """One form for the three ways someone enters the registry."""
    villages = _villages()
    if not villages:
        abort(403)
    kind = request.values.get("kind", "registration")
    if kind not in KINDS:
        kind = "registration"
    if request.method == "GET":
        if request.args.get("siak_nik"):
            return _fetch_from_siak(villages, kind, request.args["siak_nik"])
        return _register_page(villages, kind)
    form = request.form
    db = get_session()
    try:
        if kind == "birth":
            data = _load(BirthSchema(), form, (*FORM_FIELDS, "note"))
            note = data.pop("note")
            resident_id = events.record_birth(db, _actor(), data, note=note).resident_id
        elif kind == "arrival":
            data = _load(ArrivalSchema(), form, (*FORM_FIELDS, "day", "from_place", "note"))
            extra = {key: data.pop(key) for key in ("day", "from_place", "note")}
            resident_id = events.record_arrival(db, _actor(), data, **extra).resident_id
        else:
            data = _load(ResidentCreateSchema(), form, FORM_FIELDS)
            resident_id = identity.register_resident(db, _actor(), data).id
    except (InvalidInput, Conflict, Forbidden) as refused:
        db.rollback()
        return _register_page(villages, kind, form, refused)
    db.commit()
    flash(_("Saved."), "info")
    return redirect(url_for("web.resident", resident_id=resident_id))


def _fetch_from_siak(villages: list[OrgUnit], kind: str, nik: str) -> Any:
    """The form filled in from the civil registry, for the officer to check and save."""
    db = get_session()
    try:
        found = identity.fetch_civil_record(db, _actor(), nik)
    except (InvalidInput, NotFound, Forbidden) as refused:
        db.rollback()
        return _register_page(villages, kind, {"nik": nik}, refused)
    db.commit()
    typed = {
        key: value.isoformat() if isinstance(value, date) else value for key, value in found.items()
    }
    flash(_("Filled in from the civil registry: check the data, choose the desa and save."), "info")
    return _register_page(villages, kind, typed)


def _register_page(
    villages: list[OrgUnit], kind: str, typed: Any = None, error: PamongError | None = None
) -> Any:
    return render_template(
        "registry/register.html",
        kind=kind,
        kinds=KINDS,
        typed=typed or {},
        error=error.detail if error else None,
        bad=_field_of(error) if error else [],
        **_options(villages),
        today=regency_today(),
        siak=identity.civil_registry_connected(get_session()),
    ), (error.status if error else 200)


# -- Correct a resident's data ---------------------------------------------------


@bp.route("/residents/<id:resident_id>/edit", methods=["GET", "POST"])
@login_required
def edit(resident_id: int) -> Any:
    """Correct a resident's data; every change is audited with the previous value."""
    db = get_session()
    resident = db.get(Resident, resident_id)
    if resident is None or not _actor().can(identity.REGISTER, resident.domicile):
        abort(404)
    villages = _villages()
    if request.method == "GET":
        return _edit_page(resident, villages)
    form = request.form
    fields = tuple(f for f in FORM_FIELDS if f != "nik")
    try:
        data = _load(ResidentUpdateSchema(), form, fields)
        optional_fields = (
            "kk_number", "family_relation", "religion", "marital_status", "occupation",
            "blood_type", "rt", "rw",
        )  # fmt: skip
        for optional in optional_fields:
            data.setdefault(optional, None)  # an emptied field clears the value
        data.setdefault("address", "")
        identity.update_resident(db, _actor(), resident.nik, data)
    except (InvalidInput, Conflict, Forbidden) as refused:
        db.rollback()
        return _edit_page(db.get(Resident, resident_id), villages, form, refused)
    db.commit()
    flash(_("Saved."), "info")
    return redirect(url_for("web.resident", resident_id=resident_id))


def _edit_page(
    resident: Resident, villages: list[OrgUnit], typed: Any = None, error: Any = None
) -> Any:
    current = {
        field: (getattr(resident, field) or "") for field in FORM_FIELDS if field != "domicile_code"
    }
    current["birth_date"] = resident.birth_date.isoformat()
    current["domicile_code"] = resident.domicile.code
    return render_template(
        "registry/edit.html",
        resident=resident,
        typed=typed or current,
        error=error.detail if error else None,
        bad=_field_of(error) if error else [],
        **_options(villages),
    ), (error.status if error else 200)


# -- Death and moves, from the resident's page ----------------------------------


def _event_form(resident_id: int, record: Any, schema: Schema, fields: tuple[str, ...]) -> Any:
    db = get_session()
    resident = db.get(Resident, resident_id)
    if resident is None or not _actor().can(identity.REGISTER, resident.domicile):
        abort(404)
    try:
        data = _load(schema, request.form, fields)
        record(db, _actor(), resident.nik, **data)
    except (InvalidInput, Conflict, Forbidden, NotFound) as refused:
        db.rollback()
        flash(refused.detail, "error")
        return redirect(url_for("web.resident", resident_id=resident_id) + "#events")
    db.commit()
    flash(_("Saved."), "info")
    return redirect(url_for("web.resident", resident_id=resident_id) + "#events")


@bp.route("/residents/<id:resident_id>/death", methods=["POST"])
@login_required
def death(resident_id: int) -> Any:
    return _event_form(resident_id, events.record_death, DeathSchema(), ("day", "note"))


@bp.route("/residents/<id:resident_id>/move", methods=["POST"])
@login_required
def move(resident_id: int) -> Any:
    fields = ("day", "to_desa_code", "to_place", "note")
    return _event_form(resident_id, events.record_move, MoveSchema(), fields)


# -- The family card (KK) -------------------------------------------------------


@bp.route("/families/<kk_number>")
@login_required
def family(kk_number: str) -> Any:
    """A KK's members and their relations; a form to move the whole family."""
    db = get_session()
    try:
        found = families.get_family(db, _actor(), kk_number)
    except (InvalidInput, NotFound):
        db.rollback()
        abort(404)
    can_move = all(_actor().can(identity.REGISTER, m.domicile) for m in found.members)
    db.commit()
    return render_template(
        "registry/family.html",
        family=found,
        can_move=can_move,
        villages=village_options() if can_move else [],
        today=regency_today(),
    )


@bp.route("/families/<kk_number>/move", methods=["POST"])
@login_required
def family_move(kk_number: str) -> Any:
    db = get_session()
    here = url_for("registry.family", kk_number=kk_number)
    try:
        data = _load(MoveSchema(), request.form, ("day", "to_desa_code", "to_place", "note"))
        moved = families.move_family(db, _actor(), kk_number, **data)
    except NotFound:
        db.rollback()
        abort(404)
    except (InvalidInput, Conflict, Forbidden) as refused:
        db.rollback()
        flash(refused.detail, "error")
        return redirect(here)
    db.commit()
    flash(_("Members moved: %(count)d.", count=len(moved)), "info")
    return redirect(here)


# -- The monthly mutation report --------------------------------------------------


@bp.route("/reports/mutations")
@login_required
def mutations() -> Any:
    """Births, deaths and moves per desa for a month, with a chart."""
    actor = _actor()
    if not actor.can(identity.VIEW):
        abort(403)
    db = get_session()
    units = list(
        db.scalars(
            select(OrgUnit)
            .where(
                OrgUnit.kind.in_(("regency", "kecamatan")),
                actor.scope_filter(identity.VIEW, OrgUnit.path),
            )
            .order_by(OrgUnit.path)
        )
    )
    today = regency_today()
    default_month = date(today.year, today.month, 1).isoformat()[:7]
    month = request.args.get("month", default_month)[:7]
    code = request.args.get("unit") or (units[0].code if units else "")
    rows: list[events.MutationRow] = []
    total = None
    error = None
    try:
        rows = events.mutation_report(db, actor, code, month)
        unit = next((u for u in units if u.code == code), None)
        total = events.total_of(rows, code, unit.name if unit else code)
    except (InvalidInput, NotFound) as refused:
        error = refused.detail
    fmt = request.args.get("format")
    if fmt in FORMATS and total is not None:
        header = [_("Code"), _("Desa/kelurahan"), _("Start of month"), _("Births"), _("Deaths")]
        header += [_("Moved in"), _("Moved out"), _("End of month")]
        table = [
            [r.code, r.name, *(getattr(r, f) for f in events.MUTATION_FIGURES)]
            for r in [*rows, total]
        ]
        return table_download(f"mutasi-{code}-{month}", header, table, fmt)
    return render_template(
        "registry/mutations.html",
        units=units,
        code=code,
        month=month,
        rows=rows,
        total=total,
        error=error,
        figures=("births", "deaths", "moved_in", "moved_out"),
    )

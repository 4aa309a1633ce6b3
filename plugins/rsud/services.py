"""The hospital's business rules: registration, stays, tariffs, charges, bills, claims.

Every function takes a ``Session`` and an ``Actor``; permissions are
checked here, at the hospital's org unit (a user granted at one hospital
never reaches another). The patient's share of a bill becomes an invoice
of the billing plugin through its public module.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, extract, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    SurveyInvitation,
    _,
    audit,
    clean_nik,
    get_resident_by_nik,
    get_unit,
    parse_nik,
    record_personal_read,
    survey_invitation,
    survey_link,
    time_zone,
    utcnow,
)
from pamong_plugins.billing import services as billing
from pamong_plugins.rsud import permissions as perm
from pamong_plugins.rsud.indicators import hospital_indicators
from pamong_plugins.rsud.models import (
    CLAIM_STATUSES,
    DISCHARGE_STATUSES,
    KINDS,
    PAYERS,
    UNITS,
    UPGRADE_PAYERS,
    RsudBed,
    RsudCharge,
    RsudClaim,
    RsudCounter,
    RsudDeposit,
    RsudEncounter,
    RsudPatient,
    RsudSegment,
    RsudTariff,
    RsudTariffDecree,
    RsudWard,
)
from pamong_plugins.rsud.settings import settings

SYSTEM = Actor.system("rsud")
SOURCE = "rsud"
NUMBER_PREFIX = {"outpatient": "RJ", "emergency": "GD", "inpatient": "RI"}
ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
ACCOMMODATION = "AKOMODASI"
REGISTRATION_FEE = "KARCIS"
DIED = ("died_before_48h", "died_after_48h")


# --- helpers ------------------------------------------------------------------------


def _require(actor: Actor, permission: str | tuple[str, ...], unit: OrgUnit | None) -> None:
    wanted = (permission,) if isinstance(permission, str) else permission
    if not any(actor.can(p, unit) for p in wanted):
        raise Forbidden(
            _("You need the permission %(permission)s here.", permission=repr(wanted[0])),
            permission=wanted[0],
        )


def can_read(actor: Actor, unit: OrgUnit) -> bool:
    return any(actor.can(p, unit) for p in perm.READ)


def classes() -> list[str]:
    return list(settings()["classes"])


def local_day(moment: datetime) -> date:
    """The regency's calendar day of an aware moment."""
    return moment.astimezone(ZoneInfo(time_zone())).date()


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _next(session: Session, kind: str) -> int:
    """The next number of ``kind``; the row lock makes two desks never get the same one."""
    row = session.scalar(select(RsudCounter).where(RsudCounter.kind == kind).with_for_update())
    if row is None:
        row = RsudCounter(kind=kind, last=0)
        session.add(row)
    row.last += 1
    session.flush()
    return row.last


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    ident: Any,
    unit_id: int,
    /,
    **data: Any,
) -> None:
    audit(session, actor, f"rsud.{action}", object_type, ident, org_unit_id=unit_id, **data)


def hospital_units(session: Session, actor: Actor, *permissions: str) -> list[OrgUnit]:
    """The units where the actor holds one of ``permissions`` (a hospital picker)."""
    wanted = permissions or perm.READ
    units = session.scalars(
        select(OrgUnit)
        .where(or_(*(actor.scope_filter(p, OrgUnit.path) for p in wanted)))
        .order_by(OrgUnit.path)
    ).all()
    return [u for u in units if u.kind == "rsud"] or list(units[:50])


# --- patients -----------------------------------------------------------------------


def _check_bpjs(number: str, klass: str) -> tuple[str, str]:
    digits = "".join(ch for ch in (number or "") if not ch.isspace())
    if len(digits) != 13 or not digits.isdigit():
        raise InvalidInput(_("A BPJS card number has 13 digits."), slug="invalid-bpjs-number")
    if klass not in ("I", "II", "III"):
        raise InvalidInput(
            _("The BPJS class of entitlement is I, II or III."), slug="invalid-bpjs-class"
        )
    return digits, klass


def register_patient(
    session: Session,
    actor: Actor,
    *,
    hospital_code: str,
    name: str = "",
    sex: str = "",
    birth_date: date | None = None,
    nik: str = "",
    payer: str = "umum",
    bpjs_number: str = "",
    bpjs_class: str = "",
    bpjs_pbi: bool = False,
    payer_name: str = "",
    now: datetime | None = None,
) -> RsudPatient:
    """Give a person a medical record number (No. RM); a resident is linked by NIK.

    A NIK found in the regency's register links the core resident (no second
    identity; the lookup is audited); another valid NIK is kept unverified
    (an out-of-regency patient). One No. RM per person: a NIK or BPJS card
    already registered is refused with the existing No. RM.
    """
    hospital = get_unit(session, hospital_code)
    _require(actor, perm.REGISTRATION, hospital)
    if payer not in PAYERS:
        raise InvalidInput(
            _("The payer is one of: %(payers)s.", payers=", ".join(PAYERS)), slug="invalid-payer"
        )
    resident = None
    nik = clean_nik(nik or "")
    if nik:
        checked = parse_nik(nik)
        if not checked.valid:
            raise InvalidInput(
                _("This NIK is not valid."), slug="invalid-nik", errors=list(checked.errors)
            )
        taken = session.scalar(select(RsudPatient).where(RsudPatient.nik == nik))
        if taken is not None:
            raise Conflict(
                _("This person already has No. RM %(mrn)s.", mrn=taken.mrn),
                slug="patient-exists",
                mrn=taken.mrn,
            )
        try:
            resident = get_resident_by_nik(session, SYSTEM, nik)
        except NotFound:
            resident = None
    number = ""
    if payer == "bpjs":
        number, bpjs_class = _check_bpjs(bpjs_number, bpjs_class)
        taken = session.scalar(select(RsudPatient).where(RsudPatient.bpjs_number == number))
        if taken is not None:
            raise Conflict(
                _("This BPJS card belongs to No. RM %(mrn)s.", mrn=taken.mrn),
                slug="patient-exists",
                mrn=taken.mrn,
            )
    elif bpjs_number:
        number, bpjs_class = _check_bpjs(bpjs_number, bpjs_class)
    if resident is not None:
        name, sex, birth_date = resident.name, resident.sex, resident.birth_date
    name = _text(name, 200)
    if not name:
        raise InvalidInput(_("A patient needs a name."), slug="invalid-name")
    if sex not in ("M", "F"):
        raise InvalidInput(_("Sex is M or F."), slug="invalid-sex")
    patient = RsudPatient(
        mrn=f"{_next(session, 'RM'):08d}",
        hospital=hospital,
        hospital_id=hospital.id,
        resident_id=resident.id if resident is not None else None,
        nik=nik,
        nik_verified=resident is not None,
        name=name,
        sex=sex,
        birth_date=birth_date,
        payer=payer,
        bpjs_number=number or None,
        bpjs_class=bpjs_class if number else "",
        bpjs_pbi=bool(bpjs_pbi) if number else False,
        payer_name=_text(payer_name, 120),
        registered_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(patient)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("This person or BPJS card is already registered."), slug="patient-exists"
        ) from None
    if resident is not None:
        record_personal_read(
            session,
            actor,
            subject=("resident", resident.id),
            resident=resident,
            unit=hospital,
            purpose="rsud.registration",
            fields=("name", "sex", "birth_date"),
        )
    _audit(
        session,
        actor,
        "patient.register",
        "rsud_patient",
        patient.mrn,
        hospital.id,
        verified=patient.nik_verified,
        payer=payer,
    )
    return patient


def get_patient(session: Session, actor: Actor, mrn: str, *, personal: bool = True) -> RsudPatient:
    """A patient by No. RM (404 outside the actor's hospitals); the read is audited."""
    patient = session.scalar(select(RsudPatient).where(RsudPatient.mrn == _text(mrn, 12)))
    if patient is None or not can_read(actor, patient.hospital):
        raise NotFound(_("No patient has No. RM %(mrn)s.", mrn=mrn), slug="patient-not-found")
    if personal:
        record_personal_read(
            session,
            actor,
            subject=patient,
            resident=patient.nik or None,
            unit=patient.hospital,
            purpose="rsud.patient",
            fields=("nik", "name", "bpjs_number"),
        )
    return patient


def find_patients(session: Session, actor: Actor, q: str, *, limit: int = 20) -> list[RsudPatient]:
    """Patients by No. RM, NIK, BPJS number or name, in the actor's hospitals."""
    q = _text(q, 60)
    if not q:
        return []
    stmt = (
        select(RsudPatient)
        .join(OrgUnit, OrgUnit.id == RsudPatient.hospital_id)
        .where(or_(*(actor.scope_filter(p, OrgUnit.path) for p in perm.READ)))
    )
    digits = clean_nik(q)
    if digits.isdigit():
        stmt = stmt.where(
            or_(
                RsudPatient.mrn == digits.zfill(8),
                RsudPatient.nik == digits,
                RsudPatient.bpjs_number == digits,
            )
        )
    else:
        stmt = stmt.where(func.lower(RsudPatient.name).contains(q.lower()))
    return list(session.scalars(stmt.order_by(RsudPatient.mrn).limit(limit)))


# --- wards, beds and tariffs -----------------------------------------------------------


def add_ward(
    session: Session,
    actor: Actor,
    *,
    hospital_code: str,
    code: str,
    name: str,
    klass: str,
    beds: int,
    in_service_from: date,
) -> RsudWard:
    """A ward of one class with ``beds`` beds in service from ``in_service_from``."""
    hospital = get_unit(session, hospital_code)
    _require(actor, perm.ADMIN, hospital)
    if klass not in classes():
        raise InvalidInput(
            _("The class is one of: %(c)s.", c=", ".join(classes())), slug="invalid-class"
        )
    if not 1 <= beds <= 500:
        raise InvalidInput(_("A ward has 1 to 500 beds."), slug="invalid-beds")
    ward = RsudWard(
        hospital=hospital,
        hospital_id=hospital.id,
        code=_text(code, 20),
        name=_text(name, 120),
        klass=klass,
    )
    ward.beds = [
        RsudBed(code=f"{ward.code}-{n:02d}", in_service_from=in_service_from)
        for n in range(1, beds + 1)
    ]
    try:
        with session.begin_nested():
            session.add(ward)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("The hospital has a ward %(code)s already.", code=code), slug="ward-exists"
        ) from None
    _audit(session, actor, "ward.add", "rsud_ward", ward.code, hospital.id, beds=beds)
    return ward


def _ward(session: Session, hospital: OrgUnit, code: str) -> RsudWard:
    ward = session.scalar(
        select(RsudWard).where(
            RsudWard.hospital_id == hospital.id, RsudWard.code == _text(code, 20)
        )
    )
    if ward is None:
        raise NotFound(_("No ward %(code)s.", code=code), slug="ward-not-found")
    return ward


def _bed(session: Session, ward: RsudWard, code: str) -> RsudBed:
    bed = session.scalar(
        select(RsudBed).where(RsudBed.ward_id == ward.id, RsudBed.code == _text(code, 20))
    )
    if bed is None:
        raise NotFound(_("No bed %(code)s in this ward.", code=code), slug="bed-not-found")
    return bed


def add_decree(
    session: Session,
    actor: Actor,
    *,
    hospital_code: str,
    number: str,
    basis: str,
    valid_from: date,
    valid_until: date | None = None,
) -> RsudTariffDecree:
    """A tariff decree (Perda for class III, Perbup for the rest) and its validity.

    Two decrees of the same basis are never in force on the same day: an
    overlap is refused, except that a new decree ends an open-ended earlier
    one the day before it starts (a new Perbup replaces the old one), when
    no charge priced by the earlier one falls on or after that day.
    """
    _require(actor, perm.ADMIN, get_unit(session, hospital_code))
    if basis not in ("perda", "perbup"):
        raise InvalidInput(_("A tariff decree is a Perda or a Perbup."), slug="invalid-basis")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(_("A decree ends after it starts."), slug="invalid-period")
    if not all(1990 <= d.year <= 2200 for d in (valid_from, valid_until) if d is not None):
        raise InvalidInput(_("A decree's dates lie between 1990 and 2200."), slug="invalid-period")
    if not _text(number, 80):
        raise InvalidInput(_("Give the decree's number."), slug="invalid-number")
    _end_predecessor(session, basis, valid_from, valid_until)
    decree = RsudTariffDecree(
        number=_text(number, 80), basis=basis, valid_from=valid_from, valid_until=valid_until
    )
    try:
        with session.begin_nested():
            session.add(decree)
            session.flush()
    except IntegrityError:
        raise Conflict(_("This decree is recorded already."), slug="decree-exists") from None
    return decree


def _end_predecessor(
    session: Session, basis: str, valid_from: date, valid_until: date | None
) -> None:
    """Refuse a validity overlapping another decree of ``basis``; end an open-ended earlier one."""
    others = session.scalars(
        select(RsudTariffDecree)
        .where(RsudTariffDecree.basis == basis)
        .order_by(RsudTariffDecree.valid_from)
        .with_for_update()
    ).all()
    for other in others:
        if other.valid_from > (valid_until or date.max) or (
            other.valid_until is not None and other.valid_until < valid_from
        ):
            continue
        if other.valid_until is None and other.valid_from < valid_from:
            day = session.scalar(
                select(func.max(RsudCharge.service_date))
                .join(RsudTariff, RsudTariff.id == RsudCharge.tariff_id)
                .where(RsudTariff.decree_id == other.id)
            )
            if day is None or day < valid_from:
                other.valid_until = valid_from - timedelta(days=1)
                continue
        raise Conflict(
            _(
                "The validity overlaps decree %(n)s (from %(d)s).",
                n=other.number,
                d=other.valid_from.isoformat(),
            ),
            slug="decree-overlaps",
        )


def check_tariff_parts(jasa_sarana: Any, jasa_medis: Any, jasa_paramedis: Any) -> None:
    """Tariff parts are whole rupiah, none negative, at least one above zero."""
    parts = (jasa_sarana, jasa_medis, jasa_paramedis)
    if any(not isinstance(p, int) or isinstance(p, bool) or p < 0 for p in parts) or not sum(parts):
        raise InvalidInput(
            _("Tariff parts are whole rupiah, at least one above zero."), slug="invalid-amount"
        )


def add_tariff(
    session: Session,
    actor: Actor,
    *,
    hospital_code: str,
    decree_number: str,
    service_code: str,
    name: str,
    unit: str,
    klass: str,
    per: str = "action",
    bucket: str = "prosedur_non_bedah",
    jasa_sarana: int = 0,
    jasa_medis: int = 0,
    jasa_paramedis: int = 0,
) -> RsudTariff:
    """One price of a decree: a service in one class split into jasa sarana and pelayanan."""
    _require(actor, perm.ADMIN, get_unit(session, hospital_code))
    decree = session.scalar(
        select(RsudTariffDecree).where(RsudTariffDecree.number == _text(decree_number, 80))
    )
    if decree is None:
        raise NotFound(_("No tariff decree %(n)s.", n=decree_number), slug="decree-not-found")
    if klass != "-" and klass not in classes():
        raise InvalidInput(
            _("The class is one of: %(c)s.", c=", ".join([*classes(), "-"])), slug="invalid-class"
        )
    if unit not in UNITS:
        raise InvalidInput(_("The unit is one of: %(u)s.", u=", ".join(UNITS)), slug="invalid-unit")
    check_tariff_parts(jasa_sarana, jasa_medis, jasa_paramedis)
    tariff = RsudTariff(
        decree=decree,
        service_code=_text(service_code, 30).upper(),
        name=_text(name, 160),
        unit=unit,
        klass=klass,
        per=per,
        bucket=bucket,
        jasa_sarana=jasa_sarana,
        jasa_medis=jasa_medis,
        jasa_paramedis=jasa_paramedis,
    )
    try:
        with session.begin_nested():
            session.add(tariff)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("This decree prices the service in this class already."), slug="tariff-exists"
        ) from None
    return tariff


def tariff_for(session: Session, service_code: str, klass: str, day: date) -> RsudTariff:
    """The tariff in force on ``day`` for the service in the class (or its all-class price).

    Outpatient and emergency visits have no class (``-``): a service priced
    only per class is charged at the lowest class's price (class III).
    """
    wanted = [klass, "-"] if klass != "-" else ["-", classes()[-1]]
    in_force = and_(
        RsudTariffDecree.valid_from <= day,
        or_(RsudTariffDecree.valid_until.is_(None), RsudTariffDecree.valid_until >= day),
    )
    rows = session.scalars(
        select(RsudTariff)
        .join(RsudTariffDecree)
        .where(
            RsudTariff.service_code == service_code.upper(),
            RsudTariff.klass.in_(wanted),
            in_force,
        )
        .order_by(RsudTariffDecree.valid_from.desc())
    ).all()
    exact = [t for t in rows if t.klass == wanted[0]] or rows
    if not exact:
        raise InvalidInput(
            _(
                "No tariff for %(service)s in class %(klass)s on %(day)s.",
                service=service_code,
                klass=klass or "-",
                day=day.isoformat(),
            ),
            slug="tariff-missing",
            service=service_code,
            klass=klass,
        )
    return exact[0]


def tariffs_on(session: Session, day: date) -> list[RsudTariff]:
    in_force = and_(
        RsudTariffDecree.valid_from <= day,
        or_(RsudTariffDecree.valid_until.is_(None), RsudTariffDecree.valid_until >= day),
    )
    return list(
        session.scalars(
            select(RsudTariff)
            .join(RsudTariffDecree)
            .where(in_force)
            .order_by(RsudTariff.unit, RsudTariff.service_code, RsudTariff.klass)
        )
    )


# --- encounters -------------------------------------------------------------------------


def get_encounter(
    session: Session, actor: Actor, number: str, *, lock: bool = False
) -> RsudEncounter:
    stmt = select(RsudEncounter).where(RsudEncounter.number == _text(number, 20).upper())
    if lock:
        stmt = stmt.with_for_update()
    encounter = session.scalar(stmt)
    if encounter is None or not can_read(actor, encounter.hospital):
        raise NotFound(_("No encounter %(n)s.", n=number), slug="encounter-not-found")
    return encounter


def _overlapping_stay(session: Session, patient: RsudPatient, at: datetime) -> RsudEncounter | None:
    return session.scalar(
        select(RsudEncounter).where(
            RsudEncounter.patient_id == patient.id,
            RsudEncounter.kind == "inpatient",
            RsudEncounter.admitted_at <= at,
            or_(RsudEncounter.discharged_at.is_(None), RsudEncounter.discharged_at > at),
        )
    )


def _take_bed(session: Session, bed: RsudBed, at: datetime) -> None:
    if bed.in_service_from > local_day(at) or (
        bed.in_service_until is not None and bed.in_service_until < local_day(at)
    ):
        raise Conflict(_("Bed %(bed)s is not in service.", bed=bed.code), slug="bed-out-of-service")
    if bed.status != "free":
        raise Conflict(
            _("Bed %(bed)s is %(status)s.", bed=bed.code, status=bed.status),
            slug="bed-not-free",
            status=bed.status,
        )
    bed.status = "occupied"


def open_encounter(
    session: Session,
    actor: Actor,
    *,
    mrn: str,
    kind: str,
    at: datetime | None = None,
    poli: str = "",
    ward_code: str = "",
    bed_code: str = "",
    klass: str = "",
    payer: str = "",
    sep_number: str = "",
    doctor: str = "",
    executive: bool = False,
) -> RsudEncounter:
    """Register a visit (outpatient per poli, emergency) or admit a patient to a bed.

    ``executive`` marks an outpatient visit to the executive clinic (poli
    eksekutif), where a JKN patient pays a capped difference on top of the
    package (:func:`executive_difference`).

    One open stay per patient and one patient per bed: checked here and kept
    by partial unique indexes when two desks admit at the same moment.
    """
    patient = get_patient(session, actor, mrn, personal=False)
    hospital = patient.hospital
    _require(actor, perm.REGISTRATION, hospital)
    if kind not in KINDS:
        raise InvalidInput(_("The kind is one of: %(k)s.", k=", ".join(KINDS)), slug="invalid-kind")
    at = at or utcnow()
    payer = payer or patient.payer
    if payer not in PAYERS:
        raise InvalidInput(
            _("The payer is one of: %(p)s.", p=", ".join(PAYERS)), slug="invalid-payer"
        )
    if payer == "bpjs" and not patient.bpjs_number:
        raise InvalidInput(_("The patient has no BPJS card on record."), slug="no-bpjs-card")
    encounter = RsudEncounter(
        number="",
        patient=patient,
        patient_id=patient.id,
        hospital=hospital,
        hospital_id=hospital.id,
        kind=kind,
        poli=_text(poli, 60),
        payer=payer,
        admitted_at=at,
        sep_number=_text(sep_number, 30),
        doctor=_text(doctor, 120),
        executive=bool(executive),
    )
    if executive and kind != "outpatient":
        raise InvalidInput(
            _("Only an outpatient visit is to the executive clinic."), slug="invalid-executive"
        )
    if executive and payer == "bpjs" and patient.bpjs_pbi:
        raise Conflict(
            _("Contribution-aid (PBI) patients may not use the executive clinic."),
            slug="pbi-no-executive",
        )
    if kind == "outpatient" and not encounter.poli:
        raise InvalidInput(_("An outpatient visit names its clinic (poli)."), slug="invalid-poli")
    if kind == "inpatient":
        ward = _ward(session, hospital, ward_code)
        bed = _bed(session, ward, bed_code)
        klass = klass or ward.klass
        if klass != ward.klass:
            raise InvalidInput(
                _("Ward %(w)s is class %(k)s.", w=ward.code, k=ward.klass), slug="invalid-class"
            )
        if _overlapping_stay(session, patient, at) is not None:
            raise Conflict(_("The patient has another stay at that time."), slug="stay-overlaps")
        later = session.scalar(
            select(RsudEncounter.id).where(
                RsudEncounter.patient_id == patient.id,
                RsudEncounter.kind == "inpatient",
                RsudEncounter.admitted_at > at,
            )
        )
        if later is not None:
            raise Conflict(_("The patient has another stay at that time."), slug="stay-overlaps")
        _take_bed(session, bed, at)
        encounter.ward, encounter.bed, encounter.klass = ward, bed, klass
        encounter.segments = [RsudSegment(ward=ward, bed=bed, klass=klass, start_at=at)]
    else:
        encounter.klass = klass or "-"
    if payer == "bpjs":
        encounter.entitled_class = patient.bpjs_class
        if (
            encounter.klass in classes()
            and classes().index(encounter.klass) < classes().index(patient.bpjs_class)
            and patient.bpjs_pbi
        ):
            raise Conflict(
                _("Contribution-aid (PBI) patients may not upgrade class."), slug="pbi-no-upgrade"
            )
    else:
        encounter.entitled_class = encounter.klass
    year = local_day(at).year
    encounter.number = (
        f"{NUMBER_PREFIX[kind]}-{year}-{_next(session, f'{NUMBER_PREFIX[kind]}{year}'):06d}"
    )
    try:
        with session.begin_nested():
            session.add(encounter)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("The patient has an open stay or the bed was just taken."), slug="stay-overlaps"
        ) from None
    _audit(
        session,
        actor,
        "encounter.open",
        "rsud_encounter",
        encounter.number,
        hospital.id,
        kind=kind,
        payer=payer,
    )
    try:
        tariff = tariff_for(session, REGISTRATION_FEE, encounter.klass, local_day(at))
    except InvalidInput:
        tariff = None
    if tariff is not None:
        _post(
            session,
            actor,
            encounter,
            tariff,
            quantity=1,
            unit="registration",
            performed_by="",
            day=local_day(at),
            now=at,
        )
    return encounter


def transfer(
    session: Session,
    actor: Actor,
    number: str,
    *,
    ward_code: str,
    bed_code: str,
    at: datetime | None = None,
) -> RsudEncounter:
    """Move an inpatient to another bed (and class): the room segment closes and a new one opens."""
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.REGISTRATION, encounter.hospital)
    if encounter.kind != "inpatient" or encounter.status != "open":
        raise Conflict(_("Only an open stay can be transferred."), slug="encounter-closed")
    at = at or utcnow()
    current = encounter.segments[-1]
    if at < current.start_at:
        raise InvalidInput(_("A transfer comes after the last move."), slug="invalid-time")
    ward = _ward(session, encounter.hospital, ward_code)
    bed = _bed(session, ward, bed_code)
    if bed.id == current.bed_id:
        raise InvalidInput(_("The patient is in this bed already."), slug="same-bed")
    if (
        encounter.payer == "bpjs"
        and encounter.patient.bpjs_pbi
        and classes().index(ward.klass) < classes().index(encounter.entitled_class)
    ):
        raise Conflict(
            _("Contribution-aid (PBI) patients may not upgrade class."), slug="pbi-no-upgrade"
        )
    current.end_at = at
    current.bed.status = "cleaning"
    session.flush()  # the old bed's segment is closed before the new one opens
    _take_bed(session, bed, at)
    segment = RsudSegment(
        encounter_id=encounter.id, ward=ward, bed=bed, klass=ward.klass, start_at=at
    )
    try:
        with session.begin_nested():
            session.add(segment)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Bed %(bed)s was just taken.", bed=bed.code), slug="bed-not-free"
        ) from None
    session.expire(encounter, ["segments"])
    encounter.ward, encounter.bed, encounter.klass = ward, bed, ward.klass
    _audit(
        session,
        actor,
        "encounter.transfer",
        "rsud_encounter",
        encounter.number,
        encounter.hospital_id,
        ward=ward.code,
        bed=bed.code,
        klass=ward.klass,
    )
    return encounter


def bed_ready(
    session: Session, actor: Actor, hospital_code: str, ward_code: str, bed_code: str
) -> RsudBed:
    """A cleaned bed is free again."""
    hospital = get_unit(session, hospital_code)
    _require(actor, (perm.REGISTRATION, perm.ADMIN), hospital)
    bed = _bed(session, _ward(session, hospital, ward_code), bed_code)
    if bed.status != "cleaning":
        raise Conflict(_("Only a bed being cleaned can be made ready."), slug="bed-not-cleaning")
    bed.status = "free"
    return bed


def room_days(start: datetime, end: datetime, grace_hours: int) -> int:
    """Days of room charge from ``start`` to ``end``: a started day past the grace counts.

    At least one day; 26 hours with a 6-hour grace is one day, 31 hours two.
    """
    hours = (end - start).total_seconds() / 3600
    return max(1, math.ceil((hours - grace_hours) / 24))


def segment_room_days(spans: Sequence[tuple[datetime, datetime]], grace_hours: int) -> list[int]:
    """Room days of each class segment of one stay, in order: each day is charged once.

    The stay as a whole is charged :func:`room_days` from its first start to
    its last end. Each segment gets the nights it holds the patient (the
    class they sleep in, counted at local midnight); the days left over go to
    the last segment, and nights beyond the stay's days are taken back from
    the last segments first. A move on the day of admission so charges only
    the class the patient sleeps in, never a day in each.
    """
    if not spans:
        return []
    total = room_days(spans[0][0], spans[-1][1], grace_hours)
    shares = [max(0, (local_day(end) - local_day(start)).days) for start, end in spans]
    shares[-1] += max(0, total - sum(shares))
    extra = sum(shares) - total
    for index in reversed(range(len(shares))):
        cut = min(extra, shares[index])
        shares[index] -= cut
        extra -= cut
    return shares


def discharge(
    session: Session,
    actor: Actor,
    number: str,
    *,
    status: str,
    at: datetime | None = None,
    room_released_at: datetime | None = None,
) -> RsudEncounter:
    """Close an encounter: room days are charged, the bed goes to cleaning, charges stop."""
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.REGISTRATION, encounter.hospital)
    if encounter.status != "open":
        raise Conflict(_("The encounter is closed already."), slug="encounter-closed")
    if status not in DISCHARGE_STATUSES:
        raise InvalidInput(
            _("The discharge status is one of: %(s)s.", s=", ".join(DISCHARGE_STATUSES)),
            slug="invalid-status",
        )
    at = at or utcnow()
    if at < encounter.admitted_at:
        raise InvalidInput(_("A discharge comes after the admission."), slug="invalid-time")
    hours = (at - encounter.admitted_at).total_seconds() / 3600
    if (status == "died_after_48h" and hours < 48) or (status == "died_before_48h" and hours >= 48):
        raise InvalidInput(
            _("The stay was %(h)d hours: pick the other death status.", h=hours),
            slug="invalid-status",
        )
    released = room_released_at or at
    if released < encounter.admitted_at:
        raise InvalidInput(_("A room is released after the admission."), slug="invalid-time")
    if encounter.kind == "inpatient":
        segment = encounter.segments[-1]
        if released < segment.start_at:
            raise InvalidInput(_("A room is released after the last move."), slug="invalid-time")
        segment.end_at = released
        segment.bed.status = "cleaning"
        for line in _room_lines(session, encounter, released):
            _post(
                session,
                actor,
                encounter,
                line["tariff"],
                quantity=line["days"],
                unit="ward",
                performed_by="",
                day=line["day"],
                now=at,
                klass=line["klass"],
            )
    encounter.status = "closed"
    encounter.discharged_at = at
    encounter.room_released_at = released
    encounter.discharge_status = status
    session.flush()
    bill = compute_bill(session, encounter, now=at)
    encounter.real_cost = bill.real_cost
    encounter.patient_share = bill.patient_share
    _audit(
        session,
        actor,
        "encounter.discharge",
        "rsud_encounter",
        encounter.number,
        encounter.hospital_id,
        status=status,
    )
    if status in SURVEYED_DISCHARGES:  # the patient (or family) is offered the survey
        survey_link(
            session,
            service=SURVEY_SERVICE,
            unit=encounter.hospital,
            reference=_survey_reference(encounter),
            completed_on=at.astimezone(ZoneInfo(time_zone())).date(),
        )
    return encounter


#: The satisfaction survey of hospital care (``pamong_register_survey_services``).
SURVEY_SERVICE = "rsud.care"
#: Discharges after which the patient is asked (not after a death).
SURVEYED_DISCHARGES = ("home", "referred", "own_request")


def _survey_reference(encounter: RsudEncounter) -> str:
    return f"rsud_encounter:{encounter.id}"


def survey_of(session: Session, encounter: RsudEncounter) -> SurveyInvitation | None:
    """The survey offered at discharge (None before, or after a death)."""
    return survey_invitation(
        session, service=SURVEY_SERVICE, reference=_survey_reference(encounter)
    )


# --- charges -----------------------------------------------------------------------------


def _post(
    session: Session,
    actor: Actor,
    encounter: RsudEncounter,
    tariff: RsudTariff,
    *,
    quantity: int,
    unit: str,
    performed_by: str,
    day: date,
    now: datetime,
    klass: str | None = None,
) -> RsudCharge:
    charge = RsudCharge(
        encounter=encounter,
        encounter_id=encounter.id,
        tariff_id=tariff.id,
        service_code=tariff.service_code,
        description=tariff.name,
        unit=unit,
        bucket=tariff.bucket,
        klass=klass or encounter.klass,
        quantity=quantity,
        jasa_sarana=tariff.jasa_sarana * quantity,
        jasa_medis=tariff.jasa_medis * quantity,
        jasa_paramedis=tariff.jasa_paramedis * quantity,
        amount=tariff.price * quantity,
        performed_by=_text(performed_by, 120),
        service_date=day,
        posted_at=now,
        posted_by_id=actor.user_id,
    )
    session.add(charge)
    session.flush()
    return charge


def post_charge(
    session: Session,
    actor: Actor,
    number: str,
    *,
    service_code: str,
    quantity: int = 1,
    unit: str,
    performed_by: str = "",
    service_date: date | None = None,
    now: datetime | None = None,
) -> RsudCharge:
    """Post a unit's service to an open encounter at the tariff in force on the service date.

    A negative quantity returns medicine (items only, never more than was given).
    """
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.CHARGE, encounter.hospital)
    if encounter.status != "open":
        raise Conflict(
            _("Encounter %(n)s is closed: no more charges.", n=encounter.number),
            slug="encounter-closed",
        )
    if unit not in UNITS:
        raise InvalidInput(_("The unit is one of: %(u)s.", u=", ".join(UNITS)), slug="invalid-unit")
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or quantity == 0
        or abs(quantity) > 1000
    ):
        raise InvalidInput(_("The quantity is a whole number, not zero."), slug="invalid-quantity")
    now = now or utcnow()
    day = service_date or local_day(now)
    if day < local_day(encounter.admitted_at) or day > local_day(now):
        raise InvalidInput(_("The service date lies within the encounter."), slug="invalid-date")
    tariff = tariff_for(session, service_code, encounter.klass, day)
    if quantity < 0:
        if tariff.per != "item":
            raise InvalidInput(_("Only items (medicine) can be returned."), slug="invalid-quantity")
        given = (
            session.scalar(
                select(func.coalesce(func.sum(RsudCharge.quantity), 0)).where(
                    RsudCharge.encounter_id == encounter.id,
                    RsudCharge.service_code == tariff.service_code,
                )
            )
            or 0
        )
        if given + quantity < 0:
            raise InvalidInput(_("More is returned than was given."), slug="invalid-quantity")
    charge = _post(
        session,
        actor,
        encounter,
        tariff,
        quantity=quantity,
        unit=unit,
        performed_by=performed_by,
        day=day,
        now=now,
    )
    _audit(
        session,
        actor,
        "charge.post",
        "rsud_charge",
        charge.id,
        encounter.hospital_id,
        encounter=encounter.number,
        amount=charge.amount,
    )
    return charge


def reverse_charge(
    session: Session, actor: Actor, charge_id: int, *, reason: str, now: datetime | None = None
) -> RsudCharge:
    """Correct a charge by a reversing charge (the original stays); once per charge."""
    original = session.get(RsudCharge, charge_id)
    if original is None or not can_read(actor, original.encounter.hospital):
        raise NotFound(_("No such charge."), slug="charge-not-found")
    encounter = get_encounter(session, actor, original.encounter.number, lock=True)
    _require(actor, perm.CHARGE, encounter.hospital)
    if encounter.status != "open":
        raise Conflict(
            _("Encounter %(n)s is closed: no more charges.", n=encounter.number),
            slug="encounter-closed",
        )
    reason = _text(reason, 200)
    if not reason:
        raise InvalidInput(_("A reversal gives its reason."), slug="invalid-reason")
    if original.reverses_id is not None:
        raise Conflict(
            _("A reversal is not reversed: post the charge again."), slug="charge-is-reversal"
        )
    reversal = RsudCharge(
        encounter_id=encounter.id,
        tariff_id=original.tariff_id,
        service_code=original.service_code,
        description=original.description,
        unit=original.unit,
        bucket=original.bucket,
        klass=original.klass,
        quantity=-original.quantity,
        jasa_sarana=-original.jasa_sarana,
        jasa_medis=-original.jasa_medis,
        jasa_paramedis=-original.jasa_paramedis,
        amount=-original.amount,
        performed_by=original.performed_by,
        service_date=original.service_date,
        posted_at=now or utcnow(),
        posted_by_id=actor.user_id,
        reverses_id=original.id,
        reason=reason,
    )
    try:
        with session.begin_nested():
            session.add(reversal)
            session.flush()
    except IntegrityError:
        raise Conflict(_("This charge is reversed already."), slug="charge-reversed") from None
    _audit(
        session,
        actor,
        "charge.reverse",
        "rsud_charge",
        original.id,
        encounter.hospital_id,
        reason=reason,
    )
    return reversal


def charges_of(session: Session, encounter: RsudEncounter) -> list[RsudCharge]:
    return list(
        session.scalars(
            select(RsudCharge)
            .where(RsudCharge.encounter_id == encounter.id)
            .order_by(RsudCharge.id)
        )
    )


# --- diagnoses (specific personal data) ------------------------------------------------


def set_diagnoses(session: Session, actor: Actor, number: str, codes: list[str]) -> list[str]:
    """Record the ICD-10 codes of an encounter (format-checked); needs ``rsud.medical_data``."""
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.MEDICAL_DATA, encounter.hospital)
    cleaned = [c.strip().upper() for c in codes if c and c.strip()]
    bad = [c for c in cleaned if not ICD10.match(c)]
    if bad or len(cleaned) > 12:
        raise InvalidInput(
            _("Not an ICD-10 code: %(c)s.", c=", ".join(bad) or "…"),
            slug="invalid-icd10",
            codes=bad,
        )
    encounter.diagnoses = ",".join(cleaned)
    _audit(
        session,
        actor,
        "diagnoses.set",
        "rsud_encounter",
        encounter.number,
        encounter.hospital_id,
        count=len(cleaned),
    )
    return cleaned


def read_diagnoses(session: Session, actor: Actor, number: str) -> list[str]:
    """An encounter's diagnoses for a holder of ``rsud.medical_data``; every read is audited."""
    encounter = get_encounter(session, actor, number)
    _require(actor, perm.MEDICAL_DATA, encounter.hospital)
    record_personal_read(
        session,
        actor,
        subject=encounter,
        resident=encounter.patient.nik or None,
        unit=encounter.hospital,
        purpose="rsud.diagnoses",
        fields=("diagnoses",),
    )
    return [c for c in encounter.diagnoses.split(",") if c]


def masked_diagnoses(encounter: RsudEncounter) -> str:
    """What a list shows without the right: how many codes, never which."""
    count = len([c for c in encounter.diagnoses.split(",") if c])
    return "•••" * min(count, 3) if count else "-"


# --- BPJS claim ---------------------------------------------------------------------------


def record_claim(
    session: Session,
    actor: Actor,
    number: str,
    *,
    sep_number: str,
    inacbg_code: str = "",
    cbg_amount: int = 0,
    subacute_amount: int = 0,
    chronic_amount: int = 0,
    add_payment: int = 0,
    cbg_class1_amount: int = 0,
    cbg_upgraded_amount: int = 0,
    upgrade_class: str = "",
    upgrade_days: int = 0,
    upgrade_payer: str = "",
    status: str = "draft",
) -> RsudClaim:
    """Record the E-Klaim grouper's result for a BPJS encounter (entered or imported)."""
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.CASEMIX, encounter.hospital)
    if encounter.payer != "bpjs":
        raise Conflict(_("Only a BPJS encounter has a claim."), slug="not-bpjs")
    if status not in CLAIM_STATUSES:
        raise InvalidInput(
            _("The claim status is one of: %(s)s.", s=", ".join(CLAIM_STATUSES)),
            slug="invalid-status",
        )
    sep_number = _text(sep_number, 30)
    if not re.fullmatch(r"[0-9A-Z]{19}", sep_number):
        raise InvalidInput(_("A SEP number has 19 characters."), slug="invalid-sep")
    amounts = (
        cbg_amount,
        subacute_amount,
        chronic_amount,
        add_payment,
        cbg_class1_amount,
        cbg_upgraded_amount,
        upgrade_days,
    )
    if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in amounts):
        raise InvalidInput(
            _("Claim amounts are whole rupiah, not negative."), slug="invalid-amount"
        )
    if status != "draft" and not re.fullmatch(r"[A-Z]-\d-\d{2}-[0IVX]+", inacbg_code or ""):
        raise InvalidInput(
            _("A grouped claim has its INA-CBG code (e.g. K-1-17-I)."), slug="invalid-inacbg"
        )
    if upgrade_class:
        entitled = encounter.entitled_class
        if upgrade_class not in classes() or classes().index(upgrade_class) >= classes().index(
            entitled
        ):
            raise InvalidInput(
                _("The upgraded class is above the entitled class %(k)s.", k=entitled),
                slug="invalid-upgrade",
            )
        if encounter.patient.bpjs_pbi:
            raise Conflict(
                _("Contribution-aid (PBI) patients may not upgrade class."), slug="pbi-no-upgrade"
            )
        if upgrade_payer not in UPGRADE_PAYERS:
            raise InvalidInput(
                _("The upgrade is paid by: %(p)s.", p=", ".join(UPGRADE_PAYERS)),
                slug="invalid-upgrade",
            )
    claim = session.scalar(select(RsudClaim).where(RsudClaim.encounter_id == encounter.id))
    if claim is None:
        claim = RsudClaim(encounter=encounter, encounter_id=encounter.id, sep_number=sep_number)
        session.add(claim)
    for name, value in {
        "sep_number": sep_number,
        "inacbg_code": inacbg_code or "",
        "cbg_amount": cbg_amount,
        "subacute_amount": subacute_amount,
        "chronic_amount": chronic_amount,
        "add_payment": add_payment,
        "cbg_class1_amount": cbg_class1_amount,
        "cbg_upgraded_amount": cbg_upgraded_amount,
        "upgrade_class": upgrade_class,
        "upgrade_days": upgrade_days,
        "upgrade_payer": upgrade_payer if upgrade_class else "",
        "status": status,
    }.items():
        setattr(claim, name, value)
    claim.updated_at = utcnow()
    encounter.sep_number = sep_number
    session.flush()
    _audit(
        session,
        actor,
        "claim.record",
        "rsud_encounter",
        encounter.number,
        encounter.hospital_id,
        inacbg=inacbg_code,
        status=status,
    )
    return claim


def claim_of(session: Session, encounter: RsudEncounter) -> RsudClaim | None:
    return session.scalar(select(RsudClaim).where(RsudClaim.encounter_id == encounter.id))


def upgrade_difference(
    claim: RsudClaim, real_cost: int, *, entitled: str, cap_percent: int = 75
) -> int:
    """What a JKN patient pays for a class upgrade (Permenkes 51/2018, see DOMAIN.md).

    III->II, II->I (and III->I): the INA-CBG tariff of the chosen class minus that
    of the entitled class. Above class I (VIP): the real cost above the package,
    at most ``cap_percent`` % of the class-I INA-CBG tariff.
    """
    if not claim.upgrade_class:
        return 0
    if claim.upgrade_class == "VIP":
        cap = claim.cbg_class1_amount * cap_percent // 100
        return max(0, min(real_cost - claim.cbg_amount, cap))
    return max(0, claim.cbg_upgraded_amount - claim.cbg_amount)


def executive_difference(claim: RsudClaim | None, real_cost: int, *, cap: int = 400_000) -> int:
    """What a JKN patient pays for executive outpatient care (Permenkes 51/2018).

    The real cost above the INA-CBG package, at most ``cap`` per episode
    (Rp 400.000, see DOMAIN.md); nothing before the claim's package is known.
    """
    if claim is None:
        return 0
    return max(0, min(real_cost - claim.total, cap))


# --- the bill -------------------------------------------------------------------------------


@dataclass
class Bill:
    """An encounter's bill as of a moment: the interim bill or, after discharge, the final one."""

    number: str
    payer: str
    final: bool
    lines: list[dict[str, Any]] = field(default_factory=list)
    by_unit: dict[str, int] = field(default_factory=dict)
    by_bucket: dict[str, int] = field(default_factory=dict)
    real_cost: int = 0
    package: int | None = None
    inacbg_code: str = ""
    upgrade_difference: int = 0
    executive_difference: int = 0
    payer_covers: int = 0
    patient_share: int = 0
    deposits_paid: int = 0
    refunded: int = 0
    refund_pending: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)
    balance: int = 0
    invoice_number: str = ""

    @property
    def refund_due(self) -> int:
        """What is still owed back to the patient and not yet asked of a supervisor."""
        return max(0, -self.balance - self.refund_pending)


def _room_lines(session: Session, encounter: RsudEncounter, until: datetime) -> list[dict]:
    segments = list(encounter.segments)
    spans = [
        (segment.start_at, max(segment.end_at or until, segment.start_at)) for segment in segments
    ]
    shares = segment_room_days(spans, settings()["room_grace_hours"])
    lines = []
    for segment, days in zip(segments, shares, strict=True):
        if not days:
            continue
        day = local_day(segment.start_at)
        tariff = tariff_for(session, ACCOMMODATION, segment.klass, day)
        lines.append(
            {
                "tariff": tariff,
                "days": days,
                "klass": segment.klass,
                "day": day,
                "ward": segment.ward.code,
                "amount": tariff.price * days,
            }
        )
    return lines


@dataclass
class DepositState:
    """An encounter's deposits: paid, refunded (approved), refunds awaiting approval."""

    paid: int = 0
    refunded: int = 0
    pending: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)


def deposits_of(session: Session, encounter: RsudEncounter) -> DepositState:
    """The deposits of an encounter and their refunds, read from the billing plugin.

    A refund counts once a supervisor approved its billing request; a
    rejected one counts for nothing (the cashier may ask again).
    """
    state = DepositState()
    rows = list(
        session.scalars(
            select(RsudDeposit)
            .where(RsudDeposit.encounter_id == encounter.id)
            .order_by(RsudDeposit.id)
        )
    )
    deposits = [row.invoice_number for row in rows if row.kind == "deposit"]
    invoices = billing.invoice_statuses(session, deposits) if deposits else {}
    state.paid = sum(invoices[number].paid for number in deposits if number in invoices)
    requests = billing.request_statuses(
        session, [row.request_id for row in rows if row.request_id is not None]
    )
    for row in rows:
        if row.kind != "refund":
            continue
        request = requests.get(row.request_id) if row.request_id is not None else None
        status = request.status if request is not None else "approved"
        if status == "approved":
            state.refunded += row.amount
        elif status == "pending":
            state.pending += row.amount
        state.refunds.append(
            {
                "request_id": row.request_id,
                "invoice_number": row.invoice_number,
                "amount": row.amount,
                "status": status,
                "requested_by": row.requested_by,
                "requested_at": row.created_at,
                "decided_by": request.decided_by if request is not None else "",
                "decided_at": request.decided_at if request is not None else None,
            }
        )
    return state


def compute_bill(
    session: Session, encounter: RsudEncounter, *, now: datetime | None = None
) -> Bill:
    """The bill: charges (plus room days to ``now`` while open), package and payer split."""
    now = now or utcnow()
    bill = Bill(
        number=encounter.number,
        payer=encounter.payer,
        final=encounter.status == "closed",
        invoice_number=encounter.invoice_number,
    )
    for charge in charges_of(session, encounter):
        bill.lines.append(
            {
                "description": charge.description,
                "unit": charge.unit,
                "quantity": charge.quantity,
                "amount": charge.amount,
                "day": charge.service_date,
                "id": charge.id,
                "reversal": charge.reverses_id is not None,
            }
        )
        bill.by_unit[charge.unit] = bill.by_unit.get(charge.unit, 0) + charge.amount
        bill.by_bucket[charge.bucket] = bill.by_bucket.get(charge.bucket, 0) + charge.amount
    if encounter.status == "open" and encounter.kind == "inpatient":
        for line in _room_lines(session, encounter, now):
            bill.lines.append(
                {
                    "description": f"{line['tariff'].name} ({line['ward']})",
                    "unit": "ward",
                    "quantity": line["days"],
                    "amount": line["amount"],
                    "day": line["day"],
                    "id": None,
                    "reversal": False,
                }
            )
            bill.by_unit["ward"] = bill.by_unit.get("ward", 0) + line["amount"]
            bucket = line["tariff"].bucket
            bill.by_bucket[bucket] = bill.by_bucket.get(bucket, 0) + line["amount"]
    bill.real_cost = sum(line["amount"] for line in bill.lines)
    if encounter.payer == "bpjs":
        claim = claim_of(session, encounter)
        if claim is not None:
            bill.package = claim.total
            bill.inacbg_code = claim.inacbg_code
            bill.upgrade_difference = upgrade_difference(
                claim,
                bill.real_cost,
                entitled=encounter.entitled_class,
                cap_percent=settings()["vip_upgrade_cap_percent"],
            )
            if encounter.executive:
                bill.executive_difference = executive_difference(
                    claim, bill.real_cost, cap=settings()["executive_outpatient_cap"]
                )
        bill.patient_share = bill.upgrade_difference + bill.executive_difference
        bill.payer_covers = bill.real_cost - bill.patient_share
    elif encounter.payer == "umum":
        bill.patient_share = bill.real_cost
    else:
        ceiling = settings()["payer_ceilings"].get(encounter.payer)
        bill.payer_covers = bill.real_cost if ceiling is None else min(bill.real_cost, ceiling)
        bill.patient_share = bill.real_cost - bill.payer_covers
    deposits = deposits_of(session, encounter)
    bill.deposits_paid, bill.refunded = deposits.paid, deposits.refunded
    bill.refund_pending, bill.refunds = deposits.pending, deposits.refunds
    bill.balance = bill.patient_share - bill.deposits_paid + bill.refunded
    return bill


def interim_bill(session: Session, actor: Actor, number: str) -> Bill:
    encounter = get_encounter(session, actor, number)
    return compute_bill(session, encounter)


def _payer_of(encounter: RsudEncounter) -> billing.Payer:
    patient = encounter.patient
    ref = f"rsud_patient:{patient.mrn}"
    if patient.resident_id is not None:
        ref = f"resident:{patient.resident_id}"
    return billing.Payer("resident", patient.name, ref, patient.nik if patient.nik else "")


def settle_bill(
    session: Session, actor: Actor, number: str, *, now: datetime | None = None
) -> Bill:
    """Turn a discharged encounter's patient share (less deposits) into a billing invoice.

    Two cashiers settling the same bill get the same invoice: the encounter
    row is locked and billing keeps one active invoice per reference. A
    deposit larger than the share leaves a refund due: see
    :func:`request_deposit_refund`.
    """
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.CASHIER, encounter.hospital)
    if encounter.status != "closed":
        raise Conflict(
            _("Discharge the patient first; an interim bill is shown meanwhile."),
            slug="encounter-open",
        )
    bill = compute_bill(session, encounter, now=now)
    encounter.real_cost, encounter.patient_share = bill.real_cost, bill.patient_share
    if encounter.invoice_number or bill.balance <= 0:
        return bill
    if encounter.payer == "bpjs":
        claim = claim_of(session, encounter)
        if claim is None or claim.status == "draft":
            raise Conflict(
                _("The casemix desk records the grouped claim first."), slug="claim-missing"
            )
    account = settings()["account_code"]
    if encounter.payer == "bpjs":
        claim = claim_of(session, encounter)
        assert claim is not None
        lines = []
        if bill.upgrade_difference:
            lines.append(
                billing.Line(
                    _(
                        "Class upgrade difference %(f)s to %(t)s, %(d)d days (INA-CBG %(c)s)",
                        f=encounter.entitled_class,
                        t=claim.upgrade_class,
                        d=claim.upgrade_days,
                        c=claim.inacbg_code,
                    ),
                    bill.upgrade_difference,
                    account_code=account,
                )
            )
        if bill.executive_difference:
            lines.append(
                billing.Line(
                    _(
                        "Executive clinic difference, %(p)s (INA-CBG %(c)s)",
                        p=encounter.poli,
                        c=claim.inacbg_code,
                    ),
                    bill.executive_difference,
                    account_code=account,
                )
            )
    elif bill.deposits_paid or encounter.payer != "umum":
        lines = [
            billing.Line(
                _("Hospital bill %(n)s, balance", n=encounter.number),
                bill.balance,
                account_code=account,
            )
        ]
    else:
        lines = [
            billing.Line(f"{encounter.number}: {UNIT_TITLES.get(u, u)}", a, account_code=account)
            for u, a in sorted(bill.by_unit.items())
            if a > 0
        ]
        if sum(line.amount for line in lines) != bill.balance:
            lines = [
                billing.Line(
                    _("Hospital bill %(n)s", n=encounter.number), bill.balance, account_code=account
                )
            ]
    made = billing.create_invoice(
        session,
        actor,
        source=SOURCE,
        reference=f"bill:{encounter.number}",
        unit_code=encounter.hospital.code,
        payer=_payer_of(encounter),
        lines=lines,
        description=_("Hospital bill %(n)s", n=encounter.number),
        now=now,
    )
    encounter.invoice_number = made.number
    bill.invoice_number = made.number
    _audit(
        session,
        actor,
        "bill.settle",
        "rsud_encounter",
        encounter.number,
        encounter.hospital_id,
        invoice=made.number,
        amount=bill.balance,
    )
    return bill


UNIT_TITLES = {
    "registration": "Pendaftaran",
    "clinic": "Poliklinik",
    "emergency": "IGD",
    "lab": "Laboratorium",
    "radiology": "Radiologi",
    "operating_room": "Kamar operasi",
    "pharmacy": "Farmasi",
    "ward": "Rawat inap",
}


def take_deposit(
    session: Session, actor: Actor, number: str, *, amount: int, now: datetime | None = None
) -> RsudDeposit:
    """A self-pay inpatient's deposit: an invoice of the billing plugin, paid at the cashier."""
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.CASHIER, encounter.hospital)
    if encounter.status != "open" or encounter.kind != "inpatient":
        raise Conflict(_("Deposits are taken during an open stay."), slug="encounter-closed")
    if encounter.payer != "umum":
        raise Conflict(_("Only self-pay patients pay a deposit."), slug="not-self-pay")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= 10**10:
        raise InvalidInput(_("The deposit is whole rupiah above zero."), slug="invalid-amount")
    count = (
        session.scalar(
            select(func.count())
            .select_from(RsudDeposit)
            .where(RsudDeposit.encounter_id == encounter.id, RsudDeposit.kind == "deposit")
        )
        or 0
    )
    made = billing.create_invoice(
        session,
        actor,
        source=SOURCE,
        reference=f"deposit:{encounter.number}:{count + 1}",
        unit_code=encounter.hospital.code,
        payer=_payer_of(encounter),
        lines=[
            billing.Line(
                _("Deposit for stay %(n)s", n=encounter.number),
                amount,
                account_code=settings()["account_code"],
            )
        ],
        now=now,
    )
    deposit = RsudDeposit(
        encounter_id=encounter.id, kind="deposit", amount=amount, invoice_number=made.number
    )
    session.add(deposit)
    session.flush()
    _audit(
        session,
        actor,
        "deposit.take",
        "rsud_encounter",
        encounter.number,
        encounter.hospital_id,
        invoice=made.number,
        amount=amount,
    )
    return deposit


def request_deposit_refund(
    session: Session, actor: Actor, number: str, *, reason: str, now: datetime | None = None
) -> Bill:
    """Ask billing to pay back the unused deposit of a discharged self-pay patient.

    The amount is what the final bill owes the patient less what already
    waits for approval; it is asked of billing's public refund request on
    the deposit invoices, newest first, and a billing supervisor who is not
    the requester approves it (four eyes). The encounter row is locked, so
    two cashiers asking at once ask once: the second finds nothing left.
    """
    encounter = get_encounter(session, actor, number, lock=True)
    _require(actor, perm.CASHIER, encounter.hospital)
    if encounter.status != "closed":
        raise Conflict(
            _("A deposit is refunded after discharge, on the final bill."), slug="encounter-open"
        )
    bill = compute_bill(session, encounter, now=now)
    due = bill.refund_due
    if due <= 0:
        if bill.refund_pending:
            raise Conflict(
                _("The refund already waits for a supervisor's approval."),
                slug="refund-pending",
            )
        raise Conflict(_("No deposit is owed back to the patient."), slug="no-refund-due")
    reason = _text(reason, 300)
    if not reason:
        raise InvalidInput(_("Give the reason."), slug="reason-required")
    deposits = session.scalars(
        select(RsudDeposit)
        .where(RsudDeposit.encounter_id == encounter.id, RsudDeposit.kind == "deposit")
        .order_by(RsudDeposit.id.desc())
    ).all()
    statuses = billing.invoice_statuses(session, [d.invoice_number for d in deposits])
    left = due
    for deposit in deposits:
        state = statuses.get(deposit.invoice_number)
        already = sum(
            r["amount"]
            for r in bill.refunds
            if r["invoice_number"] == deposit.invoice_number and r["status"] != "rejected"
        )
        take = min(left, (state.paid if state else 0) - already)
        if take <= 0:
            continue
        for request in billing.request_refund(
            session, actor, invoice_number=deposit.invoice_number, amount=take, reason=reason
        ):
            session.add(
                RsudDeposit(
                    encounter_id=encounter.id,
                    kind="refund",
                    amount=request.amount,
                    invoice_number=deposit.invoice_number,
                    request_id=request.id,
                    requested_by=(actor.username or "system")[:60],
                    reason=reason,
                )
            )
        left -= take
        if left == 0:
            break
    session.flush()
    _audit(
        session,
        actor,
        "deposit.refund_request",
        "rsud_encounter",
        encounter.number,
        encounter.hospital_id,
        amount=due - left,
        reason=reason,
    )
    return compute_bill(session, encounter, now=now)


def cashier_queue(
    session: Session, actor: Actor, *, limit: int = 30, scan: int = 200
) -> list[tuple[RsudEncounter, Bill]]:
    """Discharged encounters waiting at the cashier, newest first: a share to bill or a refund.

    Looks at the ``scan`` latest discharged encounters without an invoice at
    the actor's hospitals (``rsud.cashier``) and keeps those whose bill has a
    balance to invoice or a deposit to pay back.
    """
    hospitals = [u.id for u in hospital_units(session, actor, perm.CASHIER)]
    if not hospitals:
        raise Forbidden(
            _("You need the permission %(permission)s here.", permission=repr(perm.CASHIER)),
            permission=perm.CASHIER,
        )
    rows = session.scalars(
        select(RsudEncounter)
        .where(
            RsudEncounter.hospital_id.in_(hospitals),
            RsudEncounter.status == "closed",
            RsudEncounter.invoice_number == "",
        )
        .order_by(RsudEncounter.discharged_at.desc())
        .limit(scan)
    )
    waiting = []
    for encounter in rows:
        if not actor.can(perm.CASHIER, encounter.hospital):
            continue
        bill = compute_bill(session, encounter)
        if bill.balance > 0 or bill.refund_due > 0 or bill.refund_pending > 0:
            waiting.append((encounter, bill))
            if len(waiting) >= limit:
                break
    return waiting


# --- bed board and lists -----------------------------------------------------------------------


def bed_board(session: Session, actor: Actor, hospital_code: str) -> list[dict[str, Any]]:
    """Per ward: its beds, free, occupied or cleaning, with the No. RM in an occupied one."""
    hospital = get_unit(session, hospital_code)
    if not can_read(actor, hospital):
        raise NotFound(_("No hospital %(c)s.", c=hospital_code), slug="hospital-not-found")
    occupants = dict(
        session.execute(
            select(RsudSegment.bed_id, RsudPatient.mrn)
            .join(RsudEncounter, RsudEncounter.id == RsudSegment.encounter_id)
            .join(RsudPatient, RsudPatient.id == RsudEncounter.patient_id)
            .where(RsudSegment.end_at.is_(None), RsudEncounter.hospital_id == hospital.id)
        ).all()
    )
    board = []
    for ward in session.scalars(
        select(RsudWard).where(RsudWard.hospital_id == hospital.id).order_by(RsudWard.code)
    ):
        beds = [
            {"code": b.code, "status": b.status, "mrn": occupants.get(b.id, "")}
            for b in ward.beds
            if b.in_service_until is None
        ]
        board.append(
            {
                "code": ward.code,
                "name": ward.name,
                "klass": ward.klass,
                "beds": beds,
                "free": sum(b["status"] == "free" for b in beds),
                "occupied": sum(b["status"] == "occupied" for b in beds),
                "cleaning": sum(b["status"] == "cleaning" for b in beds),
            }
        )
    return board


def open_encounters_query(actor: Actor) -> Select[tuple[RsudEncounter]]:
    """The open encounters of the actor's hospitals, newest first (a page lists them)."""
    return (
        select(RsudEncounter)
        .join(OrgUnit, OrgUnit.id == RsudEncounter.hospital_id)
        .where(
            RsudEncounter.status == "open",
            or_(*(actor.scope_filter(p, OrgUnit.path) for p in perm.READ)),
        )
        .order_by(RsudEncounter.admitted_at.desc(), RsudEncounter.id.desc())
    )


def open_encounters(session: Session, actor: Actor, *, limit: int = 50) -> list[RsudEncounter]:
    return list(session.scalars(open_encounters_query(actor).limit(limit)))


# --- reports ------------------------------------------------------------------------------------


def _month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def census_days(start: date, end: date | None, first: date, last: date) -> int:
    """Patient days of one bed segment within [first, last] by the midnight census.

    A day counts when the patient was in at its end; a same-day stay counts one day.
    """
    stop = end if end is not None else last + timedelta(days=1)
    if start == stop:
        return 1 if first <= start <= last else 0
    lo, hi = max(start, first), min(stop, last + timedelta(days=1))
    return max(0, (hi - lo).days)


def indicator_report(
    session: Session, actor: Actor, hospital_code: str, month: date
) -> dict[str, Any]:
    """The month's BOR, ALOS, TOI, BTO, GDR, NDR per ward and for the hospital."""
    hospital = get_unit(session, hospital_code)
    _require(actor, perm.REPORT, hospital)
    first, last = _month_bounds(month)
    period_days = (last - first).days + 1
    wards = list(
        session.scalars(
            select(RsudWard).where(RsudWard.hospital_id == hospital.id).order_by(RsudWard.code)
        )
    )
    figures: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ward in wards:
        figures[ward.id]["beds"] = sum(
            1
            for b in ward.beds
            if b.in_service_from <= last
            and (b.in_service_until is None or b.in_service_until >= first)
        )
    tz = ZoneInfo(time_zone())
    lo = datetime.combine(first, datetime.min.time(), tz)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    segments = session.execute(
        select(RsudSegment.ward_id, RsudSegment.start_at, RsudSegment.end_at)
        .join(RsudEncounter, RsudEncounter.id == RsudSegment.encounter_id)
        .where(
            RsudEncounter.hospital_id == hospital.id,
            RsudSegment.start_at < hi,
            or_(RsudSegment.end_at.is_(None), RsudSegment.end_at >= lo),
        )
    ).all()
    for ward_id, start, end in segments:
        figures[ward_id]["patient_days"] += census_days(
            local_day(start), local_day(end) if end else None, first, last
        )
    discharged = session.execute(
        select(
            RsudEncounter.ward_id,
            RsudEncounter.admitted_at,
            RsudEncounter.discharged_at,
            RsudEncounter.discharge_status,
        ).where(
            RsudEncounter.hospital_id == hospital.id,
            RsudEncounter.kind == "inpatient",
            RsudEncounter.discharged_at >= lo,
            RsudEncounter.discharged_at < hi,
        )
    ).all()
    for ward_id, admitted, out, status in discharged:
        row = figures[ward_id]
        row["discharges"] += 1
        row["los"] += max(1, (local_day(out) - local_day(admitted)).days)
        row["deaths"] += status in DIED
        row["late_deaths"] += status == "died_after_48h"

    def compute(row: dict[str, int]) -> dict[str, Any]:
        beds = max(row["beds"], 1)
        patient_days = min(row["patient_days"], beds * period_days)
        values = hospital_indicators(
            beds=beds,
            period_days=period_days,
            patient_days=patient_days,
            discharges=row["discharges"],
            length_of_stay_days=row["los"],
            deaths=row["deaths"],
            deaths_over_48h=row["late_deaths"],
        )
        return {
            **values,
            "beds": row["beds"],
            "patient_days": row["patient_days"],
            "discharges": row["discharges"],
            "deaths": row["deaths"],
        }

    total: dict[str, int] = defaultdict(int)
    per_ward = []
    for ward in wards:
        row = figures[ward.id]
        for key in ("beds", "patient_days", "discharges", "los", "deaths", "late_deaths"):
            total[key] += row[key]
        per_ward.append({"ward": ward.code, "name": ward.name, "klass": ward.klass, **compute(row)})
    return {
        "hospital": hospital.code,
        "month": first.strftime("%Y-%m"),
        "period_days": period_days,
        "wards": per_ward,
        "total": compute(total) if wards else None,
    }


def revenue_report(session: Session, actor: Actor, hospital_code: str, year: int) -> dict[str, Any]:
    """Charges of a year by payer, class, unit and month; jasa medis per doctor and month.

    Summed in the database (GROUP BY): a year of two million charge lines
    never passes through Python row by row.
    """
    hospital = get_unit(session, hospital_code)
    _require(actor, perm.REPORT, hospital)
    first, last = date(year, 1, 1), date(year, 12, 31)
    month = extract("month", RsudCharge.service_date)
    where = (
        RsudEncounter.hospital_id == hospital.id,
        RsudCharge.service_date.between(first, last),
    )

    def grouped(key: Any, value: Any = RsudCharge.amount, *extra: Any) -> list[Any]:
        stmt = (
            select(key, *extra, func.sum(value))
            .select_from(RsudCharge)
            .join(RsudEncounter, RsudEncounter.id == RsudCharge.encounter_id)
            .where(*where)
            .group_by(key, *extra)
        )
        return list(session.execute(stmt).all())

    result: dict[str, Any] = {
        "by_payer": {k: int(v) for k, v in sorted(grouped(RsudEncounter.payer))},
        "by_class": {k: int(v) for k, v in sorted(grouped(RsudCharge.klass))},
        "by_unit": {k: int(v) for k, v in sorted(grouped(RsudCharge.unit))},
        "by_month": {f"{year}-{int(m):02d}": int(v) for m, v in sorted(grouped(month))},
        "by_doctor": {
            f"{doctor}|{year}-{int(m):02d}": int(v)
            for doctor, m, v in sorted(
                grouped(RsudCharge.performed_by, RsudCharge.jasa_medis, month)
            )
            if doctor
        },
    }
    result["total"] = sum(result["by_payer"].values())
    result["year"] = year
    return result


def package_vs_cost(
    session: Session, actor: Actor, hospital_code: str, year: int
) -> list[dict[str, Any]]:
    """Per INA-CBG code: claims, package total, real cost and the gain or loss."""
    hospital = get_unit(session, hospital_code)
    _require(actor, (perm.REPORT, perm.CASEMIX), hospital)
    tz = ZoneInfo(time_zone())
    lo = datetime(year, 1, 1, tzinfo=tz)
    hi = datetime(year + 1, 1, 1, tzinfo=tz)
    rows = session.execute(
        select(
            RsudClaim.inacbg_code,
            func.count(),
            func.sum(
                RsudClaim.cbg_amount
                + RsudClaim.subacute_amount
                + RsudClaim.chronic_amount
                + RsudClaim.add_payment
            ),
            func.sum(RsudEncounter.real_cost),
        )
        .join(RsudEncounter, RsudEncounter.id == RsudClaim.encounter_id)
        .where(
            RsudEncounter.hospital_id == hospital.id,
            RsudEncounter.discharged_at >= lo,
            RsudEncounter.discharged_at < hi,
            RsudClaim.inacbg_code != "",
        )
        .group_by(RsudClaim.inacbg_code)
        .order_by(RsudClaim.inacbg_code)
    ).all()
    return [
        {
            "inacbg_code": code,
            "claims": n,
            "package": int(pkg or 0),
            "real_cost": int(cost or 0),
            "gain": int(pkg or 0) - int(cost or 0),
        }
        for code, n, pkg, cost in rows
    ]

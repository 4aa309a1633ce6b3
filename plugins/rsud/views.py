"""The hospital pages: registration, the encounter with its bill, bed board, indicators."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pamong.plugin import (
    EXPORT_LIMIT,
    InvalidInput,
    _,
    _l,
    download_format,
    get_session,
    get_unit,
    mask_name,
    page_arg,
    paginate,
    regency_today,
    rupiah,
    survey_url,
    table_download,
    time_zone,
)
from pamong_plugins.rsud import permissions as perm
from pamong_plugins.rsud import services, tariffs
from pamong_plugins.rsud.indicators import IDEAL_RANGES, in_ideal_range
from pamong_plugins.rsud.models import (
    BUCKETS,
    CLAIM_STATUSES,
    DISCHARGE_STATUSES,
    PAYERS,
    TARIFF_PER,
    UNITS,
    UPGRADE_PAYERS,
)
from pamong_plugins.rsud.settings import settings

PER_PAGE = 30
bp = Blueprint("rsud", __name__, template_folder="templates")

LABELS = {
    "outpatient": _l("Outpatient"),
    "emergency": _l("Emergency (IGD)"),
    "inpatient": _l("Inpatient"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "umum": _l("Self-pay"),
    "bpjs": _l("BPJS (JKN)"),
    "jamkesda": _l("Jamkesda"),
    "insurance": _l("Insurance"),
    "company": _l("Company"),
    "home": _l("Went home"),
    "referred": _l("Referred"),
    "died_before_48h": _l("Died < 48 h"),
    "died_after_48h": _l("Died ≥ 48 h"),
    "own_request": _l("Own request"),
    "free": _l("Vacant"),
    "occupied": _l("Occupied"),
    "cleaning": _l("Cleaning"),
    "registration": _l("Registration"),
    "clinic": _l("Clinic"),
    "lab": _l("Laboratory"),
    "radiology": _l("Radiology"),
    "operating_room": _l("Operating room"),
    "pharmacy": _l("Pharmacy"),
    "ward": _l("Ward"),
    "patient": _l("Patient"),
    "employer": _l("Employer"),
    "supplementary_insurance": _l("Supplementary insurance"),
    "refund_pending": _l("Awaiting approval"),
    "refund_approved": _l("Approved, paid back"),
    "refund_rejected": _l("Rejected"),
    "-": _l("No class (outpatient, IGD, drugs)"),
    "claim_draft": _l("Draft"),
    "claim_grouped": _l("Grouped"),
    "claim_final": _l("Final"),
    "claim_sent": _l("Sent to BPJS"),
    "claim_paid": _l("Paid by BPJS"),
    "claim_pending": _l("Pending at BPJS"),
    "claim_disputed": _l("Disputed"),
    "perda": _l("Perda (class III)"),
    "perbup": _l("Perbup (other classes)"),
    "visit": _l("per visit"),
    "day": _l("per day"),
    "item": _l("per item"),
    "action": _l("per action"),
}


@bp.app_template_filter("rsud_mask")
def _mask(name: str) -> str:
    return mask_name(name or "")


@bp.app_template_filter("rsud_label")
def _label(code: str | None) -> str:
    return "-" if not code else str(LABELS.get(code, code))


def _actor() -> Any:
    return current_user.actor


def _allowed(*permissions: str) -> None:
    if not any(_actor().can(p) for p in permissions):
        abort(403)


def _moment(value: str | None) -> datetime | None:
    """A local date-time from a form (``2026-11-30T08:15``), or None for now."""
    if not value:
        return None
    from zoneinfo import ZoneInfo

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Times are written YYYY-MM-DD HH:MM."), slug="invalid-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(time_zone()))


def _int(value: str | None, what: str) -> int:
    digits = (value or "").replace(".", "").replace(" ", "").strip()
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("-")
    if not digits.isdigit() or len(digits) > 12:
        raise InvalidInput(_("%(what)s must be a whole number.", what=what), slug="invalid-number")
    return sign * int(digits)


def _hospital(permission: str) -> str:
    code = request.args.get("hospital", "")[:40]
    if code:
        return code
    units = services.hospital_units(get_session(), _actor(), permission)
    if not units:
        abort(403)
    return units[0].code


@bp.route("/")
@login_required
def index() -> Any:
    """Registration desk: find or register a patient, open visits and stays."""
    _allowed(*perm.READ)
    db = get_session()
    actor = _actor()
    query = request.args.get("q", "").strip()[:60]
    stmt = services.open_encounters_query(actor)
    fmt = download_format()
    if fmt:
        return _encounters_download(db.scalars(stmt.limit(EXPORT_LIMIT)), fmt)
    found = services.find_patients(db, actor, query) if query else []
    page = page_arg()
    encounters, total = paginate(db, stmt, page, PER_PAGE)
    return render_template(
        "rsud/index.html",
        query=query,
        found=found,
        encounters=encounters,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        hospitals=services.hospital_units(db, actor, perm.REGISTRATION),
        payers=PAYERS,
        can_register=actor.can(perm.REGISTRATION),
    )


def _encounters_download(encounters: Any, fmt: str) -> Any:
    """The open encounters as the desk's list shows them, as CSV or Excel."""
    zone = ZoneInfo(time_zone())
    header = [_("Number"), _("No. RM"), _("Kind"), _("Poli or bed"), _("Paid by"), _("Since")]
    rows = [
        [
            e.number,
            e.patient.mrn,
            _label(e.kind),
            e.poli or (e.bed.code if e.bed else "-"),
            _label(e.payer),
            e.admitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        ]
        for e in encounters
    ]
    return table_download("rsud-kunjungan-terbuka", header, rows, fmt)


@bp.route("/patients", methods=["POST"])
@login_required
def register_patient() -> Any:
    form = request.form
    db = get_session()
    born = form.get("birth_date") or None
    patient = services.register_patient(
        db,
        _actor(),
        hospital_code=form.get("hospital_code", "")[:40],
        name=form.get("name", "")[:200],
        sex=form.get("sex", "")[:1],
        birth_date=date.fromisoformat(born) if born else None,
        nik=form.get("nik", "")[:30],
        payer=form.get("payer", "umum")[:12],
        bpjs_number=form.get("bpjs_number", "")[:20],
        bpjs_class=form.get("bpjs_class", "")[:4],
        bpjs_pbi=form.get("bpjs_pbi") == "1",
        payer_name=form.get("payer_name", "")[:120],
    )
    db.commit()
    flash(_("Registered under No. RM %(mrn)s.", mrn=patient.mrn), "info")
    return redirect(url_for("rsud.patient", mrn=patient.mrn))


@bp.route("/patients/<string:mrn>")
@login_required
def patient(mrn: str) -> Any:
    db = get_session()
    row = services.get_patient(db, _actor(), mrn)
    from sqlalchemy import select

    from pamong_plugins.rsud.models import RsudEncounter, RsudWard

    encounters = db.scalars(
        select(RsudEncounter)
        .where(RsudEncounter.patient_id == row.id)
        .order_by(RsudEncounter.admitted_at.desc())
    ).all()
    wards = db.scalars(
        select(RsudWard).where(RsudWard.hospital_id == row.hospital_id).order_by(RsudWard.code)
    ).all()
    db.commit()
    return render_template(
        "rsud/patient.html",
        p=row,
        encounters=encounters,
        wards=wards,
        payers=PAYERS,
        can_register=_actor().can(perm.REGISTRATION, row.hospital),
    )


@bp.route("/encounters", methods=["POST"])
@login_required
def open_encounter() -> Any:
    form = request.form
    db = get_session()
    encounter = services.open_encounter(
        db,
        _actor(),
        mrn=form.get("mrn", "")[:12],
        kind=form.get("kind", "")[:12],
        at=_moment(form.get("at")),
        poli=form.get("poli", "")[:60],
        ward_code=form.get("ward_code", "")[:20],
        bed_code=form.get("bed_code", "")[:20],
        payer=form.get("payer", "")[:12],
        sep_number=form.get("sep_number", "")[:30],
        doctor=form.get("doctor", "")[:120],
        executive=form.get("executive") == "1",
    )
    db.commit()
    flash(_("Encounter %(n)s opened.", n=encounter.number), "info")
    return redirect(url_for("rsud.encounter", number=encounter.number))


@bp.route("/encounters/<string:number>")
@login_required
def encounter(number: str) -> Any:
    """The encounter: stay, charges, the (interim) bill, claim and the desk actions."""
    db = get_session()
    actor = _actor()
    row = services.get_encounter(db, actor, number)
    hospital = row.hospital
    diagnoses = None
    if request.args.get("diagnoses") == "1":
        diagnoses = services.read_diagnoses(db, actor, number)
    from sqlalchemy import select

    from pamong_plugins.rsud.models import RsudWard

    wards = db.scalars(
        select(RsudWard).where(RsudWard.hospital_id == hospital.id).order_by(RsudWard.code)
    ).all()
    survey = services.survey_of(db, row)
    page = render_template(
        "rsud/encounter.html",
        e=row,
        survey_url=survey_url(survey) if survey and not survey.answered_at else "",
        bill=services.compute_bill(db, row),
        charges=services.charges_of(db, row),
        claim=services.claim_of(db, row),
        masked=services.masked_diagnoses(row),
        diagnoses=diagnoses,
        wards=wards,
        units=UNITS,
        statuses=DISCHARGE_STATUSES,
        claim_statuses=CLAIM_STATUSES,
        upgrade_payers=UPGRADE_PAYERS,
        executive_cap=settings()["executive_outpatient_cap"],
        # A visit without a class is charged at the lowest class's price (see tariff_for).
        charge_class=row.klass if row.klass != "-" else services.classes()[-1],
        classes=services.classes(),
        tariffs=services.tariffs_on(db, regency_today()),
        can={
            p.split(".")[1]: actor.can(p, hospital)
            for p in (perm.REGISTRATION, perm.CHARGE, perm.CASHIER, perm.CASEMIX, perm.MEDICAL_DATA)
        },
    )
    db.commit()
    return page


def _back(number: str, message: str) -> Any:
    get_session().commit()
    flash(message, "info")
    return redirect(url_for("rsud.encounter", number=number))


@bp.route("/encounters/<string:number>/charges", methods=["POST"])
@login_required
def post_charge(number: str) -> Any:
    form = request.form
    day = form.get("service_date") or None
    services.post_charge(
        get_session(),
        _actor(),
        number,
        service_code=form.get("service_code", "")[:30],
        quantity=_int(form.get("quantity") or "1", _("The quantity")),
        unit=form.get("unit", "")[:20],
        performed_by=form.get("performed_by", "")[:120],
        service_date=date.fromisoformat(day) if day else None,
    )
    return _back(number, _("Charge posted."))


@bp.route("/charges/<id:charge_id>/reverse", methods=["POST"])
@login_required
def reverse_charge(charge_id: int) -> Any:
    reversal = services.reverse_charge(
        get_session(), _actor(), charge_id, reason=request.form.get("reason", "")[:200]
    )
    return _back(reversal.encounter.number, _("Charge reversed."))


@bp.route("/encounters/<string:number>/transfer", methods=["POST"])
@login_required
def transfer(number: str) -> Any:
    bed = request.form.get("bed", "")
    ward_code, _sep, bed_code = bed.partition("|")
    services.transfer(
        get_session(),
        _actor(),
        number,
        ward_code=ward_code[:20],
        bed_code=bed_code[:20],
        at=_moment(request.form.get("at")),
    )
    return _back(number, _("Patient moved."))


@bp.route("/encounters/<string:number>/discharge", methods=["POST"])
@login_required
def discharge(number: str) -> Any:
    form = request.form
    services.discharge(
        get_session(),
        _actor(),
        number,
        status=form.get("status", "")[:20],
        at=_moment(form.get("at")),
        room_released_at=_moment(form.get("room_released_at")),
    )
    return _back(number, _("Patient discharged; the bed is being cleaned."))


@bp.route("/encounters/<string:number>/claim", methods=["POST"])
@login_required
def record_claim(number: str) -> Any:
    form = request.form
    money = {
        k: _int(form.get(k) or "0", k)
        for k in (
            "cbg_amount",
            "subacute_amount",
            "chronic_amount",
            "add_payment",
            "cbg_class1_amount",
            "cbg_upgraded_amount",
            "upgrade_days",
        )
    }
    services.record_claim(
        get_session(),
        _actor(),
        number,
        sep_number=form.get("sep_number", "")[:30],
        inacbg_code=form.get("inacbg_code", "")[:20].strip().upper(),
        upgrade_class=form.get("upgrade_class", "")[:4],
        upgrade_payer=form.get("upgrade_payer", "")[:24],
        status=form.get("status", "draft")[:10],
        **money,
    )
    return _back(number, _("Claim recorded."))


@bp.route("/encounters/<string:number>/diagnoses", methods=["POST"])
@login_required
def set_diagnoses(number: str) -> Any:
    codes = request.form.get("codes", "")[:200].replace(";", ",").split(",")
    services.set_diagnoses(get_session(), _actor(), number, codes)
    return _back(number, _("Diagnoses recorded."))


@bp.route("/encounters/<string:number>/deposits", methods=["POST"])
@login_required
def take_deposit(number: str) -> Any:
    deposit = services.take_deposit(
        get_session(), _actor(), number, amount=_int(request.form.get("amount"), _("The deposit"))
    )
    return _back(
        number, _("Deposit invoice %(n)s: pay it at the cashier.", n=deposit.invoice_number)
    )


@bp.route("/encounters/<string:number>/settle", methods=["POST"])
@login_required
def settle(number: str) -> Any:
    bill = services.settle_bill(get_session(), _actor(), number)
    get_session().commit()
    if bill.invoice_number:
        flash(
            _("Invoice %(n)s issued: take the payment at the cashier.", n=bill.invoice_number),
            "info",
        )
        return redirect(url_for("billing.cashier", invoice=bill.invoice_number))
    flash(_("Nothing for the patient to pay."), "info")
    return redirect(url_for("rsud.encounter", number=number))


@bp.route("/encounters/<string:number>/refunds", methods=["POST"])
@login_required
def request_refund(number: str) -> Any:
    bill = services.request_deposit_refund(
        get_session(), _actor(), number, reason=request.form.get("reason", "")[:300]
    )
    return _back(
        number,
        _(
            "Refund of %(amount)s asked: a billing supervisor approves it.",
            amount=rupiah(bill.refund_pending),
        ),
    )


@bp.route("/cashier")
@login_required
def cashier_desk() -> Any:
    """Discharged patients waiting at the cashier: a share to invoice or a deposit to refund."""
    _allowed(perm.CASHIER)
    rows = services.cashier_queue(get_session(), _actor())
    return render_template("rsud/cashier.html", rows=rows)


@bp.route("/beds")
@login_required
def beds() -> Any:
    """The bed board of a hospital."""
    _allowed(*perm.READ)
    code = _hospital(perm.REGISTRATION if _actor().can(perm.REGISTRATION) else perm.REPORT)
    board = services.bed_board(get_session(), _actor(), code)
    unit = get_unit(get_session(), code)
    can_ready = _actor().can(perm.REGISTRATION, unit) or _actor().can(perm.ADMIN, unit)
    return render_template("rsud/beds.html", board=board, hospital=code, can_ready=can_ready)


@bp.route("/beds/ready", methods=["POST"])
@login_required
def bed_ready() -> Any:
    """A cleaned bed is free again."""
    form = request.form
    hospital = form.get("hospital", "")[:40]
    ward_code, _sep, bed_code = form.get("bed", "").partition("|")
    services.bed_ready(get_session(), _actor(), hospital, ward_code[:20], bed_code[:20])
    get_session().commit()
    flash(_("Bed %(bed)s is free.", bed=bed_code[:20]), "info")
    return redirect(url_for("rsud.beds", hospital=hospital))


@bp.route("/indicators")
@login_required
def indicators_page() -> Any:
    """A month's indicators beside the Depkes ideal ranges, and the year's revenue."""
    _allowed(perm.REPORT)
    code = _hospital(perm.REPORT)
    month_text = request.args.get("month", "")[:7]
    try:
        # Without a month: the last complete one (the current month has barely begun).
        month = (
            date.fromisoformat(f"{month_text}-01")
            if month_text
            else regency_today().replace(day=1) - timedelta(days=1)
        )
    except ValueError:
        raise InvalidInput(_("A month is written YYYY-MM."), slug="invalid-month") from None
    if not 1990 <= month.year <= 2100:
        raise InvalidInput(_("A month is written YYYY-MM."), slug="invalid-month")
    db = get_session()
    report = services.indicator_report(db, _actor(), code, month)
    revenue = services.revenue_report(db, _actor(), code, month.year)
    return render_template(
        "rsud/indicators.html",
        report=report,
        revenue=revenue,
        packages=services.package_vs_cost(db, _actor(), code, month.year),
        hospital=code,
        month=month.strftime("%Y-%m"),
        ideal=IDEAL_RANGES,
        in_range=in_ideal_range,
    )


# --- the tariff master (rsud.admin) ---------------------------------------------------------------


def _date(value: str | None, what: str, *, required: bool = True) -> date | None:
    if not value and not required:
        return None
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        raise InvalidInput(
            _("%(what)s is a date written YYYY-MM-DD.", what=what), slug="invalid-date"
        ) from None


def _prices(form: Any) -> dict[str, int]:
    return {
        "jasa_sarana": _int(form.get("jasa_sarana") or "0", _("Jasa sarana")),
        "jasa_medis": _int(form.get("jasa_medis") or "0", _("Jasa medis")),
        "jasa_paramedis": _int(form.get("jasa_paramedis") or "0", _("Jasa paramedis")),
    }


@bp.route("/decrees")
@login_required
def decrees() -> Any:
    """The tariff decrees: which is in force, which charges used, which may still change."""
    _allowed(perm.ADMIN)
    code = _hospital(perm.ADMIN)
    rows = tariffs.decrees(get_session(), _actor(), code)
    return render_template("rsud/decrees.html", rows=rows, hospital=code, today=regency_today())


@bp.route("/decrees", methods=["POST"])
@login_required
def new_decree() -> Any:
    form = request.form
    copy_from = form.get("copy_from", "")[:9]
    row = tariffs.new_decree(
        get_session(),
        _actor(),
        hospital_code=form.get("hospital", "")[:40],
        number=form.get("number", "")[:80],
        basis=form.get("basis", "")[:10],
        valid_from=_date(form.get("valid_from"), _("Valid from")),
        valid_until=_date(form.get("valid_until"), _("Valid until"), required=False),
        copy_from=int(copy_from) if copy_from.isdigit() else None,
    )
    get_session().commit()
    flash(_("Decree %(n)s recorded with %(k)d items.", n=row.decree.number, k=row.items), "info")
    return redirect(
        url_for("rsud.decree", decree_id=row.decree.id, hospital=form.get("hospital", "")[:40])
    )


@bp.route("/decrees/<id:decree_id>")
@login_required
def decree(decree_id: int) -> Any:
    """A decree's prices; editable before it is in force and while no charge used it."""
    _allowed(perm.ADMIN)
    code = _hospital(perm.ADMIN)
    row, items = tariffs.get_decree(get_session(), _actor(), code, decree_id)
    return render_template(
        "rsud/decree.html",
        row=row,
        items=items,
        hospital=code,
        units=UNITS,
        classes=[*services.classes(), "-"],
        pers=TARIFF_PER,
        buckets=BUCKETS,
    )


@bp.route("/tariffs/<id:tariff_id>", methods=["POST"])
@login_required
def update_tariff(tariff_id: int) -> Any:
    form = request.form
    code = form.get("hospital", "")[:40]
    tariff = tariffs.update_tariff(
        get_session(), _actor(), hospital_code=code, tariff_id=tariff_id, **_prices(form)
    )
    get_session().commit()
    flash(_("Prices of %(s)s (%(k)s) saved.", s=tariff.name, k=tariff.klass), "info")
    return redirect(url_for("rsud.decree", decree_id=tariff.decree_id, hospital=code))


@bp.route("/decrees/<id:decree_id>/tariffs", methods=["POST"])
@login_required
def add_tariff(decree_id: int) -> Any:
    form = request.form
    code = form.get("hospital", "")[:40]
    tariffs.add_item(
        get_session(),
        _actor(),
        hospital_code=code,
        decree_id=decree_id,
        service_code=form.get("service_code", "")[:30],
        name=form.get("name", "")[:160],
        unit=form.get("unit", "")[:20],
        klass=form.get("klass", "")[:4],
        per=form.get("per", "action")[:8],
        bucket=form.get("bucket", BUCKETS[0])[:30],
        **_prices(form),
    )
    get_session().commit()
    flash(_("Item added."), "info")
    return redirect(url_for("rsud.decree", decree_id=decree_id, hospital=code))

"""REST: ``/api/v1/rsud``: registration, stays, charges, claims, bills, bed board, reports.

Every operation takes a bearer token; permissions are checked in the
services at the hospital's unit. Diagnoses have their own endpoint
(``rsud.medical_data``, every read audited). Errors are problem+json.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pamong.plugin import BEARER, ApiBlueprint, api_actor, get_session, token_required
from pamong_plugins.rsud import fhir, services, tariffs
from pamong_plugins.rsud.schemas import (
    RsudBillSchema,
    RsudChargeCreateSchema,
    RsudChargeSchema,
    RsudClaimInSchema,
    RsudClaimSchema,
    RsudDecreeCreateSchema,
    RsudDecreeDetailSchema,
    RsudDecreeSchema,
    RsudDepositCreateSchema,
    RsudDepositSchema,
    RsudDiagnosesSchema,
    RsudDischargeSchema,
    RsudEncounterCreateSchema,
    RsudEncounterSchema,
    RsudHospitalArgs,
    RsudIndicatorReportSchema,
    RsudMonthArgs,
    RsudPatientCreateSchema,
    RsudPatientSchema,
    RsudRefundCreateSchema,
    RsudRevenueSchema,
    RsudReverseSchema,
    RsudTariffCreateSchema,
    RsudTariffPricesSchema,
    RsudTariffSchema,
    RsudTransferSchema,
    RsudWardBoardSchema,
    RsudYearArgs,
)

blp = ApiBlueprint(
    "rsud_api", __name__, description="RSUD: patients, stays, charges, BPJS claims, bills"
)


def _commit(result: Any) -> Any:
    get_session().commit()
    return result


@blp.route("/patients", methods=["POST"])
@token_required
@blp.arguments(RsudPatientCreateSchema)
@blp.response(201, RsudPatientSchema)
@blp.doc(security=BEARER)
def register_patient(data: dict[str, Any]):
    """Register a patient (No. RM); a resident's NIK links the core's record."""
    return _commit(services.register_patient(get_session(), api_actor(), **data))


@blp.route("/patients/<string:mrn>")
@token_required
@blp.response(200, RsudPatientSchema)
@blp.doc(security=BEARER)
def get_patient(mrn: str):
    """One patient by No. RM (the read is audited; the NIK is masked)."""
    return _commit(services.get_patient(get_session(), api_actor(), mrn))


@blp.route("/encounters", methods=["POST"])
@token_required
@blp.arguments(RsudEncounterCreateSchema)
@blp.response(201, RsudEncounterSchema)
@blp.doc(security=BEARER)
def open_encounter(data: dict[str, Any]):
    """An outpatient or emergency visit, or an admission to a bed."""
    return _commit(services.open_encounter(get_session(), api_actor(), **data))


@blp.route("/encounters/<string:number>")
@token_required
@blp.response(200, RsudEncounterSchema)
@blp.doc(security=BEARER)
def get_encounter(number: str):
    """One encounter with its room segments (no diagnoses)."""
    return services.get_encounter(get_session(), api_actor(), number)


@blp.route("/encounters/<string:number>/transfer", methods=["POST"])
@token_required
@blp.arguments(RsudTransferSchema)
@blp.response(200, RsudEncounterSchema)
@blp.doc(security=BEARER)
def transfer(data: dict[str, Any], number: str):
    """Move an inpatient to another bed, ward or class."""
    return _commit(services.transfer(get_session(), api_actor(), number, **data))


@blp.route("/encounters/<string:number>/discharge", methods=["POST"])
@token_required
@blp.arguments(RsudDischargeSchema)
@blp.response(200, RsudEncounterSchema)
@blp.doc(security=BEARER)
def discharge(data: dict[str, Any], number: str):
    """Discharge: room days are charged, the bed goes to cleaning, charges stop."""
    return _commit(services.discharge(get_session(), api_actor(), number, **data))


@blp.route("/encounters/<string:number>/charges", methods=["POST"])
@token_required
@blp.arguments(RsudChargeCreateSchema)
@blp.response(201, RsudChargeSchema)
@blp.doc(security=BEARER)
def post_charge(data: dict[str, Any], number: str):
    """Post a service at the tariff in force on its date (refused on a closed encounter)."""
    return _commit(services.post_charge(get_session(), api_actor(), number, **data))


@blp.route("/charges/<id:charge_id>/reverse", methods=["POST"])
@token_required
@blp.arguments(RsudReverseSchema)
@blp.response(201, RsudChargeSchema)
@blp.doc(security=BEARER)
def reverse_charge(data: dict[str, Any], charge_id: int):
    """Correct a charge by its reversal (the original stays; once per charge)."""
    return _commit(services.reverse_charge(get_session(), api_actor(), charge_id, **data))


@blp.route("/encounters/<string:number>/bill")
@token_required
@blp.response(200, RsudBillSchema)
@blp.doc(security=BEARER)
def bill(number: str):
    """The interim bill of an open encounter, or the final one after discharge."""
    return services.interim_bill(get_session(), api_actor(), number)


@blp.route("/encounters/<string:number>/settle", methods=["POST"])
@token_required
@blp.response(200, RsudBillSchema)
@blp.doc(security=BEARER)
def settle(number: str):
    """Turn the patient's share into a billing invoice (twice: the same invoice)."""
    return _commit(services.settle_bill(get_session(), api_actor(), number))


@blp.route("/encounters/<string:number>/deposits", methods=["POST"])
@token_required
@blp.arguments(RsudDepositCreateSchema)
@blp.response(201, RsudDepositSchema)
@blp.doc(security=BEARER)
def take_deposit(data: dict[str, Any], number: str):
    """A self-pay deposit: an invoice of the billing plugin paid at the cashier."""
    return _commit(services.take_deposit(get_session(), api_actor(), number, **data))


@blp.route("/encounters/<string:number>/refunds", methods=["POST"])
@token_required
@blp.arguments(RsudRefundCreateSchema)
@blp.response(201, RsudBillSchema)
@blp.doc(security=BEARER)
def request_refund(data: dict[str, Any], number: str):
    """Ask billing to pay back the unused deposit; a billing supervisor approves it."""
    return _commit(services.request_deposit_refund(get_session(), api_actor(), number, **data))


@blp.route("/encounters/<string:number>/claim", methods=["PUT"])
@token_required
@blp.arguments(RsudClaimInSchema)
@blp.response(200, RsudClaimSchema)
@blp.doc(security=BEARER)
def record_claim(data: dict[str, Any], number: str):
    """Record the E-Klaim grouper's result: SEP, INA-CBG code, amounts, class upgrade."""
    return _commit(services.record_claim(get_session(), api_actor(), number, **data))


@blp.route("/encounters/<string:number>/diagnoses")
@token_required
@blp.response(200, RsudDiagnosesSchema)
@blp.doc(security=BEARER)
def read_diagnoses(number: str):
    """ICD-10 codes (specific personal data: ``rsud.medical_data``; every read audited)."""
    return _commit({"codes": services.read_diagnoses(get_session(), api_actor(), number)})


@blp.route("/encounters/<string:number>/diagnoses", methods=["PUT"])
@token_required
@blp.arguments(RsudDiagnosesSchema)
@blp.response(200, RsudDiagnosesSchema)
@blp.doc(security=BEARER)
def set_diagnoses(data: dict[str, Any], number: str):
    """Record ICD-10 codes (format-checked)."""
    return _commit(
        {"codes": services.set_diagnoses(get_session(), api_actor(), number, data["codes"])}
    )


@blp.route("/encounters/<string:number>/fhir")
@token_required
@blp.doc(security=BEARER)
def fhir_bundle(number: str):
    """The encounter and its claim as a FHIR R4 bundle (for a SATUSEHAT or claim adapter)."""
    session = get_session()
    body = fhir.encounter_bundle(session, api_actor(), number)
    session.commit()
    return body


@blp.route("/beds")
@token_required
@blp.arguments(RsudHospitalArgs, location="query")
@blp.response(200, RsudWardBoardSchema(many=True))
@blp.doc(security=BEARER)
def beds(args: dict[str, Any]):
    """The bed board: per ward, free, occupied and cleaning beds."""
    return services.bed_board(get_session(), api_actor(), args["hospital"])


@blp.route("/reports/indicators")
@token_required
@blp.arguments(RsudMonthArgs, location="query")
@blp.response(200, RsudIndicatorReportSchema)
@blp.doc(security=BEARER)
def indicators(args: dict[str, Any]):
    """BOR, ALOS, TOI, BTO, GDR and NDR of a month per ward and for the hospital."""
    month = date.fromisoformat(args["month"] + "-01")
    return services.indicator_report(get_session(), api_actor(), args["hospital"], month)


@blp.route("/reports/revenue")
@token_required
@blp.arguments(RsudYearArgs, location="query")
@blp.response(200, RsudRevenueSchema)
@blp.doc(security=BEARER)
def revenue(args: dict[str, Any]):
    """Revenue of a year by payer, class, unit and month; jasa medis per doctor and month."""
    return services.revenue_report(get_session(), api_actor(), args["hospital"], args["year"])


@blp.route("/decrees")
@token_required
@blp.arguments(RsudHospitalArgs, location="query")
@blp.response(200, RsudDecreeSchema(many=True))
@blp.doc(security=BEARER)
def list_decrees(args: dict[str, Any]):
    """The tariff decrees, newest first: in force, used by charges, still editable."""
    return tariffs.decrees(get_session(), api_actor(), args["hospital"])


@blp.route("/decrees", methods=["POST"])
@token_required
@blp.arguments(RsudDecreeCreateSchema)
@blp.response(201, RsudDecreeSchema)
@blp.doc(security=BEARER)
def new_decree(data: dict[str, Any]):
    """A new dated decree with a copy of the previous one's items (overlaps refused)."""
    return _commit(tariffs.new_decree(get_session(), api_actor(), **data))


@blp.route("/decrees/<id:decree_id>")
@token_required
@blp.arguments(RsudHospitalArgs, location="query")
@blp.response(200, RsudDecreeDetailSchema)
@blp.doc(security=BEARER)
def decree(args: dict[str, Any], decree_id: int):
    """A decree and its prices per service and class."""
    row, items = tariffs.get_decree(get_session(), api_actor(), args["hospital"], decree_id)
    return {"decree": row, "tariffs": items}


@blp.route("/decrees/<id:decree_id>/tariffs", methods=["POST"])
@token_required
@blp.arguments(RsudTariffCreateSchema)
@blp.response(201, RsudTariffSchema)
@blp.doc(security=BEARER)
def add_tariff(data: dict[str, Any], decree_id: int):
    """A new item in a decree not yet in force."""
    return _commit(tariffs.add_item(get_session(), api_actor(), decree_id=decree_id, **data))


@blp.route("/tariffs/<id:tariff_id>", methods=["PUT"])
@token_required
@blp.arguments(RsudTariffPricesSchema)
@blp.response(200, RsudTariffSchema)
@blp.doc(security=BEARER)
def update_tariff(data: dict[str, Any], tariff_id: int):
    """New prices of an item of a decree not yet in force and never used by a charge."""
    return _commit(tariffs.update_tariff(get_session(), api_actor(), tariff_id=tariff_id, **data))

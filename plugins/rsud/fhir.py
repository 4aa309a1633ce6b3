"""An encounter and its claim data as a FHIR R4 (R4B models) bundle; nothing is sent.

A SATUSEHAT or claim adapter plugin asks for the bundle (the API, or
:func:`encounter_bundle`) and sends it itself, and is told of each export
through the ``pamong_rsud_bundle_exported`` hook. Diagnoses go in only for
a holder of ``rsud.medical_data`` (read audited); the NIK only with the
registration or casemix right.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pamong.plugin import Actor, hook_relay, utcnow
from pamong_plugins.rsud import permissions as perm
from pamong_plugins.rsud import services
from pamong_plugins.rsud.models import RsudEncounter

NIK_SYSTEM = "https://fhir.kemkes.go.id/id/nik"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLASS_CODES = {
    "outpatient": ("AMB", "ambulatory"),
    "emergency": ("EMER", "emergency"),
    "inpatient": ("IMP", "inpatient encounter"),
}
#: The Encounter's serviceType of a visit to the executive clinic (poli eksekutif),
#: whose cost above the package the JKN patient pays (capped): E-Klaim must know it.
EXECUTIVE_SERVICE = {
    "coding": [
        {"system": "urn:pamong:rsud:service", "code": "executive", "display": "executive clinic"}
    ],
    "text": "Poli eksekutif",
}
DISPOSITION = {
    "home": "home",
    "referred": "other-hcf",
    "died_before_48h": "exp",
    "died_after_48h": "exp",
    "own_request": "aadvice",
}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def build_bundle(
    encounter: RsudEncounter,
    claim: Any,
    bill: services.Bill,
    *,
    diagnoses: list[str],
    with_nik: bool,
) -> dict[str, Any]:
    """The bundle as a dict, validated against the R4B models (pydantic) before it is returned."""
    patient = encounter.patient
    pid, eid = f"Patient/{patient.mrn}", f"Encounter/{encounter.number}"
    identifiers = [{"system": "urn:pamong:rsud:mrn", "value": patient.mrn}]
    if with_nik and patient.nik:
        identifiers.append({"system": NIK_SYSTEM, "value": patient.nik})
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"urn:pamong:{pid}",
            "resource": {
                "resourceType": "Patient",
                "id": patient.mrn,
                "identifier": identifiers,
                "name": [{"text": patient.name}],
                "gender": {"M": "male", "F": "female"}.get(patient.sex, "unknown"),
                **({"birthDate": patient.birth_date.isoformat()} if patient.birth_date else {}),
            },
        }
    ]
    code, display = CLASS_CODES[encounter.kind]
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": encounter.number,
        "identifier": [{"system": "urn:pamong:rsud:encounter", "value": encounter.number}],
        "status": "finished" if encounter.status == "closed" else "in-progress",
        "class": {"system": ACT_CODE, "code": code, "display": display},
        "subject": {"reference": pid},
        "period": {
            "start": _iso(encounter.admitted_at),
            **({"end": _iso(encounter.discharged_at)} if encounter.discharged_at else {}),
        },
        "serviceProvider": {"display": encounter.hospital.name},
    }
    if encounter.executive:
        resource["serviceType"] = EXECUTIVE_SERVICE
    if encounter.discharge_status:
        resource["hospitalization"] = {
            "dischargeDisposition": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition",
                        "code": DISPOSITION[encounter.discharge_status],
                    }
                ]
            }
        }
    if encounter.segments:
        resource["location"] = [
            {
                "location": {"display": f"{s.ward.name} {s.bed.code}"},
                "period": {
                    "start": _iso(s.start_at),
                    **({"end": _iso(s.end_at)} if s.end_at else {}),
                },
            }
            for s in encounter.segments
        ]
    entries.append({"fullUrl": f"urn:pamong:{eid}", "resource": resource})
    for n, icd in enumerate(diagnoses, 1):
        entries.append(
            {
                "fullUrl": f"urn:pamong:Condition/{encounter.number}-{n}",
                "resource": {
                    "resourceType": "Condition",
                    "id": f"{encounter.number}-{n}",
                    "code": {"coding": [{"system": ICD10_SYSTEM, "code": icd}]},
                    "subject": {"reference": pid},
                    "encounter": {"reference": eid},
                },
            }
        )
    if encounter.payer == "bpjs":
        entries.append(
            {
                "fullUrl": f"urn:pamong:Coverage/{patient.mrn}",
                "resource": {
                    "resourceType": "Coverage",
                    "id": patient.mrn,
                    "status": "active",
                    "beneficiary": {"reference": pid},
                    "subscriberId": patient.bpjs_number or "",
                    "payor": [{"display": "BPJS Kesehatan"}],
                    "class": [
                        {
                            "type": {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                                        "code": "class",
                                    }
                                ]
                            },
                            "value": encounter.entitled_class or "-",
                        }
                    ],
                },
            }
        )
        claim_resource: dict[str, Any] = {
            "resourceType": "Claim",
            "id": encounter.number,
            "identifier": [{"system": "urn:bpjs:sep", "value": encounter.sep_number or "-"}],
            "status": "active",
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                        "code": "institutional",
                    }
                ]
            },
            "use": "claim",
            "patient": {"reference": pid},
            "created": _iso(utcnow()),
            "provider": {"display": encounter.hospital.name},
            "priority": {"coding": [{"code": "normal"}]},
            "insurance": [
                {"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/{patient.mrn}"}}
            ],
            "item": [
                {
                    "sequence": n,
                    "productOrService": {"text": unit},
                    "encounter": [{"reference": eid}],
                    "net": {"value": amount, "currency": "IDR"},
                }
                for n, (unit, amount) in enumerate(sorted(bill.by_bucket.items()), 1)
            ],
            "total": {"value": bill.real_cost, "currency": "IDR"},
        }
        if claim is not None and claim.inacbg_code:
            claim_resource["diagnosis"] = [
                {
                    "sequence": 1,
                    "packageCode": {
                        "coding": [{"system": "urn:kemenkes:ina-cbg", "code": claim.inacbg_code}]
                    },
                    "diagnosisCodeableConcept": {"text": "INA-CBG"},
                }
            ]
        entries.append(
            {"fullUrl": f"urn:pamong:Claim/{encounter.number}", "resource": claim_resource}
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _iso(utcnow()),
        "entry": entries,
    }
    from fhir.resources.R4B.bundle import Bundle  # 0.1 s to import: on the first export

    Bundle.model_validate(bundle)  # raises when a resource breaks the R4B models
    return bundle


def encounter_bundle(session: Session, actor: Actor, number: str) -> dict[str, Any]:
    """Export one encounter for an adapter (``rsud.casemix`` or ``rsud.medical_data``)."""
    encounter = services.get_encounter(session, actor, number)
    services._require(actor, (perm.CASEMIX, perm.MEDICAL_DATA), encounter.hospital)
    medical = actor.can(perm.MEDICAL_DATA, encounter.hospital)
    diagnoses = services.read_diagnoses(session, actor, number) if medical else []
    if not medical:
        services.record_personal_read(
            session,
            actor,
            subject=encounter,
            resident=encounter.patient.nik or None,
            unit=encounter.hospital,
            purpose="rsud.fhir",
            fields=("nik", "name"),
        )
    bill = services.compute_bill(session, encounter)
    bundle = build_bundle(
        encounter, services.claim_of(session, encounter), bill, diagnoses=diagnoses, with_nik=True
    )
    hook_relay(session).pamong_rsud_bundle_exported(
        bundle=bundle, encounter_number=encounter.number, session=session
    )
    return bundle

"""Registration: one No. RM per person, residents linked by NIK, BPJS cards checked."""

from __future__ import annotations

from datetime import date

import pytest
from rsud_testing import HOSPITAL, OTHER
from sqlalchemy import select

from pamong.plugin import Conflict, InvalidInput, NotFound

pytestmark = pytest.mark.pamong_plugins("billing", "rsud")


def _register(db, actor, **data):
    from pamong_plugins.rsud import services

    with db.transaction() as session:
        p = services.register_patient(session, actor, hospital_code=HOSPITAL, **data)
        return p.mrn, p.resident_id, p.nik_verified, p.name


def test_a_resident_is_linked_by_nik_without_a_second_identity(db, person, hospital, make_resident):
    from pamong.audit.models import AuditEntry

    resident = make_resident(name="Siti Aminah", sex="F", birth_date=date(1985, 3, 4))
    desk = person("rsud_registration")
    _mrn, resident_id, verified, name = _register(db, desk, nik=resident.nik)
    assert resident_id == resident.id and verified and name == "Siti Aminah"
    with db.transaction() as session:
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.actor_id == desk.user_id, AuditEntry.subject_nik == resident.nik
            )
        ).all()
        assert any("rsud.registration" in str(r.detail) for r in reads)


def test_an_out_of_regency_nik_is_kept_unverified(db, person, hospital):
    mrn, resident_id, verified, _name = _register(
        db, person(), nik="3201014203900007", name="Dewi Lestari", sex="F"
    )
    assert resident_id is None and not verified and len(mrn) == 8


def test_one_medical_record_number_per_person(db, person, hospital):
    desk = person()
    first = _register(db, desk, nik="3201014203900007", name="Dewi", sex="F")[0]
    with pytest.raises(Conflict) as raised:
        _register(db, desk, nik="3201014203900007", name="Dewi", sex="F")
    assert raised.value.extra["mrn"] == first


def test_numbers_are_never_reused(db, person, hospital):
    desk = person()
    numbers = [_register(db, desk, name=f"P{n}", sex="M")[0] for n in range(3)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


@pytest.mark.parametrize("card", ["000123456789", "00012345678901", "00012345678AB"])
def test_a_bpjs_card_has_thirteen_digits(db, person, hospital, card):
    with pytest.raises(InvalidInput) as raised:
        _register(
            db, person(), name="Budi", sex="M", payer="bpjs", bpjs_number=card, bpjs_class="III"
        )
    assert raised.value.slug == "invalid-bpjs-number"


def test_a_bpjs_card_is_registered_once(db, person, hospital):
    data = {
        "name": "Budi",
        "sex": "M",
        "payer": "bpjs",
        "bpjs_number": "0001234567890",
        "bpjs_class": "II",
    }
    _register(db, person(), **data)
    with pytest.raises(Conflict):
        _register(db, person(), **{**data, "name": "Budi S"})


def test_an_invalid_nik_is_refused(db, person, hospital):
    with pytest.raises(InvalidInput):
        _register(db, person(), nik="3314010000000000", name="X", sex="M")


def test_staff_of_another_unit_neither_registers_nor_sees(db, person, hospital, patient):
    from pamong.plugin import Forbidden
    from pamong_plugins.rsud import services

    mrn = patient()
    stranger = person("rsud_registration", OTHER)
    with pytest.raises(Forbidden):
        _register(db, stranger, name="X", sex="M")
    with db.transaction() as session, pytest.raises(NotFound):
        services.get_patient(session, stranger, mrn)

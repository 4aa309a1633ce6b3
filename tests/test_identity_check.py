"""The registry adapter hook: the core's local check, and a plugin's answer winning."""

from __future__ import annotations

import pytest

from pamong.identity.services import LOCAL_REGISTRY, verify_identity


def test_local_check_accepts_a_living_resident(app, make_resident, db_session):
    resident = db_session.merge(make_resident())
    check = verify_identity(db_session, resident)
    assert (check.source, check.ok, check.problems) == (LOCAL_REGISTRY, True, ())


def test_local_check_refuses_someone_who_moved_out(app, make_resident, db_session):
    resident = db_session.merge(make_resident(status="moved_out"))
    check = verify_identity(db_session, resident)
    assert not check.ok
    assert check.problems == ("The resident has moved out or died.",)


def test_local_check_passes_nik_warnings_on(app, make_resident, db_session):
    resident = db_session.merge(make_resident())
    resident.nik_issues = ["birth_date_mismatch"]
    check = verify_identity(db_session, resident)
    assert check.ok
    assert "The birth date in the NIK differs from the recorded birth date." in check.warnings


@pytest.mark.pamong_plugins("example")
def test_a_plugin_adapter_answers_before_the_core(app, make_resident, db_session):
    blocked, other = make_resident(nik="3314015208909999", sex="F"), make_resident()
    check = verify_identity(db_session, db_session.merge(blocked))
    assert (check.source, check.ok) == ("example registry", False)
    # The example adapter returns None for other NIKs: the core answers.
    assert verify_identity(db_session, db_session.merge(other)).source == LOCAL_REGISTRY

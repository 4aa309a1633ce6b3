"""Arrears by age (0-30, 31-60, 61-90, >90 days past due) per desa and group, and the exports."""

from __future__ import annotations

from datetime import date

import pytest
from pdam_testing import KEDEN, PLUPUH_DESA, REGENCY

from pamong.plugin import Actor, InvalidInput

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")
SYSTEM = Actor.system("test")
BILLED_ON = date(2026, 11, 30)
API = "/api/v1/pdam"


@pytest.fixture
def billed(db, connection, read):
    """Two R2 connections in two desa and one NB, billed for 2026-09 and 2026-10."""
    from pamong_plugins.pdam import services

    numbers = [connection(), connection(desa=PLUPUH_DESA), connection(group="NB")]
    for number in numbers:
        for period, value in (("2026-08", 100), ("2026-09", 110), ("2026-10", 125)):
            read(number, period, value)
    with db.transaction() as session:
        for period in ("2026-09", "2026-10"):
            services.bill_run(session, SYSTEM, period, today=BILLED_ON)
    return numbers


def _ageing(db, today, by="desa"):
    from pamong_plugins.pdam import services

    with db.transaction() as session:
        return services.arrears_ageing(session, SYSTEM, today, by=by)


def test_overdue_bills_fall_in_their_age_bucket(db, billed):
    from sqlalchemy import select

    from pamong_plugins.billing import services as billing
    from pamong_plugins.pdam.models import PdamBill

    assert _ageing(db, date(2026, 10, 20)) == []  # nothing is past its due date yet
    # 2026-09 is due 2026-10-20 (77 days before), 2026-10 is due 2026-11-20 (46 days)
    rows = {r["key"]: r for r in _ageing(db, date(2027, 1, 5))}
    assert set(rows) == {KEDEN, PLUPUH_DESA, "*"}
    keden, whole = rows[KEDEN], rows["*"]
    assert keden["connections"] == 2 and keden["d0_30"] == keden["d90_plus"] == 0
    assert keden["d61_90"] > 0 and keden["d31_60"] > 0
    assert keden["total"] == keden["d31_60"] + keden["d61_90"]
    assert whole["total"] == sum(r["total"] for k, r in rows.items() if k != "*")
    assert whole["connections"] == 3
    with db.transaction() as session:
        invoices = list(session.scalars(select(PdamBill.invoice_number)))
        owed = sum(i.outstanding for i in billing.invoice_statuses(session, invoices).values())
    assert whole["total"] == owed
    later = {r["key"]: r for r in _ageing(db, date(2027, 2, 20))}["*"]
    assert later["d90_plus"] > 0 and later["total"] == whole["total"]
    groups = [r["key"] for r in _ageing(db, date(2027, 1, 5), by="group")]
    assert sorted(groups[:-1]) == ["NB", "R2"] and groups[-1] == "*"


def test_a_bad_grouping_is_refused(db, seeded):
    with pytest.raises(InvalidInput):
        _ageing(db, date(2027, 1, 5), by="kecamatan")


def test_the_api_and_the_exports(client, bearer, login_as, billed):
    report = bearer("pdam_report", REGENCY)
    rows = client.get(f"{API}/reports/arrears-ageing?by=group", headers=report)
    assert rows.status_code == 200 and rows.json[-1]["key"] == "*"
    bad = client.get(f"{API}/reports/arrears-ageing?by=kecamatan", headers=report)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    login_as("pdam_report", REGENCY)
    page = client.get("/pdam/reports?by=group").get_data(as_text=True)
    assert "<svg" in page and "Tunggakan menurut umur" in page
    excel = client.get("/pdam/reports?export=ageing&fmt=xlsx")
    assert excel.status_code == 200 and excel.data[:2] == b"PK"  # an xlsx is a zip
    bills = client.get("/pdam/reports?export=bills&period=2026-10")
    text = bills.get_data(as_text=True)
    assert bills.mimetype == "text/csv" and all(n in text for n in billed)
    assert client.get("/pdam/reports?export=bills&fmt=pdf").status_code == 404
    assert client.get("/pdam/reports?export=bills&period=2026-13").status_code == 404


def test_household_use_per_person_comes_from_the_family_card(
    db, connection, read, make_resident, client, bearer
):
    from pamong_plugins.pdam import services

    kk = "3314010101260001"
    head = make_resident(name="Sri Wahyuni", kk_number=kk, sex="F")
    for n in range(3):
        make_resident(name=f"Anak {n}", kk_number=kk)
    make_resident(name="Pindah", kk_number=kk, status="moved_out")
    linked = connection(holder_nik=head.nik, holder_name="Sri Wahyuni")
    unknown = connection()  # no NIK: not in the registry
    business = connection(group="NK", holder_kind="business", holder_name="CV Maju")
    for number in (linked, unknown, business):
        for period, value in (("2026-08", 100), ("2026-09", 110), ("2026-10", 122)):
            read(number, period, value)
    with db.transaction() as session:
        services.bill_run(session, SYSTEM, "2026-10", today=BILLED_ON)
        rows = services.per_capita(session, SYSTEM, "2026-10")
    keden, whole = rows
    assert keden["desa_code"] == KEDEN and whole["desa_code"] == "*"
    # 12 m3 for 4 living people over 31 days: 96.8 litres each a day
    assert (keden["connections"], keden["linked"], keden["persons"], keden["m3"]) == (2, 1, 4, 12)
    assert keden["litres_per_person_day"] == 96.8 == whole["litres_per_person_day"]
    report = bearer("pdam_report", REGENCY)
    answer = client.get(f"{API}/reports/per-capita?period=2026-10", headers=report)
    assert answer.status_code == 200 and answer.json[0]["persons"] == 4
    assert "nik" not in answer.get_data(as_text=True).lower()
    bad = client.get(f"{API}/reports/per-capita?period=2026-13", headers=report)
    assert bad.status_code == 422
    with db.transaction() as session:
        assert services.per_capita(session, SYSTEM, "2026-07") == []

"""PDAM rules: connections and status history, decrees, readings and their checks, the bill run."""

from __future__ import annotations

from datetime import date

import pytest
from pdam_testing import KALIJAMBE, KEDEN, PLUPUH_DESA, R2
from sqlalchemy import func, select

from pamong.plugin import Actor, Conflict, Forbidden, InvalidInput, NotFound

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")
SYSTEM = Actor.system("test")
TODAY = date(2026, 11, 30)


def _services():
    from pamong_plugins.pdam import services

    return services


def test_a_connection_keeps_a_dated_status_history(db, connection, person):
    s = _services()
    number = connection()
    billing_staff = person("pdam_billing", KALIJAMBE)
    with db.transaction() as session:
        s.set_status(
            session,
            billing_staff,
            number,
            "sealed",
            reason="arrears",
            effective_on=date(2026, 5, 2),
        )
        s.set_status(
            session, billing_staff, number, "active", reason="paid", effective_on=date(2026, 5, 9)
        )
        row = s.get_connection(session, billing_staff, number)
        assert [(h.status, h.effective_on) for h in row.history] == [
            ("active", date(2025, 1, 1)),
            ("sealed", date(2026, 5, 2)),
            ("active", date(2026, 5, 9)),
        ]
        assert row.desa.code == KEDEN
        with pytest.raises(Conflict):
            s.set_status(session, billing_staff, number, "active", reason="again")


def test_a_scoped_user_never_reaches_outside_its_kecamatan(db, connection, person):
    s = _services()
    outside = connection(desa=PLUPUH_DESA)
    inside = connection()
    admin_here = person("pdam_admin", KALIJAMBE)
    reader = person("pdam_reader", KALIJAMBE)
    with db.transaction() as session:
        with pytest.raises(NotFound):
            s.get_connection(session, admin_here, outside)
        with pytest.raises(Forbidden):
            s.create_connection(
                session, admin_here, holder_name="X", desa_code=PLUPUH_DESA, group_code="R1"
            )
        numbers = [c.number for c in session.scalars(s.connections_query(admin_here))]
        assert numbers == [inside]
        with pytest.raises(NotFound):
            s.record_reading(
                session, reader, number=outside, period="2026-10", value=5, today=TODAY
            )
        with pytest.raises(Forbidden):  # a reader cannot seal
            s.set_status(session, reader, inside, "sealed", reason="x")


def test_bad_connection_input(db, seeded):
    s = _services()
    with db.transaction() as session:
        for kwargs, slug in (
            ({"desa_code": KALIJAMBE}, "unknown-desa"),  # a kecamatan, not a desa
            ({"group_code": "ZZ"}, "unknown-group"),
            ({"holder_nik": "123"}, "invalid-nik"),
            ({"meter_digits": 12}, "invalid-meter"),
        ):
            args = {"holder_name": "Sri", "desa_code": KEDEN, "group_code": "R1", **kwargs}
            with pytest.raises(InvalidInput) as caught:
                s.create_connection(session, SYSTEM, **args)
            assert caught.value.slug == slug


def test_a_new_decree_ends_the_open_one_and_overlaps_are_refused(db, seeded):
    s = _services()
    with db.transaction() as session:
        s.add_tariff(session, SYSTEM, s.TariffInput("R2", date(2017, 7, 1), R2, decree="2017"))
        rows = s.tariffs(session, "R2")
        assert [(t.valid_from, t.valid_until) for t in rows] == [
            (date(2009, 7, 1), date(2017, 6, 30)),
            (date(2017, 7, 1), None),
        ]
        with pytest.raises(Conflict) as caught:  # inside a closed period
            s.add_tariff(
                session,
                SYSTEM,
                s.TariffInput("R2", date(2012, 1, 1), R2, valid_until=date(2012, 12, 31)),
            )
        assert caught.value.slug == "tariff-overlap"
        with pytest.raises(Conflict):  # the same start as the open one
            s.add_tariff(session, SYSTEM, s.TariffInput("R2", date(2017, 7, 1), R2))
        with pytest.raises(InvalidInput):
            s.add_tariff(session, SYSTEM, s.TariffInput("R2", date(2030, 1, 1), [(10, 5), (20, 6)]))


def test_readings_and_their_checks(db, connection, read):
    number = connection()
    assert read(number, "2026-01", 100) == ("accepted", 0, "")
    for month, value in (("02", 120), ("03", 138), ("04", 160), ("05", 178), ("06", 200)):
        assert read(number, f"2026-{month}", value)[0] == "accepted"
    assert read(number, "2026-07", 190) == ("held", 0, "below-previous")
    assert read(number, "2026-07", 300) == ("held", 100, "jump")  # over 3x the 6-month average
    assert read(number, "2026-07", 220) == ("accepted", 20, "")
    assert read(number, "2026-08", 220) == ("accepted", 0, "")
    assert read(number, "2026-09", 220) == ("accepted", 0, "")
    assert read(number, "2026-10", 220) == ("held", 0, "zero-3-months")
    status, used, _problem = read(number, "2026-10", None, condition="stuck")
    assert (status, used) == ("accepted", 7)  # estimate: average of the last 3 months (20, 0, 0)


def test_rollover_reset_and_the_meter_digits(db, connection, read):
    number = connection(meter_digits=4)
    read(number, "2026-01", 9_990)
    assert read(number, "2026-02", 15) == ("held", 0, "below-previous")
    assert read(number, "2026-02", 15, rollover=True) == ("accepted", 25, "")
    assert read(number, "2026-03", 7, condition="reset") == ("accepted", 7, "")
    s = _services()
    with db.transaction() as session:
        for value, slug in (
            (10_000, "invalid-reading"),
            ("12a", "invalid-reading"),
            (-3, "invalid-reading"),
            ("", "missing-reading"),
        ):
            with pytest.raises(InvalidInput) as caught:
                s.record_reading(
                    session, SYSTEM, number=number, period="2026-04", value=value, today=TODAY
                )
            assert caught.value.slug == slug
        with pytest.raises(InvalidInput) as caught:
            s.record_reading(
                session, SYSTEM, number=number, period="2027-01", value=20, today=TODAY
            )
        assert caught.value.slug == "future-period"
        with pytest.raises(NotFound):
            s.record_reading(
                session, SYSTEM, number="nope", period="2026-04", value=20, today=TODAY
            )


def test_a_sealed_connection_reading_is_held(db, connection, read):
    number = connection()
    with db.transaction() as session:
        _services().set_status(session, SYSTEM, number, "sealed", reason="arrears")
    assert read(number, "2026-01", 5)[2] == "not-active"


def test_csv_import_reports_every_bad_row_and_imports_nothing(db, connection):
    s = _services()
    number = connection()
    text = (
        "customer_number,period,reading\n"
        f"{number},2026-01,100\n"
        f"{number},2026-02,1x0\n"
        "999,2026-02,5\n"
        f"{number},2026-03,-4\n"
    )
    with db.transaction() as session, pytest.raises(InvalidInput) as caught:
        s.import_readings(session, SYSTEM, text, today=TODAY)
    assert [e["line"] for e in caught.value.extra["errors"]] == [3, 4, 5]
    with db.transaction() as session:
        from pamong_plugins.pdam.models import PdamReading

        assert session.scalar(select(func.count()).select_from(PdamReading)) == 0
        result = s.import_readings(session, SYSTEM, text, skip_bad=True, today=TODAY)
    assert (result.imported, len(result.errors)) == (1, 3)


def test_csv_import_reads_excels_semicolons(db, connection):
    number = connection()
    text = f"customer_number;period;reading\n{number};2026-01;100\n{number};2026-02;112\n"
    with db.transaction() as session:
        result = _services().import_readings(session, SYSTEM, text, today=TODAY)
    assert (result.imported, list(result.errors)) == (2, [])


def _year(read, number, start=100, per_month=25):
    value = start
    read(number, "2026-08", value)
    for month in ("09", "10"):
        value += per_month
        read(number, f"2026-{month}", value)


def test_the_bill_run_is_idempotent_and_bills_by_block(db, connection, read):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.pdam.models import PdamBill

    s = _services()
    a, b = connection(), connection(group="NB", holder_kind="business", holder_name="CV Maju")
    _year(read, a)
    _year(read, b, per_month=5)
    with db.transaction() as session:
        first = s.bill_run(session, SYSTEM, "2026-10", today=TODAY)
    assert (first.billed, first.remaining, first.estimated) == (2, 0, 0)
    with db.transaction() as session:
        again = s.bill_run(session, SYSTEM, "2026-10", today=TODAY)
        assert again.billed == 0
        bills = {bill.connection.number: bill for bill in session.scalars(select(PdamBill))}
        assert len(bills) == 2
        info = billing.invoice_status(session, bills[a].invoice_number)
        # 25 m3 on R2 (Karanganyar): 45.500 water + 11.500 + 2.500 + 1.500 fixed
        assert (bills[a].m3, bills[a].water, info.total) == (25, 45_500, 61_000)
        assert info.source == "pdam" and info.period == "2026-10"
        # 5 m3 on NB with the 10 m3 minimum
        assert bills[b].water == 10 * 3_300


def test_the_bill_run_refuses_future_open_or_unread_months(db, connection, read):
    s = _services()
    number = connection()
    other = connection()
    _year(read, number)
    with db.transaction() as session:
        with pytest.raises(InvalidInput):
            s.bill_run(session, SYSTEM, "2027-01", today=TODAY)
        with pytest.raises(Conflict) as caught:
            s.bill_run(session, SYSTEM, "2026-11", today=TODAY)
        assert caught.value.slug == "period-open"
        with pytest.raises(Conflict) as caught:
            s.bill_run(session, SYSTEM, "2026-10", today=TODAY)
        assert caught.value.slug == "readings-open"
        result = s.bill_run(session, SYSTEM, "2026-10", today=TODAY, estimate_missing=True)
        assert (result.billed, result.estimated) == (2, 1)
    assert other


def test_the_bill_run_resumes_in_batches(db, connection, read):
    s = _services()
    numbers = [connection() for _ in range(5)]
    for number in numbers:
        _year(read, number)
    with db.transaction() as session:
        part = s.bill_run(session, SYSTEM, "2026-10", today=TODAY, batch=2, limit=2)
    assert (part.billed, part.remaining) == (2, 3)
    with db.transaction() as session:
        rest = s.bill_run(session, SYSTEM, "2026-10", today=TODAY, batch=2)
    assert (rest.billed, rest.remaining) == (3, 0)


def test_a_crashed_run_resumes_after_its_last_commit(db, connection, read):
    from pamong_plugins.billing import ledger
    from pamong_plugins.pdam.models import PdamBill

    s = _services()
    for _ in range(5):
        _year(read, connection())
    seen, commits = [], []
    with db.session() as session:

        def commit():  # the power fails before the second batch is committed
            commits.append(len(commits) + 1)
            if len(commits) == 2:
                raise RuntimeError("power cut")
            session.commit()

        with pytest.raises(RuntimeError):
            s.bill_run(
                session,
                SYSTEM,
                "2026-10",
                today=TODAY,
                batch=2,
                commit=commit,
                progress=lambda done, todo: seen.append((done, todo)),
            )
        session.rollback()
    assert seen == [(2, 5)]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(PdamBill)) == 2
        rest = s.bill_run(session, SYSTEM, "2026-10", today=TODAY, batch=2)
        assert (rest.billed, rest.skipped, rest.remaining) == (3, 0, 0)
        billed = session.scalars(select(PdamBill.connection_id)).all()
        assert len(billed) == len(set(billed)) == 5
        assert ledger.verify(session).ok


def test_a_tariff_change_inside_the_month_is_prorated(db, connection, read):
    s = _services()
    number = connection()
    _year(read, number)
    with db.transaction() as session:
        s.add_tariff(
            session,
            SYSTEM,
            s.TariffInput("R2", date(2026, 10, 16), [(10, 2_000), (None, 3_000)], minimum_m3=10),
        )
        s.bill_run(session, SYSTEM, "2026-10", today=TODAY)
        from pamong_plugins.pdam.models import PdamBill

        bill = session.scalar(select(PdamBill))
    old, new = 45_500, 10 * 2_000 + 15 * 3_000
    assert bill.water == round((old * 15 + new * 16) / 31)


def test_arrears_sealing_and_reconnection(db, connection, read, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.pdam.models import PdamBill

    s = _services()
    late, good = connection(), connection()
    for number in (late, good):
        value = 0
        for month in range(5, 11):
            value += 20
            read(number, f"2026-{month:02d}", value)
    for month in range(6, 11):
        with db.transaction() as session:
            s.bill_run(session, SYSTEM, f"2026-{month:02d}", today=TODAY)
    cashier = person("billing_cashier", "33.14")
    with db.transaction() as session:  # the good customer pays everything
        cashier_bills = session.scalars(
            select(PdamBill.invoice_number)
            .join(PdamBill.connection)
            .where(PdamBill.connection.has(number=good))
        ).all()
    with db.transaction() as session:
        billing.open_cashier_session(session, cashier, unit_code=KALIJAMBE, opening_float=0)
        for invoice in cashier_bills:
            billing.pay_cash(
                session,
                cashier,
                invoice_number=invoice,
                amount=billing.invoice_status(session, invoice).total,
            )
    staff = person("pdam_billing", KALIJAMBE)
    with db.transaction() as session:
        owed = s.arrears(session, staff, min_months=3)
        assert [(a.number, a.months) for a in owed] == [(late, 5)]
        assert "*" in owed[0].masked_name
        assert s.add_late_fees(session, staff, date(2026, 12, 31)) == 5
        assert s.add_late_fees(session, staff, date(2026, 12, 31)) == 0
        orders = s.open_sealing_orders(session, staff, min_months=3)
        assert len(orders) == 1 and s.open_sealing_orders(session, staff, min_months=3) == []
        s.complete_work_order(session, staff, orders[0].id)
        assert s.get_connection(session, staff, late).status == "sealed"
        order = s.request_reconnection(session, staff, late)
        assert billing.invoice_status(session, order.fee_invoice).total == s.RECONNECTION_FEE
        s.complete_work_order(session, staff, order.id)
        assert s.get_connection(session, staff, late).status == "active"
        collected = s.collection_report(session, staff.__class__.system("r"), ["2026-10"])
    assert collected[0]["bills"] == 2 and 0 < collected[0]["efficiency_percent"] < 100


def test_public_check_and_nrw(db, connection, read):
    s = _services()
    number = connection()
    _year(read, number)
    with db.transaction() as session:
        s.bill_run(session, SYSTEM, "2026-10", today=TODAY)
        s.set_zone_input(session, SYSTEM, "33.14.01", "2026-10", 100, today=TODAY)
        row = s.get_connection(session, SYSTEM, number)
        code = row.check_code
        found = s.public_check(session, number, code)
        assert found["name"] == "B*** S***"
        assert [b["period"] for b in found["bills"]] == ["2026-10"]
        assert "holder_nik" not in found and "address" not in found
        with pytest.raises(NotFound):
            s.public_check(session, number, "WRONG1")
        nrw = s.nrw_report(session, SYSTEM, ["2026-10"])
    regency = next(r for r in nrw if r["zone"] == "*")
    assert (regency["system_input_m3"], regency["billed_m3"], regency["nrw_m3"]) == (100, 25, 75)
    assert regency["nrw_percent"] == 75.0

"""A bank's settlement file: good lines paid once in bulk, every bad line reported."""

from __future__ import annotations

import io
import os
import re
from datetime import date

import pytest
from click.testing import CliRunner
from pdam_testing import KALIJAMBE, REGENCY
from sqlalchemy import select

from pamong.plugin import Actor

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")
SYSTEM = Actor.system("test")
API = "/api/v1/pdam"
HEADER = "bill_number,amount,paid_at,bank_reference\n"


@pytest.fixture
def bills(db, connection, read):
    """Three connections billed for October 2026: their (invoice number, total)."""
    from pamong_plugins.billing import services as billing
    from pamong_plugins.pdam import services
    from pamong_plugins.pdam.models import PdamBill

    numbers = [connection() for _ in range(3)]
    for number in numbers:
        read(number, "2026-09", 100)
        read(number, "2026-10", 118)
    with db.transaction() as session:
        services.bill_run(session, SYSTEM, "2026-10", today=date(2026, 11, 30))
        made = session.scalars(select(PdamBill.invoice_number).order_by(PdamBill.id)).all()
        return [(n, billing.invoice_status(session, n).total) for n in made]


def test_good_lines_are_paid_once_and_bad_lines_reported(db, bills, person):
    from pamong_plugins.billing import services as billing
    from pamong_plugins.pdam import settlement

    (a, total_a), (b, total_b), (c, _total_c) = bills
    staff = person("pdam_billing", KALIJAMBE)
    text = HEADER + "\n".join(
        [
            f"{a},{total_a},2026-11-20,BRI-1",
            f"{b},{total_b - 1},2026-11-20,BRI-2",  # not what is due
            f"{b},{total_b},2026-11-20 09:15,BRI-1",  # the reference again
            "INV-2026-999999,5000,2026-11-20,BRI-3",
            f"{c},12a,2026-11-20,BRI-4",
            f"{c},100,2026-13-40,BRI-5",
            f"{a},{total_a},2026-11-21,BRI-6",  # a second payment of a paid bill
            f"{b},{total_b},2026-11-20T09:15:00,",
        ]
    )
    with db.transaction() as session:
        checked = settlement.import_settlement(session, staff, text, bank="bri", dry_run=True)
        assert (checked.paid, checked.receipts) == (1, [])
        assert billing.invoice_status(session, a).status == "unpaid"
    with db.transaction() as session:
        result = settlement.import_settlement(session, staff, text, bank="bri")
    assert (result.paid, result.total, len(result.receipts)) == (1, total_a, 1)
    assert [(p["line"], p["problem"]) for p in result.problems] == [
        (3, "amount-mismatch"),
        (4, "duplicate-in-file"),
        (5, "unknown-bill"),
        (6, "invalid-amount"),
        (7, "invalid-date"),
        (8, "already-paid"),
        (9, "missing-reference"),
    ]
    with db.transaction() as session:
        assert billing.invoice_status(session, a).status == "paid"
        again = settlement.import_settlement(session, staff, text, bank="bri")
        assert again.paid == 0 and again.problems[0]["problem"] == "already-imported"
        semicolons = HEADER.replace(",", ";") + f"{b};{total_b};2026-11-22;BRI-7\n"  # Excel, id
        fixed = settlement.import_settlement(session, staff, semicolons, bank="bri")
        assert fixed.paid == 1 and billing.invoice_status(session, b).status == "paid"
        with pytest.raises(settlement.InvalidInput):
            settlement.import_settlement(session, staff, "bill,amount\n", bank="bri")
        with pytest.raises(settlement.InvalidInput):
            settlement.import_settlement(session, staff, HEADER, bank="BRI Syariah!")


def test_outside_the_staff_units_a_bill_is_unknown(db, bills, person):
    from pamong_plugins.pdam import settlement

    (a, total_a), *_rest = bills
    elsewhere = person("pdam_billing", "33.14.02")
    with db.transaction() as session:
        result = settlement.import_settlement(
            session, elsewhere, HEADER + f"{a},{total_a},2026-11-20,X-1\n", bank="bpd"
        )
    assert result.paid == 0 and result.problems[0]["problem"] == "unknown-bill"


def test_api_page_and_cli(client, bearer, login_as, bills, tmp_path, app):
    (a, total_a), (b, total_b), (c, total_c) = bills
    staff = bearer("pdam_billing", REGENCY)
    answer = client.post(
        f"{API}/bank-settlements",
        json={
            "bank": "bri",
            "csv": HEADER + f"{a},{total_a},2026-11-20,API-1\n{b},1,2026-11-20,API-2",
        },
        headers=staff,
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["paid"] == 1 and answer.json["problems"][0]["line"] == 3
    refused = client.post(f"{API}/bank-settlements", json={"bank": "bri"}, headers=staff)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    reader = bearer("pdam_reader", REGENCY)
    assert (
        client.post(
            f"{API}/bank-settlements", json={"bank": "bri", "csv": HEADER}, headers=reader
        ).status_code
        == 403
    )
    login_as("pdam_billing", KALIJAMBE)
    page = client.get("/pdam/bank-settlement")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Berkas pelunasan bank" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    sent = client.post(
        "/pdam/bank-settlement",
        data={
            "csrf_token": token,
            "bank": "bri",
            "file": (io.BytesIO((HEADER + f"{b},{total_b},2026-11-20,PAGE-1\n").encode()), "x.csv"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 200 and "1 rekening lunas" in sent.get_data(as_text=True)
    empty = client.post(
        "/pdam/bank-settlement",
        data={"csrf_token": token, "bank": "bri"},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 422
    from pamong.cli import main

    path = tmp_path / "bank.csv"
    path.write_text(HEADER + f"{c},{total_c},2026-11-20,CLI-1\n{c},{total_c},2026-11-20,CLI-2\n")
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")  # the CLI reads the instance's database
    instance = app.instance_path
    ran = CliRunner(env={"PAMONG_DATABASE_URL": url} if url else None).invoke(
        main, ["--instance", instance, "pdam", "bank-settlement", str(path), "--bank", "bri"]
    )
    assert "1 bills paid" in ran.output, ran.output

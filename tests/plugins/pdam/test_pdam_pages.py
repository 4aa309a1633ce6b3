"""The PDAM pages (id/en, CSRF), the reader's phone page, the public check, and the CLI."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner
from pdam_testing import KALIJAMBE, REGENCY

from pamong.cli import main

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_reader_page_takes_a_reading_as_json_with_the_csrf_header(client, login_as, connection):
    number = connection()
    login_as("pdam_reader", KALIJAMBE)
    page = client.get("/pdam/read")
    html = page.get_data(as_text=True)
    assert "Baca meter" in html and "read.js" in html
    token = csrf(html)
    refused = client.post(
        "/pdam/read", json={"customer_number": number, "period": "2026-10", "value": "10"}
    )
    assert refused.status_code == 400  # no CSRF token
    saved = client.post(
        "/pdam/read",
        json={"customer_number": number, "period": "2026-10", "value": "10"},
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.json["status"] == "accepted"
    bad = client.post(
        "/pdam/read",
        json={"customer_number": number, "period": "2026-10", "value": "1O"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert bad.status_code == 422
    form = client.post(
        "/pdam/read",
        data={"csrf_token": token, "customer_number": number, "period": "2026-09", "value": "4"},
    )
    assert form.status_code == 302
    response = client.get("/pdam/static/read.js")
    script = response.get_data(as_text=True)
    response.close()
    assert "localStorage" in script and "online" in script


def test_billing_staff_run_the_month_and_see_reports(client, login_as, connection, read, db):
    numbers = [connection() for _ in range(3)]
    for number in numbers:
        read(number, "2026-09", 100)
        read(number, "2026-10", 120)
    login_as("pdam_admin", REGENCY)
    page = client.get("/pdam/").get_data(as_text=True)
    assert "Penerbitan rekening bulanan" in page and numbers[0] in page
    ran = client.post(
        "/pdam/bill-run",
        data={"csrf_token": csrf(page), "period": "2026-10"},
        follow_redirects=True,
    )
    assert "3 ditagih" in ran.get_data(as_text=True)
    reports = client.get("/pdam/reports").get_data(as_text=True)
    assert "Efisiensi penagihan" in reports
    exported = client.get("/pdam/reports?csv=arrears")
    assert exported.mimetype == "text/csv" and numbers[0] in exported.get_data(as_text=True)
    detail = client.get(f"/pdam/connections/{numbers[0]}").get_data(as_text=True)
    assert "Oktober 2026" in detail and "Riwayat status" in detail
    assert ">aktif<" in detail and ">active<" not in detail
    english = client.get("/pdam/reports", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_the_public_check_shows_no_personal_data(client, connection, read, db):
    from pamong.plugin import Actor
    from pamong_plugins.pdam import services

    number = connection(holder_nik="3314015708800001")
    read(number, "2026-09", 100)
    read(number, "2026-10", 118)
    with db.transaction() as session:
        services.bill_run(
            session, Actor.system("t"), "2026-10", today=__import__("datetime").date(2026, 11, 30)
        )
        code = services.get_connection(session, Actor.system("t"), number).check_code
    page = client.get(f"/pdam/check?number={number}&code={code}").get_data(as_text=True)
    assert "B*** S***" in page and "Budi" not in page and "3314015708800001" not in page
    assert "RT 01" not in page
    # months, the connection's state and the bill's status in words, not codes
    assert "Oktober 2026" in page and "2026-10<" not in page
    assert ">aktif<" in page and ">active<" not in page and ">unpaid<" not in page
    wrong = client.get(f"/pdam/check?number={number}&code=XXXXXX")
    assert wrong.status_code == 404


def test_the_cli_bill_run_and_bad_csv(app, connection, read, tmp_path):
    number = connection()
    read(number, "2026-09", 100)
    read(number, "2026-10", 130)
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")  # the CLI reads the instance's database
    runner = CliRunner(env={"PAMONG_DATABASE_URL": url} if url else None)
    instance = app.instance_path
    future = runner.invoke(main, ["--instance", instance, "pdam", "bill-run", "2999-01"])
    assert future.exit_code == 1 and "2999-01 belum tiba" in future.output
    done = runner.invoke(main, ["--instance", instance, "pdam", "bill-run", "2026-10"])
    assert done.exit_code == 0, done.output
    assert "1 connections billed" in done.output
    again = runner.invoke(main, ["--instance", instance, "pdam", "bill-run", "2026-10"])
    assert "0 connections billed" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text(f"customer_number,period,reading\n{number},2026-08,abc\nnope,2026-08,5\n")
    result = runner.invoke(main, ["--instance", instance, "pdam", "import-readings", str(bad)])
    assert result.exit_code == 1
    assert "line 2" in result.output and "line 3" in result.output

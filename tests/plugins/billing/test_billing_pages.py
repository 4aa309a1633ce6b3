"""The billing pages (id/en, CSRF) and the CLI, as a cashier, supervisor and treasurer use them."""

from __future__ import annotations

import re

import pytest
from billing_testing import KALIJAMBE
from click.testing import CliRunner
from sqlalchemy import text

from pamong.cli import main
from pamong.plugin import regency_today

pytestmark = pytest.mark.pamong_plugins("billing")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_cashier_takes_cash_and_prints_the_receipt_in_the_pages(client, login_as, invoice):
    login_as("billing_cashier", KALIJAMBE)
    made = invoice(50_000)
    page = client.get("/billing/").get_data(as_text=True)
    assert "Buka sesi kasir Anda" in page
    opened = client.post(
        "/billing/sessions",
        data={"csrf_token": csrf(page), "unit_code": KALIJAMBE, "opening_float": "100.000"},
    )
    assert opened.status_code == 302
    found = client.get(f"/billing/?q={made.number}").get_data(as_text=True)
    assert made.number in found
    selected = client.get(f"/billing/?invoice={made.number}").get_data(as_text=True)
    assert "Terima tunai untuk" in selected
    paid = client.post(
        "/billing/payments",
        data={"csrf_token": csrf(selected), "invoice_number": made.number, "amount": "50000"},
        follow_redirects=True,
    )
    html = paid.get_data(as_text=True)
    assert "tercatat" in html and "KWT-" in html
    number = re.search(r"(KWT-\d{4}-\d{6})", html).group(1)
    first = client.get(f"/billing/payments/{number}/receipt.pdf?layout=a5")
    assert first.mimetype == "application/pdf" and first.data.startswith(b"%PDF")
    thermal = client.get(f"/billing/payments/{number}/receipt.pdf?layout=80mm")
    assert thermal.data.startswith(b"%PDF")
    closed = client.post(
        "/billing/sessions/close",
        data={"csrf_token": csrf(html), "counted_cash": "150000"},
        follow_redirects=True,
    )
    assert "Uang tunai cocok" in closed.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client, login_as):
    login_as("billing_cashier", KALIJAMBE)
    response = client.post("/billing/sessions", data={"unit_code": KALIJAMBE})
    assert response.status_code == 400


def test_pages_speak_english_too(client, login_as):
    login_as("billing_cashier", KALIJAMBE)
    token = csrf(client.get("/billing/").get_data(as_text=True))
    client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/billing/"})
    assert "Open your cashier session" in client.get("/billing/").get_data(as_text=True)


def test_an_overpayment_in_the_form_is_a_message_not_an_error_page(client, login_as, invoice):
    login_as("billing_cashier", KALIJAMBE)
    made = invoice(50_000)
    token = csrf(client.get("/billing/").get_data(as_text=True))
    client.post("/billing/sessions", data={"csrf_token": token, "unit_code": KALIJAMBE})
    response = client.post(
        "/billing/payments",
        data={"csrf_token": token, "invoice_number": made.number, "amount": "60000"},
        headers={"Referer": "/billing/"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "melebihi sisa tagihan" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("billing_report", "/billing/reports"),
        ("billing_report", "/billing/invoices"),
        ("billing_treasurer", "/billing/closing"),
        ("billing_treasurer", "/billing/cash-book"),
        ("billing_treasurer", "/billing/ledger"),
        ("billing_treasurer", "/billing/reconcile"),
        ("billing_supervisor", "/billing/approvals"),
        ("billing_cashier", "/billing/invoices/new"),
        ("billing_cashier", "/billing/demo-bank"),
    ],
)
def test_each_role_opens_its_pages(client, login_as, role, path):
    login_as(role, KALIJAMBE)
    assert client.get(path).status_code == 200


def test_a_cashier_may_see_but_not_close_the_day(client, login_as):
    login_as("billing_cashier", KALIJAMBE)
    page = client.get("/billing/closing").get_data(as_text=True)
    assert "Tutup hari dan buat" not in page
    response = client.post(
        "/billing/closing",
        data={"csrf_token": csrf(page), "unit_code": KALIJAMBE, "day": regency_today().isoformat()},
    )
    assert response.status_code == 403


def test_a_ktp_officer_may_not_open_the_cashier(client, login_as):
    login_as("registrar", KALIJAMBE)
    assert client.get("/billing/").status_code == 403


def test_the_public_check_page_shows_how_to_pay_and_no_name(client, invoice):
    made = invoice(50_000)
    page = client.get(f"/billing/check?number={made.number}&code={made.check_code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Rp50.000" in html and "Budi" not in html
    asked = client.post(
        "/billing/check",
        data={"csrf_token": csrf(html), "number": made.number, "code": made.check_code},
        follow_redirects=True,
    )
    assert "8808" in asked.get_data(as_text=True)  # the demo bank's virtual account
    wrong = client.get(f"/billing/check?number={made.number}&code=AAAAAA")
    assert wrong.status_code == 404


def test_the_demo_bank_pays_a_virtual_account_end_to_end(client, login_as, invoice, db):
    from pamong_plugins.billing import services

    made = invoice(50_000)
    with db.transaction() as session:
        bills = services.open_channel_bills(session, services.SYSTEM, made.number)
        va = next(b.va_number for b in bills if b.kind == "va")
    login_as("billing_supervisor", KALIJAMBE)
    page = client.get("/billing/demo-bank").get_data(as_text=True)
    assert va in page
    done = client.post(
        "/billing/demo-bank", data={"csrf_token": csrf(page), "code": va}, follow_redirects=True
    )
    assert "Lunas" in done.get_data(as_text=True)
    with db.transaction() as session:
        assert services.invoice_status(session, made.number).status == "paid"


def test_a_treasurer_closes_the_day_in_the_page(client, login_as, cashier, db):
    from pamong_plugins.billing import services

    with db.transaction() as session:
        services.close_cashier_session(session, cashier, counted_cash=100_000)
    login_as("billing_treasurer", KALIJAMBE)
    page = client.get(f"/billing/closing?unit={KALIJAMBE}").get_data(as_text=True)
    done = client.post(
        "/billing/closing",
        data={"csrf_token": csrf(page), "unit_code": KALIJAMBE, "day": regency_today().isoformat()},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "STS-" in html
    closing_id = re.search(r"/billing/closings/(\d+)/sts.pdf", html).group(1)
    assert client.get(f"/billing/closings/{closing_id}/sts.pdf").data.startswith(b"%PDF")
    assert client.get(f"/billing/cash-book?unit={KALIJAMBE}&format=pdf").data.startswith(b"%PDF")


def test_the_cli_verifies_the_ledger_and_reports_tampering(app, invoice, db):
    invoice(10_000)
    runner = CliRunner(env={"PAMONG_DATABASE_URL": app.extensions["pamong"].settings.database_url})
    instance = app.instance_path
    result = runner.invoke(main, ["--instance", instance, "billing", "verify-ledger"])
    assert result.exit_code == 0 and "ledger OK: 1 entries" in result.output
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE billing_ledger_entries DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER billing_ledger_no_update"))
        conn.execute(text("UPDATE billing_ledger_entries SET amount = 1"))
    result = runner.invoke(main, ["--instance", instance, "billing", "verify-ledger"])
    assert result.exit_code == 1 and "TAMPERED" in result.output


def test_the_cli_reports_and_lists_accounts(app, invoice):
    invoice(10_000)
    runner = CliRunner(env={"PAMONG_DATABASE_URL": app.extensions["pamong"].settings.database_url})
    instance = app.instance_path
    result = runner.invoke(main, ["--instance", instance, "billing", "report", "--by", "account"])
    assert result.exit_code == 0 and "total" in result.output
    result = runner.invoke(
        main, ["--instance", instance, "billing", "accounts", "--add", "4.1.02.02.01.0001", "Sewa"]
    )
    assert "4.1.02.02.01.0001" in result.output
    result = runner.invoke(main, ["--instance", instance, "billing", "arrears", "--csv"])
    assert result.exit_code == 0
    result = runner.invoke(main, ["--instance", instance, "billing", "recheck"])
    assert result.exit_code == 0 and "channel bills checked" in result.output

"""A cashier's shift in headless Chromium: open, find, take cash, print, close.

Screenshots go to test-artifacts/billing-*.png, the receipt to
test-artifacts/billing-receipt-*.pdf, for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.orgunits.services import get_unit
from pamong.testing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TEST_PASSWORD,
    build_app,
    live_server,
    needs_chromium,
    submit,
)

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from pamong_plugins.billing.services import Line, Payer, create_invoice

    app = build_app(tmp_path_factory.mktemp("billing-browser"), ["billing"])
    system = Actor.system("test")
    with app.extensions["pamong"].db.transaction() as session:
        user = accounts.create_user(
            session, system, username="kasir", password=TEST_PASSWORD, full_name="Sri Rahayu"
        )
        accounts.assign_role(
            session,
            system,
            user,
            accounts.get_role(session, "billing_cashier"),
            get_unit(session, "33.14.01"),
        )
        invoice = create_invoice(
            session,
            system,
            source="ktp",
            reference="ktp_application:1",
            unit_code="33.14.01",
            payer=Payer("resident", "Dewi Lestari", "resident:1"),
            lines=[Line("Penggantian biaya cetak KTP-el", 5_000)],
        )
    with live_server(app) as url:
        yield url, invoice.number
    app.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium.new_context(viewport={"width": 1024, "height": 900}).new_page()
        chromium.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"billing-{name}.png"), full_page=True)


def test_a_cashier_takes_cash_and_prints_the_receipt(site, page):
    url, number = site
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "kasir")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form.card button")
    page.wait_for_url(f"{url}/dashboard")
    submit(page, "nav.main >> text=Pembayaran")  # the module opens its first page: the cash desk
    page.fill("input[name=opening_float]", "100.000")
    shot(page, "1-open")
    submit(page, "button:has-text('Buka sesi')")
    assert "Sesi kasir dibuka." in page.content()

    page.fill("input[name=q]", number)
    submit(page, "button:has-text('Cari')")
    submit(page, f"text={number}")
    assert page.input_value("input[name=amount]") == "5000"
    shot(page, "2-take")
    submit(page, "#pay button")
    assert "tercatat" in page.content()
    shot(page, "3-paid")
    for layout in ("A5", "80 mm"):
        href = page.locator("a", has_text=layout).first.get_attribute("href")
        pdf = page.request.get(url + href)
        assert pdf.headers["content-type"] == "application/pdf"
        name = layout.replace(" ", "")
        (ARTIFACTS / f"billing-receipt-{name}.pdf").write_bytes(pdf.body())

    page.fill("input[name=counted_cash]", "105000")
    submit(page, "button:has-text('Tutup sesi')")
    assert "Uang tunai cocok" in page.content()

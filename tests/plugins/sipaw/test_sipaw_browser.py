"""The enumerator's phone page in headless Chromium: entries made offline are sent when online.

Screenshots go to test-artifacts/sipaw-*.png for people to look at.
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
)

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
pytestmark = [pytest.mark.browser, needs_chromium]
MARKET = "33.14-PSR-BUNDER"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from pamong_plugins.sipaw import services

    app = build_app(tmp_path_factory.mktemp("sipaw-browser"), ["sipaw"])
    system = Actor.system("test")
    with app.app_context(), app.extensions["pamong"].db.transaction() as session:
        services.ensure_commodities(session)
        services.add_market(
            session, system, code=MARKET, name="Pasar Bunder", kecamatan_code="33.14.10"
        )
        user = accounts.create_user(
            session, system, username="harga.bunder", password=TEST_PASSWORD, full_name="Sri"
        )
        accounts.assign_role(
            session,
            system,
            user,
            accounts.get_role(session, "sipaw_enumerator"),
            get_unit(session, MARKET),
        )
    with live_server(app) as url:
        yield app, url
    app.extensions["pamong"].db.dispose()


def test_prices_entered_offline_are_sent_when_back_online(site):
    from playwright.sync_api import sync_playwright
    from sqlalchemy import func, select

    from pamong_plugins.sipaw.models import SipawObservation

    app, url = site
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text),
        )
        page.goto(f"{url}/login")
        page.fill("input[name=username]", "harga.bunder")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("form.card button")
        page.wait_for_url(f"{url}/dashboard")
        page.goto(f"{url}/sipaw/entry")
        context.set_offline(True)
        page.fill("input[name='price-beras_medium_1-1']", "12.500")
        page.fill("input[name='price-beras_medium_1-2']", "12600")
        page.fill("input[name='price-telur_ayam_ras-1']", "28000")
        page.click("#sipaw-entry > button")
        page.wait_for_function("() => document.getElementById('sipaw-status').textContent")
        assert "3" in page.inner_text("#sipaw-status")  # kept on the phone
        page.screenshot(path=str(ARTIFACTS / "sipaw-1-offline.png"))
        with app.extensions["pamong"].db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(SipawObservation)) == 0
        context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.wait_for_function("() => localStorage.getItem('sipaw-queue') === '[]'")
        page.screenshot(path=str(ARTIFACTS / "sipaw-2-sent.png"))
        chromium.close()
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SipawObservation)) == 3
    assert errors == []


def _last_sms(app, phone: str) -> str:
    from sqlalchemy import select

    from pamong.messaging.models import Delivery

    with app.extensions["pamong"].db.transaction() as session:
        return session.scalars(
            select(Delivery.body).where(Delivery.address == phone).order_by(Delivery.id.desc())
        ).first()


def test_a_trader_registers_on_a_phone_is_verified_and_posts(site):
    """At 390 px, in Indonesian: register, confirm the SMS code, wait, post, see contacts."""
    import re
    from datetime import timedelta

    from language_leaks import check_page
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from pamong.plugin import regency_today
    from pamong_plugins.sipaw import board, traders
    from pamong_plugins.sipaw.models import SipawTradePost, SipawTrader

    app, url = site
    db = app.extensions["pamong"].db
    system = Actor.system("test")
    with app.app_context():
        today = regency_today()
    with app.app_context(), db.transaction() as session:
        other = board.add_post(
            session,
            system,
            kind="offer",
            commodity_code="beras_medium_1",
            quantity_kg=2000,
            price=12_800,
            place="Pasar Bunder",
            period_from=today,
            period_until=today + timedelta(days=20),
            organisation="KUD Sukowati",
            contact="0812-2600-1111",
        )
        board.moderate(session, system, other.id, "approved")

    def check(page, name: str) -> None:
        check_page(page, ARTIFACTS / f"sipaw-trader-{name}.png")

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/sipaw/board")
        check(page, "1-board")
        assert "0812-2600-1111" not in page.content()  # no contact before verification
        page.click("text=Daftar sebagai pedagang")
        page.fill("input[name=name]", "BUMDes Gemolong Sejahtera")
        page.select_option("select[name=kind]", "bumdes")
        page.fill("input[name=phone]", "0813 2900 5678")
        page.fill("input[name=place]", "Pasar Gemolong")
        check(page, "2-register")
        page.click("form.card button")
        page.wait_for_selector("input[name=code]")
        check(page, "3-code")
        code = re.search(r"\b(\d{6})\b", _last_sms(app, "081329005678")).group(1)
        page.fill("input[name=code]", "000000")  # a slip first
        page.click("input[name=code] >> xpath=ancestor::form//button")
        check(page, "3b-wrong-code")
        assert "Kode salah" in page.inner_text("main")  # told, and asked again
        page.wait_for_selector("input[name=code]")
        page.fill("input[name=code]", code)
        page.click("input[name=code] >> xpath=ancestor::form//button")
        page.wait_for_url(f"{url}/sipaw/board")
        assert "belum memverifikasi" in page.inner_text("main")
        assert "0812-2600-1111" not in page.content()
        check(page, "4-waiting")
        with app.app_context(), db.transaction() as session:
            trader = session.scalars(select(SipawTrader)).one()
            traders.decide(session, system, trader.id, "verified")
        page.reload()
        assert "0812-2600-1111" in page.inner_text("main")  # verified: contacts shown
        contact = page.locator("td", has_text="0812-2600-1111").bounding_box()
        assert contact["x"] + contact["width"] <= 390 + 1, "the contact is off-screen"
        page.select_option("select[name=kind]", "request")
        page.select_option("select[name=commodity_code]", "beras_medium_1")
        page.fill("input[name=quantity_kg]", "3.000")
        page.fill("input[name=price]", "13.000")
        page.fill("input[name=place]", "Pasar Gemolong")
        page.fill("input[name=period_from]", str(today))
        page.fill("input[name=period_until]", str(today + timedelta(days=30)))
        check(page, "5-post")
        page.click("select[name=kind] >> xpath=ancestor::form//button")
        page.wait_for_url(f"{url}/sipaw/board")
        assert "moderasi" in page.inner_text("main")
        with app.app_context(), db.transaction() as session:
            mine = session.scalars(
                select(SipawTradePost).where(SipawTradePost.trader_id.is_not(None))
            ).one()
            assert (mine.quantity_kg, mine.price, mine.status) == (3000, 13_000, "pending")
            board.moderate(session, system, mine.id, "approved")
        page.reload()
        assert "BUMDes Gemolong Sejahtera" in page.inner_text("main")
        check(page, "6-posted")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        chromium.close()
    assert errors == []
    assert width <= 390 + 1, "the board does not fit a phone"

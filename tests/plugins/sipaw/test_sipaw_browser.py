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

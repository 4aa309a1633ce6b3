"""The meter reader's phone page in headless Chromium: readings taken offline are sent online.

At 390 px and in Indonesian: the route is walked in order, two readings are
kept on the phone while there is no signal, and both reach the server when it
is back. Screenshots go to test-artifacts/pdam-*.png for people to look at.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from language_leaks import check_page
from pdam_testing import KALIJAMBE, KEDEN

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
SYSTEM = Actor.system("test")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from pamong.plugin import regency_today
    from pamong_plugins.pdam import routes, services

    app = build_app(tmp_path_factory.mktemp("pdam-browser"), ["billing", "pdam"])
    with app.app_context(), app.extensions["pamong"].db.transaction() as session:
        services.seed_karanganyar(session, SYSTEM, date(2009, 7, 1))
        numbers = [
            services.create_connection(
                session,
                SYSTEM,
                holder_name=name,
                desa_code=KEDEN,
                group_code="R2",
                address=f"RT 0{n} RW 02",
                connected_on=date(2025, 1, 1),
            ).number
            for n, name in enumerate(("Budi Santoso", "Siti Aminah"), 1)
        ]
        reader = accounts.create_user(
            session, SYSTEM, username="baca.keden", password=TEST_PASSWORD, full_name="Joko"
        )
        accounts.assign_role(
            session,
            SYSTEM,
            reader,
            accounts.get_role(session, "pdam_reader"),
            get_unit(session, KALIJAMBE),
        )
        period = services.period_of(regency_today())
        routes.set_route(session, SYSTEM, reader="baca.keden", period=period, numbers=numbers)
    with live_server(app) as url:
        yield app, url, numbers, period
    app.extensions["pamong"].db.dispose()


def check(page, name: str) -> None:
    check_page(page, ARTIFACTS / f"pdam-{name}.png")


def test_readings_taken_offline_on_the_route_are_sent_when_back_online(site):
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from pamong_plugins.pdam.models import PdamConnection, PdamReading

    app, url, numbers, period = site
    db = app.extensions["pamong"].db
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/login")
        page.fill("input[name=username]", "baca.keden")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("form.card button")
        page.wait_for_url(f"{url}/dashboard")
        page.goto(f"{url}/pdam/read")
        assert page.locator("#pdam-route li").count() == 2
        assert page.input_value("input[name=customer_number]") == numbers[0]  # walks in order
        assert "Budi Santoso" not in page.content()  # the holder's name is masked
        check(page, "1-route")
        context.set_offline(True)
        page.evaluate("() => window.dispatchEvent(new Event('offline'))")
        for value in ("120", "87"):
            page.fill("input[name=value]", value)
            page.click("#pdam-read-form button")
        page.wait_for_function(
            "() => document.getElementById('pdam-queue-count').textContent === '2'"
        )
        assert "disimpan di ponsel" in page.inner_text("#pdam-queue")
        check(page, "2-offline")
        with db.transaction() as session:
            assert session.scalars(select(PdamReading)).all() == []
        context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.wait_for_function("() => localStorage.getItem('pdam-readings-queue') === '[]'")
        page.wait_for_function("() => document.querySelectorAll('#pdam-log li').length === 2")
        assert "diterima" in page.inner_text("#pdam-log")
        check(page, "3-sent")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        chromium.close()
    with db.transaction() as session:
        read = dict(
            session.execute(
                select(PdamConnection.number, PdamReading.value)
                .join(PdamConnection, PdamConnection.id == PdamReading.connection_id)
                .where(PdamReading.period == period)
            ).all()
        )
    assert read == {numbers[0]: 120, numbers[1]: 87}
    assert errors == []
    assert width <= 391, "the reading page does not fit a phone"

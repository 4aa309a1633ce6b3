"""The whole KTP counter flow in headless Chromium, webcam and signature pad included.

Chromium's fake camera stands in for the desk webcam. Screenshots go to
test-artifacts/ktp-*.png for people to look at.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.identity.services import register_resident
from pamong.identity.synthetic import make_nik
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
ARGS = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
NIK = make_nik("33.14.01", date(2001, 5, 17), "F", 7)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("ktp-browser"), ["ktp"])
    system = Actor.system("test")
    with app.extensions["pamong"].db.transaction() as session:
        user = accounts.create_user(
            session, system, username="op.kalijambe", password=TEST_PASSWORD, full_name="Rina"
        )
        accounts.assign_role(
            session,
            system,
            user,
            accounts.get_role(session, "ktp_officer"),
            get_unit(session, "33.14.01"),
        )
        register_resident(
            session,
            system,
            {
                "nik": NIK,
                "name": "Dewi Lestari",
                "birth_place": "Sragen",
                "birth_date": date(2001, 5, 17),
                "sex": "F",
                "domicile_code": "33.14.01.2001",
                "address": "Dukuh Keden",
                "rt": "002",
                "rw": "004",
                "religion": "islam",
                "marital_status": "belum_kawin",
                "occupation": "Pelajar/Mahasiswa",
            },
        )
    with live_server(app) as url:
        yield url
    app.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = chromium.new_context(viewport={"width": 1024, "height": 900})
        context.grant_permissions(["camera"])
        tab = context.new_page()
        tab.csp_violations = []  # the pages' scripts must run under the Content-Security-Policy
        tab.on(
            "console",
            lambda msg: (
                "Content Security Policy" in msg.text and tab.csp_violations.append(msg.text)
            ),
        )
        tab.on("pageerror", lambda error: tab.csp_violations.append(str(error)))
        yield tab
        chromium.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"ktp-{name}.png"), full_page=True)


def test_an_officer_serves_a_resident_from_application_to_handover(site, page):
    page.goto(f"{site}/login")
    page.fill("input[name=username]", "op.kalijambe")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form.card button")
    page.wait_for_url(f"{site}/dashboard")
    page.click("text=Loket KTP")

    page.fill("input[name=nik]", NIK)
    shot(page, "1-counter")
    page.click("#apply button")
    page.wait_for_url(f"{site}/ktp/applications/*")
    number = page.locator("h1").inner_text()
    assert number.startswith("KTP-")
    assert "Permohonan diterima" in page.content()

    submit(page, "text=Data cocok: periksa ke database kependudukan")
    assert "Biodata sudah diperiksa." in page.content()
    assert "merah" in page.content()  # born 2001: a red background

    page.click("#camera-start")
    page.wait_for_function("() => document.getElementById('video').readyState >= 2")
    page.click("#camera-shoot")
    assert page.input_value("#photo_data").startswith("data:image/jpeg;base64,")
    page.locator("#pad").scroll_into_view_if_needed()
    pad = page.locator("#pad").bounding_box()
    page.mouse.move(pad["x"] + 30, pad["y"] + 100)
    page.mouse.down()
    for x, y in ((80, 40), (130, 120), (190, 50), (260, 110), (340, 70)):
        page.mouse.move(pad["x"] + x, pad["y"] + y, steps=4)
    page.mouse.up()
    shot(page, "2-photo-and-signature")
    submit(page, "#capture > button")
    assert "Foto dan tanda tangan disimpan." in page.content()

    submit(page, "text=Buat kartu")
    link = page.locator("#card-pdf")
    pdf = page.request.get(site + link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    (ARTIFACTS / "ktp-card.pdf").write_bytes(pdf.body())
    shot(page, "3-printed")

    page.fill("input[name=collected_by]", "Dewi Lestari")
    submit(page, "text=Serahkan kartu")
    assert "Diambil oleh Dewi Lestari." in page.content()
    shot(page, "4-collected")

    page.goto(f"{site}/track/{number}")
    content = page.content()
    assert "Kartu sudah diambil" in content and "Dewi" not in content and NIK not in content
    shot(page, "5-tracker")
    assert page.csp_violations == []

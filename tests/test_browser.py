"""End to end in headless Chromium: letters between units, tracker, verification, language.

Screenshots go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.core_hooks import DOMICILE_CERTIFICATE, POPULATION_SERVICE
from pamong.documents.services import issue_document, mask_name
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
from pamong.tracking.services import move_to, open_item

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A served instance with an admin, a Kalijambe officer, a tracked file and a document."""
    app = build_app(tmp_path_factory.mktemp("browser"))
    system = Actor.system("test")
    with app.extensions["pamong"].db.transaction() as session:
        for username, role, unit in (
            ("admin", "admin", "33.14"),
            ("op.kalijambe", "registrar", "33.14.01"),
        ):
            user = accounts.create_user(
                session,
                system,
                username=username,
                password=TEST_PASSWORD,
                full_name=username.title(),
            )
            accounts.assign_role(
                session, system, user, accounts.get_role(session, role), get_unit(session, unit)
            )
        item = open_item(session, system, POPULATION_SERVICE, get_unit(session, "33.14.01"))
        move_to(
            session,
            system,
            item,
            POPULATION_SERVICE,
            "ready",
            public_note="Silakan ambil di loket 2",
        )
        document = issue_document(
            session,
            system,
            DOMICILE_CERTIFICATE,
            number="470/001/2026",
            unit=get_unit(session, "33.14.01"),
            holder_label=mask_name("Sri Wahyuni"),
        )
    with live_server(app) as url:
        yield {"url": url, "number": item.number, "code": document.code}
    app.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def log_in(page, site, username):
    page.goto(f"{site['url']}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form.card button")
    page.wait_for_url(f"{site['url']}/dashboard")


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_letter_from_the_regency_reaches_a_kecamatan(site, page, browser):
    log_in(page, site, "admin")
    page.goto(f"{site['url']}/messages/new")
    page.select_option("select[name=kind]", "invitation")
    page.select_option("select[name=to_kind]", "kecamatan")
    page.fill("input[name=subject]", "Rapat koordinasi camat")
    page.fill("textarea[name=body]", "Senin pukul 09.00 di Pendopo Sukowati.")
    shot(page, "compose")
    page.click("form.card > button")
    page.wait_for_url(f"{site['url']}/messages/")
    assert "Terkirim kepada" in page.content()

    officer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(officer, site, "op.kalijambe")
    officer.goto(f"{site['url']}/messages/")
    assert "1 belum dibaca" in officer.content()
    shot(officer, "inbox")
    submit(officer, "text=Rapat koordinasi camat")
    assert "Pendopo Sukowati" in officer.content()
    shot(officer, "letter")
    officer.context.close()


def test_a_citizen_tracks_a_receipt_on_a_phone(site, page):
    page.goto(f"{site['url']}/track/")
    page.fill("input[name=number]", site["number"].lower())
    page.click("form.search button")
    page.wait_for_url(f"{site['url']}/track/{site['number']}")
    content = page.content()
    assert "Siap diambil" in content and "Silakan ambil di loket 2" in content
    shot(page, "tracker")


def test_a_document_verifies_by_its_qr_address(site, page):
    page.goto(f"{site['url']}/verify/{site['code']}")
    assert "Sah: dokumen ini diterbitkan oleh Kalijambe" in page.content()
    assert "S*** W***" in page.content()
    shot(page, "verify")


def test_the_language_switch_turns_the_site_english(site, page):
    page.goto(f"{site['url']}/")
    assert "Lacak berkas Anda" in page.content()
    submit(page, "button[name=lang]")
    assert "Track your file" in page.content()
    shot(page, "home-en")
    page.goto(f"{site['url']}/login")
    assert "Staff login" in page.content()


def test_the_api_browser_lists_the_operations_from_local_files(site, browser):
    page = browser.new_context().new_page()
    refused: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(site["url"]) else None,
    )
    page.goto(f"{site['url']}/api/v1/docs/")
    page.get_by_text("/api/v1/residents/{nik}", exact=True).first.wait_for(timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "api-browser.png"))
    assert not refused and not outside

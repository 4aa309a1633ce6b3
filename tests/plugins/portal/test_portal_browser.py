"""The public portal in headless Chromium on a phone: axe-core on every public page, and a
citizen filing a complaint, reading the answer and rating it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pamong.accounts.permissions import Actor
from pamong.messaging.fakegateway import FakeGateway
from pamong.testing import CHROMIUM, CHROMIUM_ARGS, build_app, live_server, needs_chromium, submit

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
pytestmark = [pytest.mark.browser, needs_chromium]
PAGES = (
    "/",
    "/portal/news",
    "/portal/news/mal-pelayanan-publik-dibuka",
    "/portal/profile/sejarah",
    "/portal/areas",
    "/portal/areas/33.14.01",
    "/portal/services",
    "/portal/complaints/new",
    "/portal/complaints/mine",
    "/portal/answers",
    "/portal/complaints/statistics",
    "/portal/jdih",
    "/portal/jdih?q=pajak",
    "/portal/jdih/1",
    "/track/",
    "/survey/results",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from pamong_plugins.portal import complaints, content, legal

    gateway = FakeGateway().start()  # the citizen's SMS, over real HTTP
    app = build_app(
        tmp_path_factory.mktemp("portal-browser"),
        ["portal", "ktp", "billing"],
        sms_gateway_url=gateway.url,
        embedded_delivery=True,
    )
    system = Actor.system("test")
    with app.extensions["pamong"].db.transaction() as session:
        content.save_post(
            session,
            system,
            title="Mal Pelayanan Publik dibuka",
            summary="Satu gedung.",
            body="Paragraf.",
            publish=True,
            publish_at=datetime.now(UTC) - timedelta(hours=1),
            image_url="/portal/static/favicon.svg",
            image_alt="Lambang kabupaten",
        )
        content.save_page(session, system, "sejarah", "Sejarah", "Berdiri sejak dulu.")
        doc = legal.save_document(
            session,
            system,
            doc_type="perda",
            number="3",
            year=2011,
            title="Pajak Daerah",
            abstract="Pajak hotel dan restoran.",
        )
        with app.test_request_context():
            legal.attach_pdf(session, system, doc.id, legal.render_document_pdf(doc, "Sragen"))
        complaint, _code = complaints.submit(
            session,
            system,
            kind="complaint",
            category="water",
            title="Air mati",
            body="Tiga hari.",
            publish_consent=True,
        )
        complaints.verify(session, system, complaint.number)
        complaints.answer(session, system, complaint.number, "Pipa sudah diperbaiki.")
    with live_server(app) as url:
        yield {"url": url, "app": app, "gateway": gateway}
    app.extensions["pamong"].db.dispose()
    gateway.stop()


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


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_pass_axe_core(site, page, path):
    page.goto(site["url"] + path)
    assert _serious_violations(page) == []


def _serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return serious


def test_the_regulation_page_offers_its_pdf(site, page):
    page.goto(site["url"] + "/portal/jdih/1")
    with page.expect_download() as download:
        page.click("a[href$='/download']")
    assert download.value.suggested_filename == "perda-3-2011.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")


def test_public_pages_read_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site["url"] + "/portal/jdih?q=pajak")
    assert "Pajak Daerah" in page.content()
    context.close()


def test_a_citizen_files_a_complaint_from_a_phone_and_rates_the_answer(site, page):
    from pamong_plugins.portal import complaints

    page.goto(site["url"] + "/portal/complaints/new")
    page.select_option("select[name=category]", "infrastructure")
    page.fill("input[name=title]", "Jalan berlubang")
    page.fill("textarea[name=body]", "Di depan balai desa.")
    page.fill("input[name=phone]", "081234567890")
    page.check("input[name=publish_consent]")
    submit(page, "form.card button")
    text = page.content()
    number = re.search(r"ADU-\d{4}-\d{6}", text).group(0)
    code = re.search(r"<strong>([0-9A-F]{8})</strong>", text).group(1)
    page.screenshot(path=str(ARTIFACTS / "portal-complaint-receipt.png"), full_page=True)

    app = site["app"]
    with app.extensions["pamong"].db.transaction() as session:
        system = Actor.system("test")
        complaints.verify(session, system, number)
        complaints.answer(session, system, number, "Sudah ditambal hari ini.")
    sms = [m for m in site["gateway"].received if number in m["text"]]
    assert [m["to"] for m in sms] == ["6281234567890"]  # the citizen's phone got the SMS

    page.goto(site["url"] + "/portal/complaints/mine")
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code)
    submit(page, "form.card button")
    assert "Sudah ditambal hari ini." in page.content()
    page.check("#r5")
    submit(page, "form.card button")
    assert "5/5" in page.content() or "Terima kasih" in page.content()
    # Closed with a rating: the satisfaction survey is offered, answered once, without JS.
    survey = page.locator("p.flash a[href*='/survey/']").get_attribute("href")
    page.goto(survey if survey.startswith("http") else site["url"] + survey)
    assert _serious_violations(page) == []
    for question in range(9):
        page.check(f"input[name=q{question}][value='4']")
    submit(page, "form.card button")
    assert _serious_violations(page) == []
    assert page.goto(survey if survey.startswith("http") else site["url"] + survey).status == 409
    page.goto(site["url"] + "/portal/answers")
    assert "Sudah ditambal hari ini." in page.content()
    assert "081234567890" not in page.content()

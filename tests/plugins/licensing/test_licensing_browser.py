"""In headless Chromium: apply online, track, staff steps to handover, verify by QR, survey.

Screenshots go to test-artifacts/licensing-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.orgunits.services import add_unit, get_unit
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
    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.catalogue import typical_rows

    app = build_app(tmp_path_factory.mktemp("licensing-browser"), ["licensing"])
    system = Actor.system("test")
    with app.extensions["pamong"].db.transaction() as session:
        add_unit(
            session, system, code="33.14-BPT", name="BPT Sragen", kind="skpd", parent_code="33.14"
        )
        services.import_catalogue(session, system, typical_rows())
        services.save_signatory(
            session,
            system,
            "33.14",
            {"name": "Ir. Kepala Dinas", "nip": "197001012000031001", "position": "Kepala DPMPTSP"},
        )
        user = accounts.create_user(
            session, system, username="kepala", password=TEST_PASSWORD, full_name="Kepala BPT"
        )
        accounts.assign_role(
            session,
            system,
            user,
            accounts.get_role(session, "licensing_head"),
            get_unit(session, "33.14-BPT"),
        )
    docs = tmp_path_factory.mktemp("docs")
    pdf = docs / "dokumen.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% scan\n")
    with live_server(app) as url:
        yield {"url": url, "app": app, "pdf": pdf}
    app.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


def _confirmation_link(app, address):
    """The link of the confirmation e-mail (from the outbox) sent to ``address``."""
    import re

    from sqlalchemy import select

    from pamong.messaging.models import Delivery

    with app.extensions["pamong"].db.transaction() as session:
        body = session.scalars(
            select(Delivery.body).where(Delivery.address == address).order_by(Delivery.id.desc())
        ).first()
    return re.search(r"https?://\S+/licensing/portal/verify/\S+", body or "").group(0)


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"licensing-{name}.png"), full_page=True)


def test_from_online_application_to_handover_and_survey(site, browser):
    url = site["url"]
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{url}/licensing/portal/register")
    phone.select_option("select[name=kind]", "business")
    phone.fill("input[name=name]", "CV Batik Kliwonan")
    phone.fill("input[name=id_number]", "9120001234567")
    phone.fill("input[name=email]", "batik@example.id")
    phone.fill("input[name=password]", "rahasia-sekali-2026")
    phone.click("form.card button")
    phone.wait_for_url(f"{url}/licensing/portal/verify")
    phone.goto(_confirmation_link(site["app"], "batik@example.id"))
    phone.wait_for_url(f"{url}/licensing/portal/")
    phone.select_option("select[name=type]", "HO")
    phone.click("form.search button")
    for field in phone.locator("input[type=file]").all():
        field.set_input_files(str(site["pdf"]))
    shot(phone, "1-apply")
    phone.click("form.card button")
    phone.wait_for_url(f"{url}/licensing/portal/files/LIC-*")
    number = phone.url.rsplit("/", 1)[-1]
    assert "Diterima" in phone.content()
    shot(phone, "2-submitted")

    phone.goto(f"{url}/track/{number}")
    assert number in phone.content() and "Batik" not in phone.content()

    desk = browser.new_context().new_page()
    desk.goto(f"{url}/login")
    desk.fill("input[name=username]", "kepala")
    desk.fill("input[name=password]", TEST_PASSWORD)
    desk.click("form.card button")
    desk.wait_for_url(f"{url}/dashboard")
    desk.goto(f"{url}/licensing/")
    submit(desk, f"text={number}")
    for _ in range(3):  # verification, field inspection, decision
        submit(desk, "button:has-text('Lanjutkan ke')")
    submit(desk, "button[value=approve]")
    desk.fill("input[name=reference]", "STS-2026-0001")
    submit(desk, "button:has-text('Catat pembayaran')")
    submit(desk, "button:has-text('Serahkan izin')")
    assert "Izin telah diserahkan" in desk.content()
    shot(desk, "3-handed-over")
    pdf = desk.request.get(desk.url + "/permit.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    from pamong.documents.models import IssuedDocument

    session = site["app"].extensions["pamong"].db.session()
    code = session.query(IssuedDocument.code).filter_by(kind="licensing.permit").scalar()
    session.close()
    phone.goto(f"{url}/verify/{code}")
    assert "503/" in phone.content()
    shot(phone, "4-verified")

    phone.goto(f"{url}/licensing/portal/files/{number}")
    submit(phone, "text=Mohon nilai layanan kami")
    for index in range(9):
        phone.check(f"input[name=q{index}][value='{4 if index % 2 else 3}']")
    shot(phone, "5-survey")
    submit(phone, "form.card button")
    assert "Terima kasih" in phone.content()

    desk.goto(f"{url}/licensing/ikm")
    assert "86.11" in desk.content()  # (5 x 3 + 4 x 4) / 9 x 25 = 86.11, B
    shot(desk, "6-ikm")

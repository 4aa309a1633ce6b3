"""Visual regression: the main journeys at phone and desktop widths against reference PNGs.

Fixed data (the same users, residents, KTP and licensing files every run),
a frozen clock (:data:`visual_testing.MOMENT`), animations and the caret
off: a page looks the same run after run, so a layout change shows as
differing pixels. Record the references again after an intended change:
``pytest tests/visual --update-visual``. See docs/testing.md.
"""

from __future__ import annotations

from datetime import date

import pytest
from visual_testing import STILL, check_screenshot, freeze_clock, updating

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.identity.services import register_resident
from pamong.identity.synthetic import make_nik
from pamong.orgunits.services import add_unit, get_unit
from pamong.testing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TEST_PASSWORD,
    build_app,
    live_server,
    needs_chromium,
)

pytestmark = [pytest.mark.browser, needs_chromium]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
KALIJAMBE = "33.14.01"
RESIDENTS = (
    ("Dewi Lestari", date(1990, 5, 17), "F", "Dukuh Keden", 7),
    ("Bambang Lestari", date(1985, 2, 3), "M", "Dukuh Keden", 8),
    ("Sri Lestari Wahyuningsih", date(1979, 12, 30), "F", "Dukuh Ngarum", 9),
)
#: name, user (None: a visitor), path, a text the page must show.
JOURNEYS = (
    ("home", None, "/", "Kalijambe"),
    ("login", None, "/login", "Masuk"),
    ("tracker", None, "/track/{number}", "{number}"),
    ("dashboard", "admin", "/dashboard", "Modul Anda"),
    ("residents", "admin", "/residents?q=Lestari", "Sri Lestari Wahyuningsih"),
    ("ktp-counter", "op.kalijambe", "/ktp/", "Dewi Lestari"),
    ("licensing-list", "admin", "/licensing/", "CV Batik Kliwonan"),
)


def _seed(session) -> str:
    """The fixed data; returns the receipt number of the licensing file."""
    from pamong_plugins.ktp import services as ktp
    from pamong_plugins.licensing import services as licensing
    from pamong_plugins.licensing.catalogue import typical_rows

    system = Actor.system("test")
    add_unit(session, system, code="33.14-BPT", name="BPT Sragen", kind="skpd", parent_code="33.14")
    for username, full_name, roles, unit in (
        ("admin", "Admin Kabupaten", ("admin",), "33.14"),
        ("op.kalijambe", "Rina Kalijambe", ("ktp_officer", "registrar"), KALIJAMBE),
    ):
        user = accounts.create_user(
            session, system, username=username, password=TEST_PASSWORD, full_name=full_name
        )
        for role in roles:
            accounts.assign_role(
                session, system, user, accounts.get_role(session, role), get_unit(session, unit)
            )
    niks = []
    for name, born, sex, address, serial in RESIDENTS:
        nik = make_nik(KALIJAMBE, born, sex, serial)
        niks.append(nik)
        register_resident(
            session,
            system,
            {
                "nik": nik,
                "name": name,
                "birth_place": "Sragen",
                "birth_date": born,
                "sex": sex,
                "domicile_code": f"{KALIJAMBE}.2001",
                "address": address,
                "rt": "002",
                "rw": "004",
                "religion": "islam",
                "marital_status": "kawin",
                "occupation": "Wiraswasta",
            },
        )
    ktp.apply(session, system, nik=niks[0], kecamatan_code=KALIJAMBE, reason="new")
    licensing.import_catalogue(session, system, typical_rows())
    service = licensing.get_service_type(session, "SIUP")
    applicant = licensing.counter_applicant(
        session, system, {"name": "CV Batik Kliwonan", "email": "batik@example.id"}
    )
    application = licensing.submit_application(
        session, system, service_type=service, applicant=applicant, checked=service.requirements
    )
    return application.number


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        freeze_clock(monkeypatch)
        app = build_app(tmp_path_factory.mktemp("visual"), ["ktp", "licensing"])
        with app.extensions["pamong"].db.transaction() as session:
            number = _seed(session)
        with live_server(app) as url:
            yield {"url": url, "number": number}
        app.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def logins(site, browser):
    """Each user's logged-in browser state, made once and reused at every width."""
    states = {}
    for username in {user for _n, user, _p, _t in JOURNEYS if user}:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{site['url']}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("form.card button")
        page.wait_for_url(f"{site['url']}/dashboard")
        states[username] = context.storage_state()
        context.close()
    return states


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(
    ("name", "user", "path", "expected"), JOURNEYS, ids=[j[0] for j in JOURNEYS]
)
def test_the_page_looks_as_recorded(
    request, site, browser, logins, name, user, path, expected, width
):
    w, h = WIDTHS[width]
    context = browser.new_context(
        viewport={"width": w, "height": h},
        storage_state=logins[user] if user else None,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        reduced_motion="reduce",
    )
    try:
        page = context.new_page()
        response = page.goto(site["url"] + path.format(number=site["number"]))
        assert response is not None and response.status == 200
        assert expected.format(number=site["number"]) in page.content()
        page.add_style_tag(content=STILL)
        png = page.screenshot(full_page=True, animations="disabled", caret="hide")
    finally:
        context.close()
    check_screenshot(png, f"{name}-{width}", updating(request.config))

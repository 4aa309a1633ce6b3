"""Every public page of a demo regency with every plugin, on a phone in headless Chromium.

The demo (``pamong demo``) seeds each plugin's data, so the pages show what a
citizen sees: a tracked file, a verified document, a water bill, market
prices, the trade board, a registered letter. Each page must pass axe-core
(no serious or critical violation) and read in Indonesian, its codes shown
as words. Screenshots go to test-artifacts/public-*.png for people to look at.
The portal's own pages are checked with its richer data in
``tests/plugins/portal/test_portal_browser.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from language_leaks import check_page

from pamong.app import create_app
from pamong.cli import main
from pamong.testing import CHROMIUM, CHROMIUM_ARGS, live_server, needs_chromium

ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
pytestmark = [pytest.mark.browser, needs_chromium]

#: name: (address, or the demo's sample whose address it is)
PAGES = {
    "home": "/",
    "units": "/org-units",
    "unit": "/org-units/33.14.01",
    "tracker": "/track/",
    "tracked-file": "Try the tracker",
    "document": "Verify a document",
    "survey": "/survey/results",
    "login": "/login",
    "forgot-password": "/password/forgot",
    "permit-catalogue": "/licensing/catalogue",
    "applicant-login": "/licensing/portal/login",
    "bill": "billing_check",
    "water-bill": "pdam_check",
    "new-connection": "pdam_new_connection",
    "prices": "/sipaw/",
    "commodity": "/sipaw/commodities/beras_medium_1",
    "compare": "/sipaw/compare",
    "open-data": "/sipaw/open-data",
    "board": "/sipaw/board",
    "letter": "kantaya_letter",
}

#: English that is part of the page's Indonesian data
ALLOWED = {"permit-catalogue": ("Plan",)}  # "Pengesahan Rencana Tapak (Site Plan)"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("public-site") / "instance"
    built = CliRunner().invoke(
        main, ["--instance", str(instance), "demo", "--no-serve", "--residents", "200"]
    )
    assert built.exit_code == 0, built.output
    samples = dict(re.findall(r"^\s*([\w ]+?):\s+(/\S+|\S+/\S+)$", built.output, re.M))
    samples["kantaya_letter"] = "/kantaya/letters/check?number=" + samples["kantaya_letter"]
    app = create_app(instance)
    try:
        with live_server(app) as url:
            yield url, {name: samples.get(path, path) for name, path in PAGES.items()}
    finally:
        app.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        context = chromium.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID"
        )
        yield context.new_page()
        chromium.close()


@pytest.mark.parametrize("name", PAGES)
def test_a_public_page_is_accessible_and_indonesian(site, phone, name):
    from axe_playwright_python.sync_playwright import Axe

    url, addresses = site
    assert addresses[name].startswith("/"), f"the demo printed no sample for {name}"
    answer = phone.goto(url + addresses[name])
    assert answer.status == 200
    ARTIFACTS.mkdir(exist_ok=True)
    check_page(phone, ARTIFACTS / f"public-{name}.png", allow=ALLOWED.get(name, ()))
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(phone).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == []
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page is wider than a phone"

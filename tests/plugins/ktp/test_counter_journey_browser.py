"""Issue 20's "done when": a kecamatan counter officer's day on a phone, in Indonesian.

The officer of Kalijambe registers a newborn into an existing family card,
moves the family to another desa and serves the eldest child at the KTP
counter, on a 390 px wide screen. Every page on the way must show no English
phrase from the catalogs and no raw code (see tests/language_leaks.py).
Screenshots go to test-artifacts/journey-*.png.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from language_leaks import check_page

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.identity.services import register_resident
from pamong.identity.synthetic import make_nik
from pamong.orgunits.services import get_unit
from pamong.runtime import regency_today
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
KK = "3314012001260001"
KEDEN, KEDEN_2 = "33.14.01.2001", "33.14.01.2002"
FAMILY = (
    # (serial, name, sex, birth date, relation, marital status)
    (11, "Slamet Riyadi", "M", date(1975, 3, 2), "kepala_keluarga", "kawin"),
    (12, "Sri Rahayu", "F", date(1979, 8, 21), "istri", "kawin"),
    (13, "Bagus Prasetyo", "M", date(2007, 1, 9), "anak", "belum_kawin"),
)
ELDEST = make_nik("33.14.01", date(2007, 1, 9), "M", 13)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Kalijambe's counter officer (registry and KTP) and a family of three in Keden."""
    app = build_app(tmp_path_factory.mktemp("journey"), ["ktp"])
    system = Actor.system("test")
    with app.extensions["pamong"].db.transaction() as session:
        officer = accounts.create_user(
            session, system, username="loket.kalijambe", password=TEST_PASSWORD, full_name="Rina"
        )
        for role in ("registrar", "ktp_officer"):
            accounts.assign_role(
                session,
                system,
                officer,
                accounts.get_role(session, role),
                get_unit(session, "33.14.01"),
            )
        for serial, name, sex, born, relation, marital in FAMILY:
            register_resident(
                session,
                system,
                {
                    "nik": make_nik("33.14.01", born, sex, serial),
                    "kk_number": KK,
                    "family_relation": relation,
                    "name": name,
                    "birth_place": "Sragen",
                    "birth_date": born,
                    "sex": sex,
                    "domicile_code": KEDEN,
                    "address": "Dukuh Keden",
                    "rt": "002",
                    "rw": "004",
                    "religion": "islam",
                    "marital_status": marital,
                    "occupation": "Pelajar/Mahasiswa" if relation == "anak" else "Petani",
                    "blood_type": "O",
                },
            )
    with app.app_context():
        today = regency_today()
    with live_server(app) as url:
        yield {"url": url, "today": today}
    app.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        context.grant_permissions(["camera"])
        yield context.new_page()
        chromium.close()


def check(page, name: str) -> None:
    """The page in Indonesian only, with labels for codes; a screenshot for people."""
    check_page(page, ARTIFACTS / f"journey-{name}.png", area="body")


def test_a_counter_officer_registers_a_birth_moves_a_family_and_issues_a_ktp(site, page):
    url, today = site["url"], site["today"]
    page.goto(f"{url}/login")
    check(page, "0-login")
    page.fill("input[name=username]", "loket.kalijambe")
    page.fill("input[name=password]", TEST_PASSWORD)
    submit(page, "form.card button")
    assert page.url == f"{url}/dashboard"
    check(page, "1-dashboard")

    # A newborn, into the family card of Slamet Riyadi.
    page.goto(f"{url}/residents/new?kind=birth")
    check(page, "2-birth-form")
    born = today - timedelta(days=3)
    page.fill("input[name=kk_number]", KK)
    page.select_option("select[name=family_relation]", "anak")
    page.fill("input[name=name]", "Ayu Lestari")
    page.select_option("select[name=sex]", "F")
    page.fill("input[name=birth_place]", "Sragen")
    page.fill("input[name=birth_date]", born.isoformat())
    page.select_option("select[name=domicile_code]", KEDEN)
    page.fill("input[name=address]", "Dukuh Keden")
    page.fill("input[name=note]", "Akta 3314-LT-0042")
    page.fill("input[name=nik]", "331401")  # a slip of the finger: refused, all else kept
    submit(page, "form.card > button")
    assert page.input_value("input[name=name]") == "Ayu Lestari"
    check(page, "2-birth-refused")
    page.fill("input[name=nik]", make_nik("33.14.01", born, "F", 14))
    page.fill("input[name=rt]", "0O2")  # a letter O for a zero
    submit(page, "form.card > button")
    assert "RT" in page.inner_text("#form-error")
    check(page, "2-birth-refused-rt")
    page.fill("input[name=rt]", "002")
    page.fill("input[name=birth_date]", (today + timedelta(days=1)).isoformat())
    submit(page, "form.card > button")
    check(page, "2-birth-refused-date")
    page.fill("input[name=birth_date]", born.isoformat())
    submit(page, "form.card > button")
    assert "Ayu Lestari" in page.locator("h1").inner_text()
    assert "Kelahiran" in page.inner_text("#events")
    check(page, "3-newborn")

    # The whole family moves to another desa of the kecamatan.
    submit(page, f"a[href$='/families/{KK}']")
    assert page.locator("tbody tr").count() == 4
    check(page, "4-family")
    page.fill("input[name=day]", today.isoformat())
    page.select_option("select[name=to_desa_code]", KEDEN_2)
    page.fill("input[name=note]", "Surat pindah 474/12")
    submit(page, "form.card > button")
    assert "Anggota dipindahkan: 4." in page.inner_text("body")
    check(page, "5-family-moved")
    submit(page, "text=Bagus Prasetyo")
    assert "Pindah keluar" in page.inner_text("#events")
    check(page, "6-resident-moved")

    # The eldest child, now seventeen, gets a KTP at the counter.
    page.goto(f"{url}/ktp/")
    check(page, "7-counter")
    page.fill("input[name=nik]", make_nik("33.14.02", date(2007, 1, 9), "M", 99))  # not here
    submit(page, "#apply button")
    assert page.locator("#apply-error").is_visible()
    check(page, "7-counter-refused")
    page.fill("input[name=nik]", ELDEST)
    submit(page, "#apply button")
    assert page.locator("h1").inner_text().startswith("KTP-")
    check(page, "8-application")
    submit(page, "text=Data cocok: periksa ke database kependudukan")
    check(page, "9-checked")
    page.click("#camera-start")
    page.wait_for_function("() => document.getElementById('video').readyState >= 2")
    page.click("#camera-shoot")
    page.locator("#pad").scroll_into_view_if_needed()
    pad = page.locator("#pad").bounding_box()
    page.mouse.move(pad["x"] + 20, pad["y"] + 60)
    page.mouse.down()
    for x, y in ((60, 30), (110, 90), (160, 40), (220, 80)):
        page.mouse.move(pad["x"] + x, pad["y"] + y, steps=4)
    page.mouse.up()
    submit(page, "#capture > button")
    assert "Foto dan tanda tangan disimpan." in page.inner_text("body")
    check(page, "10-captured")
    submit(page, "text=Buat kartu")
    check(page, "11-printed")
    page.fill("input[name=collected_by]", "Bagus Prasetyo")
    submit(page, "text=Serahkan kartu")
    assert "Diambil oleh Bagus Prasetyo." in page.inner_text("body")
    check(page, "12-collected")

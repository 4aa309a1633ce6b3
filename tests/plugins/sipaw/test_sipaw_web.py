"""SIPAW pages and API: the public price page, charts, open data, entry, review, board."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sipaw_testing import BUNDER, GEMOLONG, OFFICE, REGENCY

pytestmark = pytest.mark.pamong_plugins("sipaw")
API = "/api/v1/sipaw"


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


@pytest.fixture
def published(app, db, markets, enter, publish, days):
    """Two published days in both markets, a HET on MinyaKita that today's price passes."""
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services

    d1, d2, _ = days
    with app.app_context(), db.transaction() as session:
        services.add_reference_price(
            session,
            Actor.system("test"),
            commodity_code="minyakita",
            kind="HET",
            price_low=15700,
            valid_from=d1 - timedelta(days=30),
        )
    for market in (BUNDER, GEMOLONG):
        enter(market, d1, [("minyakita", 15600), ("beras_medium_1", 12400)], trader="Bu Sri")
        enter(market, d2, [("minyakita", 16500), ("beras_medium_1", 12500)], trader="Bu Sri")
    publish(d1)
    publish(d2)
    return days


def test_the_public_page_shows_prices_changes_and_the_het_alert(client, published):
    page = client.get("/sipaw/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rp16.500" in html and "Rp900" in html  # the price and its change since the day before
    assert 'class="sipaw-above"' in html and "sipaw-alert" in html
    assert "Bu Sri" not in html


def test_a_commodity_has_a_server_rendered_chart(client, published):
    for span in ("week", "month", "year", "5y"):
        page = client.get(f"/sipaw/commodities/minyakita?range={span}")
        assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    html = client.get("/sipaw/commodities/minyakita").get_data(as_text=True)
    assert "<circle" in html and "Pasar Bunder: Rp16.500" in html  # the market map
    svg = client.get("/sipaw/commodities/minyakita/chart.svg")
    assert svg.mimetype == "image/svg+xml" and b"polyline" in svg.data
    assert client.get("/sipaw/commodities/nothing").status_code == 404


def test_the_widget_is_a_small_page_for_the_portal(client, published):
    page = client.get("/sipaw/widget")
    assert page.status_code == 200 and b"Rp16.500" in page.data


def test_open_data_csv_has_the_hdx_columns_explicit_gaps_and_no_people(client, published):
    d1, _d2, d3 = published
    answer = client.get(f"/sipaw/open-data/prices.csv?from={d1}&to={d3}")
    assert answer.status_code == 200 and 'rel="license"' in answer.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    header = set(rows[0])
    assert {
        "date",
        "admin1",
        "admin2",
        "market_id",
        "latitude",
        "commodity_id",
        "unit",
        "priceflag",
        "pricetype",
        "currency",
        "price",
        "admin2_code",
    } <= header
    actual = [r for r in rows if r["priceflag"] == "actual"]
    assert {
        r["price"] for r in actual if r["commodity_id"] == "minyakita" and r["date"] == str(d1)
    } == {"15600"}
    missing = [r for r in rows if r["priceflag"] == "missing"]
    assert missing and all(r["price"] == "" for r in missing)  # never zero
    assert any(r["date"] == str(d3) for r in missing)  # the unpublished day is a marked gap
    assert "Bu Sri" not in answer.get_data(as_text=True)


def test_open_data_json_carries_the_licence_and_refuses_bad_ranges(client, published):
    d1, d2, _ = published
    body = client.get(f"{API}/open-data?from={d1}&to={d2}").json
    assert body["licence"]["name"] and body["schema_version"] == "1.0"
    assert all("trader" not in row for row in body["rows"])
    bad = client.get(f"{API}/open-data?from={d2}&to={d1}")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert client.get(f"{API}/open-data?from=2020-13-01").status_code == 422
    summary = client.get(f"{API}/open-data/summary?from={d1}&to={d2}").json
    assert {(r["commodity_id"], r["price"]) for r in summary["rows"] if r["date"] == str(d2)} == {
        ("minyakita", 16500),
        ("beras_medium_1", 12500),
    }


def test_the_enumerator_sends_the_offline_queue_as_json(client, login_as, markets, today):
    login_as("sipaw_enumerator", BUNDER)
    page = client.get("/sipaw/entry")
    assert page.status_code == 200 and b"/sipaw/entry.js" in page.data
    script = client.get("/sipaw/entry.js").data
    assert b"localStorage" in script and b"serviceWorker" in script
    batch = {
        "market": BUNDER,
        "day": today.isoformat(),
        "entries": [{"commodity": "telur_ayam_ras", "price": "28.000", "client_ref": "q1"}],
    }
    headers = {"X-CSRFToken": csrf(page)}
    assert client.post("/sipaw/entry", json=batch, headers=headers).status_code == 201
    again = client.post("/sipaw/entry", json=batch, headers=headers)
    assert again.json == {"saved": 0}  # sent twice: kept once
    batch["entries"][0]["price"] = "abc"
    batch["entries"][0]["client_ref"] = "q2"
    refused = client.post("/sipaw/entry", json=batch, headers=headers)
    assert refused.status_code == 422
    assert client.get("/sipaw/sw.js").mimetype == "application/javascript"


def test_the_entry_form_works_without_javascript(client, login_as, markets, today):
    login_as("sipaw_enumerator", BUNDER)
    token = csrf(client.get("/sipaw/entry"))
    answer = client.post(
        "/sipaw/entry",
        data={
            "csrf_token": token,
            "market": BUNDER,
            "day": today.isoformat(),
            "commodity": ["beras_medium_1"],
            "price-beras_medium_1-1": "12500",
            "price-beras_medium_1-2": "12.600",
        },
    )
    assert answer.status_code == 302


def test_the_coordinator_publishes_from_the_review_page(client, login_as, markets, enter, today):
    enter(BUNDER, today, [("beras_medium_1", 12500), ("beras_medium_1", 12700)])
    login_as("sipaw_coordinator", REGENCY)
    page = client.get(f"/sipaw/review?day={today}")
    assert page.status_code == 200 and "Pasar Bunder" in page.get_data(as_text=True)
    token = csrf(page)
    answer = client.post("/sipaw/review", data={"csrf_token": token, "day": today.isoformat()})
    assert answer.status_code == 302
    assert "Rp12.600" in client.get("/sipaw/").get_data(as_text=True)


def test_an_enumerator_cannot_publish(client, login_as, markets):
    login_as("sipaw_enumerator", BUNDER)
    assert client.get("/sipaw/review").status_code == 403


def test_the_api_takes_observations_and_publishes(client, bearer, markets, today):
    enumerator = bearer("sipaw_enumerator", BUNDER)
    body = {
        "market": BUNDER,
        "day": today.isoformat(),
        "entries": [
            {"commodity": "gula_pasir_lokal", "price": 17500},
            {"commodity": "gula_pasir_lokal", "price": 0},
        ],
    }
    refused = client.post(f"{API}/observations", json=body, headers=enumerator)
    assert refused.status_code == 422 and refused.json["errors"][0]["row"] == 2
    body["entries"].pop()
    assert client.post(f"{API}/observations", json=body, headers=enumerator).status_code == 201
    other = client.post(
        f"{API}/observations", json={**body, "market": GEMOLONG}, headers=enumerator
    )
    assert other.status_code == 403
    coordinator = bearer("sipaw_coordinator", REGENCY)
    done = client.post(f"{API}/publications", json={"day": today.isoformat()}, headers=coordinator)
    assert done.status_code == 201 and done.json["published"] == 1
    future = client.post(
        f"{API}/publications",
        json={"day": (today + timedelta(days=2)).isoformat()},
        headers=coordinator,
    )
    assert future.status_code == 422


def test_the_admin_adds_a_market_and_a_reference_range(client, bearer, markets, today):
    admin = bearer("sipaw_admin", REGENCY)
    market = client.post(
        f"{API}/markets",
        json={
            "code": f"{OFFICE}-PSR-MASARAN",
            "name": "Pasar Masaran",
            "kecamatan_code": "33.14.09",
        },
        headers=admin,
    )
    assert market.status_code == 201, market.json
    ref = client.post(
        f"{API}/reference-prices",
        json={
            "commodity_code": "bawang_merah",
            "kind": "HAP",
            "price_low": 36500,
            "price_high": 41500,
            "valid_from": today.isoformat(),
            "legal_basis": "Perbadan 11/2022",
        },
        headers=admin,
    )
    assert ref.status_code == 201 and ref.json["price_high"] == 41500
    enumerator = bearer("sipaw_enumerator", BUNDER)
    assert (
        client.post(
            f"{API}/markets",
            json={"code": "X", "name": "X", "kecamatan_code": "33.14.09"},
            headers=enumerator,
        ).status_code
        == 403
    )


def test_the_admin_edits_the_commodity_list(client, bearer, markets):
    admin = bearer("sipaw_admin", REGENCY)
    body = {
        "code": "jagung_pipil",
        "name": "Jagung",
        "category": "cereals and tubers",
        "unit": "kg",
        "variant": "pipilan kering",
    }
    assert client.post(f"{API}/commodities", json=body, headers=admin).status_code == 200
    renamed = client.post(f"{API}/commodities", json={**body, "unit": "liter"}, headers=admin)
    assert renamed.json["unit"] == "liter"
    assert "jagung_pipil" in {c["code"] for c in client.get(f"{API}/commodities").json}
    bad = client.post(f"{API}/commodities", json={**body, "unit": "ons"}, headers=admin)
    assert bad.status_code == 422
    enumerator = bearer("sipaw_enumerator", BUNDER)
    assert client.post(f"{API}/commodities", json=body, headers=enumerator).status_code == 403


def test_the_admin_closes_a_market_and_registers_a_peer(client, login_as, markets, today):
    login_as("sipaw_admin", REGENCY)
    token = csrf(client.get("/sipaw/manage"))
    closed = client.post(
        "/sipaw/manage", data={"csrf_token": token, "what": "close", "market": GEMOLONG}
    )
    assert closed.status_code == 302
    peer = {
        "csrf_token": token,
        "what": "peer",
        "code": "klaten",
        "name": "Kabupaten Klaten",
        "url": "https://pamong.klatenkab.go.id",
        "region_code": "33.10",
    }
    assert client.post("/sipaw/manage", data=peer).status_code == 302
    page = client.get("/sipaw/manage").get_data(as_text=True)
    assert "https://pamong.klatenkab.go.id" in page and "Buka kembali" in page
    bad = client.post("/sipaw/manage", data={**peer, "url": "file:///etc/passwd"})
    assert bad.status_code == 302  # refused with a message, nothing saved
    assert "file:///etc/passwd" not in client.get("/sipaw/manage").get_data(as_text=True)


def test_the_portal_home_shows_the_day_s_prices(app, published):
    from pamong_plugins.sipaw.hooks import pamong_portal_widgets

    with app.test_request_context("/", headers={"Accept-Language": "id"}):
        session = app.extensions["pamong"].db.session()
        try:
            (widget,) = pamong_portal_widgets(session)
        finally:
            session.close()
    assert widget.key == "sipaw.prices" and widget.url == "/sipaw/"
    assert widget.title.startswith("Harga bahan pokok")
    assert any("Rp16.500" in value for _name, value in widget.rows)

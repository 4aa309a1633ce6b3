"""The counter pages, the receipt, the metrics, the CLI, the photo rules and the card."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from click.testing import CliRunner
from ktp_testing import BLUE, KALIJAMBE, KEDEN, PLUPUH, RED, image_bytes
from PIL import Image

from pamong.accounts.permissions import Actor
from pamong.cli import main
from pamong_plugins.ktp import services, stats
from pamong_plugins.ktp.card import card_context, place_of_issue, rt_rw
from pamong_plugins.ktp.models import KtpApplication, KtpCard
from pamong_plugins.ktp.photo import background_colour, expected_background, prepare_capture

pytestmark = pytest.mark.pamong_plugins("ktp")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_officer_serves_a_resident_in_the_browser_forms(client, login_as, make_resident):
    login_as("ktp_officer", KALIJAMBE)
    resident = make_resident(desa=KEDEN, birth_date=date(1991, 3, 4))
    page = client.get("/ktp/").get_data(as_text=True)
    assert "Loket KTP" in page and 'value="33.14.01"' in page
    token = csrf(page)
    response = client.post(
        "/ktp/applications",
        data={
            "csrf_token": token,
            "nik": resident.nik,
            "kecamatan_code": KALIJAMBE,
            "reason": "new",
        },
    )
    assert response.status_code == 302
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert resident.nik in page and "Permohonan diterima" in page
    app_id = int(url.rstrip("/").split("/")[-1])
    client.post(f"/ktp/applications/{app_id}/check", data={"csrf_token": token})
    page = client.get(url).get_data(as_text=True)
    assert "merah" in page  # 1991 is odd: a red background
    client.post(
        f"/ktp/applications/{app_id}/capture",
        data={
            "csrf_token": token,
            "photo": (BytesIO(image_bytes(RED)), "photo.jpg"),
            "signature": (BytesIO(image_bytes((255, 255, 255), "PNG")), "sign.png"),
        },
        content_type="multipart/form-data",
    )
    response = client.post(f"/ktp/applications/{app_id}/print", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    card_url = re.search(r'href="(/ktp/cards/\d+/card.pdf)"', page).group(1)
    pdf = client.get(card_url)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    client.post(
        f"/ktp/applications/{app_id}/handover",
        data={"csrf_token": token, "collected_by": "Ibu Budi (istri)"},
    )
    page = client.get(url).get_data(as_text=True)
    assert "Diambil oleh Ibu Budi (istri)." in page
    assert "Kartu sudah diambil" in page
    # With the card, the resident is offered the satisfaction survey (link and QR code).
    survey = re.search(r'href="(http://localhost/survey/[\w-]+)"', page).group(1)
    assert "<svg" in page.split('id="survey"')[1]
    path = survey.removeprefix("http://localhost")
    answers = {f"q{i}": "3" for i in range(9)}
    assert client.post(path, data={"csrf_token": token, **answers}).status_code == 200
    page = client.get(url).get_data(as_text=True)
    assert path not in page and "Penduduk sudah mengisi survei" in page
    results = client.get("/api/v1/surveys/results").get_json()["figures"]
    assert [(f["service"], f["unit_code"], f["value"]) for f in results] == [
        ("ktp.card", KALIJAMBE, "75.00")
    ]


def test_forms_need_the_csrf_token(client, login_as, make_resident):
    login_as("ktp_officer", KALIJAMBE)
    resident = make_resident(desa=KEDEN)
    response = client.post(
        "/ktp/applications",
        data={"nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "new"},
    )
    assert response.status_code == 400


def test_a_refusal_is_shown_to_the_officer_in_indonesian(client, login_as, make_resident):
    login_as("ktp_officer", PLUPUH)
    resident = make_resident(desa=KEDEN)
    token = csrf(client.get("/ktp/").get_data(as_text=True))
    response = client.post(
        "/ktp/applications",
        data={"csrf_token": token, "nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "x"},
        headers={"Referer": "/ktp/"},
        follow_redirects=True,
    )
    assert "Anda tidak berwenang menerima permohonan di Kalijambe." in response.get_data(
        as_text=True
    )


def test_pages_need_a_ktp_permission(client, login_as):
    assert client.get("/ktp/").status_code == 302  # to the login page
    login_as("viewer", KALIJAMBE)
    assert client.get("/ktp/").status_code == 403
    assert client.get("/ktp/stats").status_code == 403


def test_receipt_shows_the_fee_in_words(app, client, login_as, make_resident, db_session):
    services.add_fee_rate(
        db_session,
        Actor.system("t"),
        amount=5000,
        valid_from=date(2006, 7, 1),
        legal_basis="Perda Kabupaten Sragen Nomor 7 Tahun 2006",
    )
    db_session.commit()
    user = login_as("ktp_officer", KALIJAMBE)
    resident = make_resident(desa=KEDEN)
    from pamong.accounts import services as accounts

    actor = accounts.actor_for(accounts.load_user(db_session, user.id))
    application = services.apply(
        db_session, actor, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
    )
    db_session.commit()
    page = client.get(f"/ktp/applications/{application.id}/receipt").get_data(as_text=True)
    assert "Rp5.000" in page
    assert "Lima ribu rupiah" in page
    assert application.tracking_number in page
    assert resident.nik not in page  # masked on a paper that leaves the office


def test_background_colour_rule():
    assert expected_background(1991) == "red" and expected_background(1990) == "blue"
    assert background_colour(Image.new("RGB", (30, 40), RED)) == "red"
    assert prepare_capture(image_bytes(BLUE), image_bytes(BLUE, "PNG"), 1990).warning == ""
    warned = prepare_capture(image_bytes((240, 240, 240)), image_bytes(BLUE, "PNG"), 1991)
    assert warned.warning == "Odd birth year: the background should be red."
    assert warned.photo.startswith(b"\xff\xd8")  # re-encoded as JPEG


def test_percentile_interpolates_like_a_spreadsheet():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert stats.percentile(values, 0.5) == 3.0
    assert stats.percentile(values, 0.9) == pytest.approx(7.6)
    assert stats.percentile([2.5], 0.9) == 2.5


def test_service_times_per_kecamatan_and_day(app, make_resident, officer_at, db_session):
    officer, outside = officer_at(), officer_at(PLUPUH)
    residents = [make_resident(desa=KEDEN, name=f"Warga {i}") for i in range(3)]
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 WIB
    for minutes, resident in zip((2, 4, 12), residents, strict=True):
        application = services.apply(
            db_session,
            officer,
            nik=resident.nik,
            kecamatan_code=KALIJAMBE,
            reason="new",
            now=start,
        )
        services.check_biodata(db_session, officer, application.id, now=start)
        services.capture(
            db_session,
            officer,
            application.id,
            photo=image_bytes(BLUE),
            signature=image_bytes(BLUE, "PNG"),
            now=start,
        )
        services.print_card(
            db_session, officer, application.id, now=start + timedelta(minutes=minutes)
        )
    db_session.commit()
    rows = stats.daily_rows(
        db_session, officer, date(2026, 3, 1), date(2026, 3, 31), "Asia/Jakarta"
    )
    assert [(r.day, r.kecamatan_code, r.issued) for r in rows] == [(date(2026, 3, 2), KALIJAMBE, 3)]
    assert rows[0].median_minutes == 4.0
    assert rows[0].p90_minutes == pytest.approx(10.4)
    csv_text = stats.to_csv(rows)
    assert csv_text.splitlines()[1] == "2026-03-02,33.14.01,Kalijambe,3,4.00,10.40"
    summary = stats.summary(
        db_session, Actor.system("t"), date(2026, 3, 1), date(2026, 3, 31), "Asia/Jakarta"
    )
    assert summary[0].issued == 3 and summary[0].backlog == {"printed": 3}
    assert stats.daily_rows(db_session, outside, date(2026, 3, 1), date(2026, 3, 31), "UTC") == []


def test_stats_page_and_csv(client, login_as):
    login_as("ktp_supervisor", "33.14")
    page = client.get("/ktp/stats?since=2026-01-01&until=2026-01-31")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    csv_response = client.get("/ktp/stats?since=2026-01-01&until=2026-01-31&format=csv")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.get_data(as_text=True).startswith("day,kecamatan_code")
    assert client.get("/ktp/stats?since=garbage").status_code == 422
    assert client.get("/ktp/stats?since=2020-01-01&until=2026-01-01").status_code == 422


def test_cli_stats(app, make_resident, officer_at, serve):
    serve(officer_at(), make_resident(desa=KEDEN), stop="printed")
    # The CLI reads the instance's pamong.toml; point it at the test database.
    runner = CliRunner(env={"PAMONG_DATABASE_URL": app.extensions["pamong"].settings.database_url})
    instance = app.instance_path
    result = runner.invoke(main, ["--instance", instance, "ktp", "stats"])
    assert result.exit_code == 0, result.output
    assert "Kalijambe" in result.output and "total" in result.output
    result = runner.invoke(main, ["--instance", instance, "ktp", "stats", "--csv"])
    assert result.output.startswith("day,kecamatan_code")
    result = runner.invoke(main, ["--instance", instance, "ktp", "stats", "--since", "soon"])
    assert result.exit_code == 2 and "'soon' is not a date" in result.output


def test_the_card_carries_the_ktp_fields(app, make_resident, officer_at, serve, db_session):
    resident = make_resident(
        desa=KEDEN, religion="islam", marital_status="kawin", occupation="Petani", rt="3", rw="7"
    )
    app_id = serve(officer_at(), resident, stop="printed")
    card = db_session.query(KtpCard).filter_by(application_id=app_id).one()
    with app.test_request_context("/"):
        fields = card_context(db_session, card)
    assert fields["province"] == "PROVINSI JAWA TENGAH"
    assert fields["regency"] == "KABUPATEN SRAGEN"
    assert fields["place"] == "SRAGEN"
    assert fields["rt_rw"] == "003/007"
    assert (fields["kecamatan"], fields["desa"]) == ("KALIJAMBE", "KEDEN")
    assert fields["marital"] == "KAWIN" and fields["valid_until"] == "SEUMUR HIDUP"
    assert fields["religion"] == "ISLAM" and fields["occupation"] == "PETANI"
    assert fields["photo"].startswith("data:image/jpeg;base64,")
    assert "<svg" in fields["qr"]
    assert db_session.get(KtpApplication, app_id).step == "printed"
    assert place_of_issue("Kota Dumai") == "DUMAI"
    assert (rt_rw("12", None), rt_rw(" 1 ", "010")) == ("012/000", "001/010")


def test_the_fee_form_refuses_an_officer_before_reading_what_was_typed(client, login_as):
    # ktp.report may see the fee schedule, only ktp.admin may change it: a bad
    # form from a reporter is a refusal, not a "check these fields" message.
    login_as("ktp_officer", KALIJAMBE)
    token = csrf(client.get("/ktp/fees").get_data(as_text=True))
    for form in ({"amount": "abc", "valid_from": "x"}, {"amount": "0", "valid_from": "2041-01-01"}):
        response = client.post("/ktp/fees", data={"csrf_token": token, **form})
        assert response.status_code == 403


def test_a_refused_application_keeps_the_form_and_says_why_inline(client, login_as, make_resident):
    login_as("ktp_officer", KALIJAMBE)
    token = csrf(client.get("/ktp/").get_data(as_text=True))
    elsewhere = make_resident(desa="33.14.02.2001")  # in Plupuh
    for nik in ("3314019999999999", elsewhere.nik):  # unknown; out of the officer's scope
        form = {"nik": nik, "kecamatan_code": KALIJAMBE, "reason": "renewal", "note": "antre 7"}
        response = client.post("/ktp/applications", data={"csrf_token": token, **form})
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "Tidak ada penduduk dengan NIK ini." in page
        assert f'value="{nik}"' in page and 'value="antre 7"' in page
        assert '<option value="renewal" selected>' in page

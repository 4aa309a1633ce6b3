"""The registry in the pages: register, correct, births, deaths, moves, the mutation report."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from pamong.audit.models import AuditEntry
from pamong.identity.models import LifeEvent, Resident
from pamong.identity.synthetic import make_nik
from pamong.runtime import regency_today

KEDEN, KEDEN_2 = "33.14.01.2001", "33.14.01.2002"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_officer_registers_a_newborn_from_the_form(app, client, login_as):
    login_as("registrar", "33.14.01")
    page = text(client.get("/residents/new?kind=birth"))
    assert 'value="33.14.01.2001"' in page  # the desa of the officer's kecamatan
    with app.app_context():
        born = regency_today() - timedelta(days=2)
    form = {
        "csrf_token": csrf(page),
        "kind": "birth",
        "nik": make_nik("33.14.01", born, "F", 77),
        "name": "Ayu Lestari",
        "birth_place": "Sragen",
        "birth_date": born.isoformat(),
        "sex": "F",
        "domicile_code": KEDEN,
        "note": "Akta 3314-LT-2026",
    }
    response = client.post("/residents/new", data=form)
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Ayu Lestari" in page and "Kelahiran" in page and "Akta 3314-LT-2026" in page


def test_a_refused_registration_keeps_what_was_typed_and_names_the_field(client, login_as):
    login_as("registrar", "33.14.01")
    token = csrf(text(client.get("/residents/new")))
    form = {
        "csrf_token": token,
        "nik": "1234",
        "name": "Joko Susilo",
        "birth_place": "Sragen",
        "birth_date": "1990-13-45",
        "sex": "M",
        "domicile_code": KEDEN,
    }
    response = client.post("/residents/new", data=form)
    page = text(response)
    assert response.status_code == 422
    assert 'value="Joko Susilo"' in page and "birth_date" in page
    assert 'aria-invalid="true"' in page


def test_a_correction_is_audited_with_the_previous_value(
    client, login_as, make_resident, db_session
):
    person = make_resident(desa=KEDEN, address="Dukuh Lama")
    login_as("registrar", "33.14.01")
    page = text(client.get(f"/residents/{person.id}/edit"))
    assert 'value="Dukuh Lama"' in page
    form = {
        "csrf_token": csrf(page),
        "name": person.name,
        "birth_place": "Sragen",
        "birth_date": person.birth_date.isoformat(),
        "sex": "M",
        "domicile_code": KEDEN,
        "address": "Dukuh Baru",
        "rt": "3",
        "rw": "12",
    }
    assert client.post(f"/residents/{person.id}/edit", data=form).status_code == 302
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "resident.update")
    ).one()
    assert entry.detail["changes"]["address"] == ["Dukuh Lama", "Dukuh Baru"]


def test_a_move_and_a_death_are_recorded_from_the_resident_page(
    client, login_as, make_resident, db_session
):
    mover = make_resident(desa=KEDEN)
    login_as("registrar", "33.14.01")
    token = csrf(text(client.get(f"/residents/{mover.id}")))
    client.post(
        f"/residents/{mover.id}/move",
        data={"csrf_token": token, "day": "2026-11-02", "to_desa_code": KEDEN_2},
    )
    page = text(client.get(f"/residents/{mover.id}"))
    assert "Pindah keluar" in page and "Pindah masuk" in page
    # A death before the birth is refused with the reason, and nothing changes.
    response = client.post(
        f"/residents/{mover.id}/death", data={"csrf_token": token, "day": "1900-01-01"}
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "sebelum kelahiran" in page
    db_session.expire_all()
    assert db_session.get(Resident, mover.id).status == "living"
    kinds = db_session.scalars(select(LifeEvent.kind).order_by(LifeEvent.id)).all()
    assert kinds == ["move_out", "move_in"]


def test_the_mutation_report_shows_a_table_and_a_chart(client, login_as, make_resident, app):
    mover = make_resident(desa=KEDEN)
    login_as("registrar", "33.14.01")
    token = csrf(text(client.get(f"/residents/{mover.id}")))
    with app.app_context():
        month = regency_today().isoformat()[:7]
    client.post(
        f"/residents/{mover.id}/move",
        data={"csrf_token": token, "day": f"{month}-01", "to_desa_code": KEDEN_2},
    )
    page = text(client.get(f"/reports/mutations?unit=33.14.01&month={month}"))
    assert "<svg" in page and "Mutasi penduduk" in page
    assert "Keden" in page and "Pindah masuk" in page
    bad = text(client.get("/reports/mutations?unit=33.14.01&month=kemarin"))
    assert "YYYY-MM" in bad
    assert date.fromisoformat(f"{month}-01")


def test_the_mutation_report_downloads_as_excel_and_csv(client, login_as, app):
    from io import BytesIO

    from openpyxl import load_workbook

    login_as("registrar", "33.14.01")
    with app.app_context():
        month = regency_today().isoformat()[:7]
    xlsx = client.get(f"/reports/mutations?unit=33.14.01&month={month}&format=xlsx")
    assert xlsx.headers["Content-Disposition"].endswith(f'mutasi-33.14.01-{month}.xlsx"')
    sheet = load_workbook(BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Kode", "Desa/kelurahan", "Awal bulan")
    assert rows[-1][0] == "33.14.01" and isinstance(rows[-1][2], int)
    csv_text = client.get(f"/reports/mutations?unit=33.14.01&month={month}&format=csv")
    assert csv_text.get_data(as_text=True).lstrip("\ufeff").startswith("Kode,Desa/kelurahan")

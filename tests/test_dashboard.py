"""The staff dashboard: today's figures at one's units, by role, and what waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pamong.accounts.permissions import Actor
from pamong.runtime import regency_today

pytestmark = pytest.mark.pamong_plugins("billing", "ktp", "licensing")


def test_a_ktp_officer_sees_the_card_counter_of_the_kecamatan_and_not_the_cashier(
    app, client, login_as, make_resident
):
    from pamong_plugins.ktp import services as ktp

    born = regency_today() - timedelta(days=17 * 366)
    with app.app_context():
        person = make_resident(desa="33.14.01.2001", birth_date=born)
        with app.extensions["pamong"].db.transaction() as session:
            ktp.apply(
                session,
                Actor.system("test"),
                nik=person.nik,
                kecamatan_code="33.14.01",
                reason="new",
            )
    login_as("ktp_officer", "33.14.01")
    text = client.get("/dashboard").get_data(as_text=True)
    assert "Hari ini di Kalijambe" in text
    assert "Permohonan KTP diterima" in text
    assert "Kuitansi" not in text  # billing's facts are the cashier's
    assert "Pesan belum dibaca" in text


def test_an_admin_sees_every_module_and_the_queues(client, login_as):
    login_as("admin")
    text = client.get("/dashboard").get_data(as_text=True)
    assert "Kemungkinan data ganda untuk diperiksa" in text
    assert "Pengiriman yang gagal" in text
    assert "Modul Anda" in text


def test_roles_at_one_unit_make_one_section_asked_once(app, client, login_as, make_resident):
    from pamong.accounts import services as accounts
    from pamong.orgunits.services import get_unit
    from pamong.plugin.testing import count_queries
    from pamong_plugins.ktp import services as ktp

    born = regency_today() - timedelta(days=17 * 366)
    with app.app_context():
        person = make_resident(desa="33.14.01.2001", birth_date=born)
        with app.extensions["pamong"].db.transaction() as session:
            ktp.apply(
                session,
                Actor.system("test"),
                nik=person.nik,
                kecamatan_code="33.14.01",
                reason="new",
            )
    officer = login_as("ktp_officer", "33.14.01")
    client.get("/dashboard")
    with count_queries(app) as one_role:
        client.get("/dashboard")
    with app.extensions["pamong"].db.transaction() as session:
        user = accounts.load_user(session, officer.id)
        unit = get_unit(session, "33.14.01")
        for role in ("viewer", "auditor"):  # no daily facts of their own
            accounts.assign_role(
                session, Actor.system("test"), user, accounts.get_role(session, role), unit
            )
    with count_queries(app) as three_roles:
        text = client.get("/dashboard").get_data(as_text=True)
    assert text.count("Hari ini di Kalijambe") == 1
    assert "Permohonan KTP diterima" in text
    assert len(three_roles) == len(one_role), three_roles

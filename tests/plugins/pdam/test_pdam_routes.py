"""Reading routes: a reader's ordered stops per month, the phone page walks them, progress."""

from __future__ import annotations

import re

import pytest
from pdam_testing import KALIJAMBE, PLUPUH_DESA, REGENCY

from pamong.plugin import Actor, regency_today

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")
SYSTEM = Actor.system("test")
API = "/api/v1/pdam"


def test_a_route_keeps_its_order_reports_bad_stops_and_shows_progress(
    db, connection, read, person, make_user
):
    from pamong_plugins.pdam import routes, services

    reader = make_user("pdam_reader", KALIJAMBE)
    numbers = [connection() for _ in range(3)]
    far = connection(desa=PLUPUH_DESA)
    supervisor = person("pdam_billing", KALIJAMBE)
    elsewhere = person("pdam_billing", "33.14.02")
    with db.transaction() as session:
        with pytest.raises(services.InvalidInput) as refused:
            routes.set_route(
                session,
                supervisor,
                reader=reader.username,
                period="2026-10",
                numbers=[numbers[0], "999", numbers[0], far],
            )
        assert [(e["line"], e["problem"]) for e in refused.value.extra["errors"]] == [
            (2, "unknown"),
            (3, "repeated"),
            (4, "unknown"),  # outside the supervisor's kecamatan
        ]
        with pytest.raises(services.InvalidInput):
            routes.set_route(
                session, supervisor, reader="nobody", period="2026-10", numbers=numbers
            )
        route = routes.set_route(
            session,
            supervisor,
            reader=reader.username,
            period="2026-10",
            numbers=list(reversed(numbers)),
            name="Keden utara",
        )
        assert [s.connection.number for s in route.stops] == list(reversed(numbers))
        assert route.unit.code == "33.14.01.2001"  # the desa holding every stop
    read(numbers[2], "2026-10", 15)
    read(numbers[1], "2026-09", 100)
    read(numbers[1], "2026-10", 50)  # below the previous one: held
    with db.transaction() as session:
        [row] = routes.progress(session, supervisor, "2026-10")
        assert (row.stops, row.read, row.held, row.remaining) == (3, 2, 1, 1)
        assert row.percent == 67 and row.name == "Keden utara"
        assert routes.progress(session, elsewhere, "2026-10") == []
        again = routes.set_route(
            session, SYSTEM, reader=reader.username, period="2026-10", numbers=numbers[:1]
        )
        assert [s.connection.number for s in again.stops] == numbers[:1]


def test_the_reader_page_walks_the_route_and_the_api(client, login_as, connection, bearer, db):
    from pamong_plugins.pdam import routes, services

    login = login_as("pdam_reader", KALIJAMBE)
    numbers = [connection(), connection()]
    with client.application.app_context():
        period = services.period_of(regency_today())
    with db.transaction() as session:
        routes.set_route(session, SYSTEM, reader=login.username, period=period, numbers=numbers)
    html = client.get("/pdam/read").get_data(as_text=True)
    order = re.findall(r'data-number="([^"]+)"', html)
    assert order == numbers and "Rute saya" in html and "Budi Santoso" not in html
    supervisor = bearer("pdam_billing", REGENCY)
    progress = client.get(f"{API}/routes?period={period}", headers=supervisor)
    assert progress.status_code == 200 and progress.json[0]["stops"] == 2
    made = client.post(
        f"{API}/routes",
        json={"reader": login.username, "period": period, "numbers": [numbers[1], "nope"]},
        headers=supervisor,
    )
    assert made.status_code == 422 and made.json["errors"][0]["line"] == 2
    assert client.get(f"{API}/routes?period=2026-13", headers=supervisor).status_code == 422
    page = client.get(f"/pdam/routes?period={period}", headers={"Accept-Language": "en"})
    assert page.status_code in (302, 403)  # a reader is not a supervisor


def test_the_supervisor_page_sets_a_route_and_lists_bad_lines(client, login_as, connection, db):
    number = connection()
    reader = login_as("pdam_reader", KALIJAMBE)
    login_as("pdam_billing", KALIJAMBE)
    page = client.get("/pdam/routes?period=2026-10")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Rute baca meter" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "period": "2026-10", "reader": reader.username}
    bad = client.post("/pdam/routes", data={**form, "numbers": f"{number}\nnope"})
    assert bad.status_code == 422 and "baris 2: nope (tidak dikenal" in bad.get_data(as_text=True)
    saved = client.post("/pdam/routes", data={**form, "numbers": number}, follow_redirects=True)
    assert reader.username in saved.get_data(as_text=True)


def test_last_months_routes_are_copied_without_closed_connections(
    db, connection, person, make_user
):
    from pamong_plugins.pdam import routes, services

    first, second = make_user("pdam_reader", KALIJAMBE), make_user("pdam_reader", KALIJAMBE)
    numbers = [connection() for _ in range(3)]
    supervisor = person("pdam_billing", KALIJAMBE)
    with db.transaction() as session:
        for reader, stops in ((first, numbers), (second, numbers[:1])):
            routes.set_route(
                session,
                supervisor,
                reader=reader.username,
                period="2026-09",
                numbers=stops,
                name=f"Rute {reader.username}",
            )
        routes.set_route(
            session, supervisor, reader=second.username, period="2026-10", numbers=numbers[2:]
        )
        services.set_status(session, SYSTEM, numbers[1], "closed", reason="Pindah rumah")
    with db.transaction() as session:
        elsewhere = person("pdam_billing", "33.14.02")
        assert routes.copy_routes(session, elsewhere, "2026-10").copied == 0
        result = routes.copy_routes(session, supervisor, "2026-10")
        assert (result.source, result.copied, result.kept) == ("2026-09", 1, [second.username])
        assert result.dropped_stops == 1
    with db.transaction() as session:
        rows = {r.reader: r for r in routes.progress(session, supervisor, "2026-10")}
        assert rows[first.username].stops == 2 and rows[first.username].name.startswith("Rute")
        assert rows[second.username].stops == 1  # kept its own route
        again = routes.copy_routes(session, supervisor, "2026-10")
        assert again.copied == 0 and sorted(again.kept) == sorted([first.username, second.username])
        with pytest.raises(services.InvalidInput):
            routes.copy_routes(session, supervisor, "2031-01")


def test_the_page_and_the_api_copy_last_months_routes(client, login_as, connection, bearer, db):
    from pamong_plugins.pdam import routes

    number = connection()
    reader = login_as("pdam_reader", KALIJAMBE)
    with db.transaction() as session:
        routes.set_route(
            session, SYSTEM, reader=reader.username, period="2026-09", numbers=[number]
        )
    supervisor = bearer("pdam_billing", REGENCY)
    made = client.post(f"{API}/routes/copy", json={"period": "2026-10"}, headers=supervisor)
    assert made.status_code == 200 and made.json["copied"] == 1 and made.json["source"] == "2026-09"
    assert (
        client.post(f"{API}/routes/copy", json={"period": "x"}, headers=supervisor).status_code
        == 422
    )
    login_as("pdam_billing", KALIJAMBE)
    html = client.get("/pdam/routes?period=2026-11").get_data(as_text=True)
    assert "Salin rute bulan lalu" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    page = client.post(
        "/pdam/routes/copy", data={"csrf_token": token, "period": "2026-11"}, follow_redirects=True
    )
    assert page.status_code == 200 and "1 rute disalin dari 2026-10" in page.get_data(as_text=True)


def test_the_cli_copies_last_months_routes(app, connection, make_user, db):
    import os

    from click.testing import CliRunner

    from pamong.cli import main
    from pamong_plugins.pdam import routes

    reader = make_user("pdam_reader", KALIJAMBE)
    with db.transaction() as session:
        routes.set_route(
            session, SYSTEM, reader=reader.username, period="2026-09", numbers=[connection()]
        )
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")  # the CLI reads the instance's database
    runner = CliRunner(env={"PAMONG_DATABASE_URL": url} if url else None)
    command = ["--instance", app.instance_path, "pdam", "copy-routes"]
    done = runner.invoke(main, [*command, "2026-10"])
    assert done.exit_code == 0, done.output
    assert "1 routes copied from 2026-09" in done.output
    bad = runner.invoke(main, [*command, "2026-13"])
    assert bad.exit_code == 1 and "2026-13" in bad.output

"""SIPAW's rules: prices typed by people, the day's median, confirmations, publication, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sipaw_testing import BUNDER, GEMOLONG

from pamong.plugin import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.pamong_plugins("sipaw")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12500, 12500),
        ("12500", 12500),
        ("12.500", 12500),
        ("Rp12.500", 12500),
        ("Rp 12.500,-", 12500),
    ],
)
def test_a_price_is_read_from_what_people_type(raw, expected):
    from pamong_plugins.sipaw.services import parse_price

    assert parse_price(raw) == expected


@pytest.mark.parametrize(
    "raw", [0, -500, "-500", "12a00", "dua belas ribu", "", None, True, 12.5, "12,5"]
)
def test_zero_negative_and_letters_are_refused(app, raw):
    from pamong_plugins.sipaw.services import parse_price

    with app.test_request_context(), pytest.raises(InvalidInput):
        parse_price(raw)


def test_the_median_of_an_even_count_is_rounded_half_up():
    from pamong_plugins.sipaw.services import median_price

    assert median_price([13000, 12000, 12500]) == 12500
    assert median_price([12000, 12501]) == 12251
    assert median_price([40000]) == 40000


def test_the_published_price_is_the_median_of_the_observations(
    app, db, markets, enter, publish, days
):
    from pamong_plugins.sipaw import services

    d1 = days[0]
    enter(
        BUNDER,
        d1,
        [("beras_medium_1", 12000), ("beras_medium_1", 13000), ("beras_medium_1", 12400)],
    )
    result = publish(d1)
    assert result.published == 1 and result.corrected == 0
    with app.app_context(), db.transaction() as session:
        prices = services.regency_prices(session, d1)
        commodity = services.get_commodity(session, "beras_medium_1")
        assert prices[commodity.id] == (12400, 1)


def test_a_jump_over_twenty_percent_needs_a_confirmed_note(app, markets, enter, publish, days):
    d1, d2, _ = days
    enter(BUNDER, d1, [("cabai_rawit_merah", 50000)])
    publish(d1)
    with pytest.raises(InvalidInput) as refused:
        enter(BUNDER, d2, [("cabai_rawit_merah", 62000)])
    assert refused.value.slug == "invalid-observations"
    assert refused.value.extra["errors"][0]["slug"] == "confirm-needed"
    with pytest.raises(InvalidInput):
        enter(BUNDER, d2, [("cabai_rawit_merah", 62000)], confirmed=True)  # no note
    assert (
        enter(BUNDER, d2, [("cabai_rawit_merah", 62000)], confirmed=True, note="gagal panen") == 1
    )


def test_a_price_per_ons_is_refused_as_the_wrong_unit(markets, enter, publish, days):
    d1, d2, _ = days
    enter(BUNDER, d1, [("bawang_merah", 38000)])
    publish(d1)
    with pytest.raises(InvalidInput) as refused:
        enter(BUNDER, d2, [("bawang_merah", 3800)], confirmed=True, note="x")
    assert refused.value.extra["errors"][0]["slug"] == "wrong-unit"


def test_one_bad_entry_refuses_the_lot_and_names_every_bad_row(app, db, markets, enter, days):
    from sqlalchemy import func, select

    from pamong_plugins.sipaw.models import SipawObservation

    with pytest.raises(InvalidInput) as refused:
        enter(BUNDER, days[0], [("beras_medium_1", 12500), ("beras_medium_1", "abc"), ("nasi", 1)])
    assert [e["row"] for e in refused.value.extra["errors"]] == [2, 3]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SipawObservation)) == 0


def test_no_entry_for_a_future_day_or_a_closed_market(app, db, markets, enter, today):
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services

    with pytest.raises(InvalidInput):
        enter(BUNDER, today + timedelta(days=1), [("beras_medium_1", 12500)])
    with app.app_context(), db.transaction() as session:
        services.set_market_open(session, Actor.system("test"), GEMOLONG, False)
    with pytest.raises(Conflict):
        enter(GEMOLONG, today, [("beras_medium_1", 12500)])


def test_an_enumerator_enters_only_for_their_market(app, db, markets, person, today):
    from pamong_plugins.sipaw import services

    enumerator = person("sipaw_enumerator", BUNDER)
    with app.app_context(), db.transaction() as session:
        made = services.record_observations(
            session,
            enumerator,
            market_code=BUNDER,
            day=today,
            entries=[{"commodity": "telur_ayam_ras", "price": 28000}],
        )
        assert len(made) == 1
        assert [m.code for m in services.entry_markets(session, enumerator)] == [BUNDER]
        with pytest.raises(Forbidden):
            services.record_observations(
                session,
                enumerator,
                market_code=GEMOLONG,
                day=today,
                entries=[{"commodity": "telur_ayam_ras", "price": 28000}],
            )


def test_a_client_ref_sent_twice_is_saved_once(markets, enter, today):
    assert enter(BUNDER, today, [("gula_pasir_lokal", 17500)], client_ref="phone-1") == 1
    assert enter(BUNDER, today, [("gula_pasir_lokal", 17500)], client_ref="phone-1") == 0


def test_a_queue_sent_twice_at_once_is_saved_once(app, db, markets, enter, today):
    """The second of two simultaneous sends meets the unique index: it keeps only the new."""
    from sqlalchemy import select

    from pamong_plugins.sipaw import services
    from pamong_plugins.sipaw.models import SipawObservation

    assert enter(BUNDER, today, [("gula_pasir_lokal", 17500)], client_ref="phone-2") == 1
    with app.app_context(), db.transaction() as session:
        first = session.scalar(
            select(SipawObservation).where(SipawObservation.client_ref == "phone-2")
        )
        # What the late request built after finding no "phone-2" yet, plus one new entry.
        late = [
            SipawObservation(
                market_id=first.market_id,
                commodity_id=first.commodity_id,
                day=today,
                price=price,
                trader="1",
                note="",
                client_ref=ref,
                entered_by_id=None,
            )
            for ref, price in (("phone-2", 17500), ("phone-3", 17600))
        ]
        saved = services._insert_once(session, late)
        assert [o.client_ref for o in saved] == ["phone-3"]
    with app.app_context(), db.transaction() as session:
        refs = session.scalars(select(SipawObservation.client_ref).order_by(SipawObservation.id))
        assert list(refs) == ["phone-2", "phone-3"]


def test_a_correction_needs_a_note_and_keeps_the_history(app, db, markets, enter, publish, days):
    from pamong_plugins.sipaw import services

    d1 = days[0]
    enter(BUNDER, d1, [("telur_ayam_ras", 28000), ("telur_ayam_ras", 28000)])
    publish(d1)
    enter(BUNDER, d1, [("telur_ayam_ras", 30000)])
    with pytest.raises(InvalidInput) as refused:
        publish(d1)
    assert refused.value.slug == "correction-note-needed"
    result = publish(d1, note="pedagang ketiga terlambat")
    assert result.corrected == 1
    with app.app_context(), db.transaction() as session:
        versions = services.price_history(session, BUNDER, "telur_ayam_ras", d1)
    assert [(v.version, v.price, v.current) for v in versions] == [
        (2, 28000, True),
        (1, 28000, False),
    ]
    assert versions[0].observations == 3 and versions[0].note == "pedagang ketiga terlambat"


def test_the_board_shows_changes_and_the_het_status(app, db, markets, enter, publish, days):
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
            valid_from=d1 - timedelta(days=400),
            legal_basis="Permendag 18/2024",
        )
    enter(BUNDER, d1, [("minyakita", 15500)])
    enter(GEMOLONG, d1, [("minyakita", 15700)])
    publish(d1)
    enter(BUNDER, d2, [("minyakita", 17000)])
    enter(GEMOLONG, d2, [("minyakita", 17000)])
    publish(d2)
    with app.app_context(), db.transaction() as session:
        day, rows = services.price_board(session)
        row = next(r for r in rows if r.commodity.code == "minyakita")
        alerts = services.alerts_on(session, d2)
    assert day == d2
    assert row.price == 17000 and row.day_change == (1400, 9.0) and row.status == "above"
    assert [a.kind for a, _ in alerts] == ["above_reference"]


def test_a_new_open_ended_reference_ends_the_previous(app, db, markets, days):
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services

    d1 = days[0]
    system = Actor.system("test")
    with app.app_context(), db.transaction() as session:
        services.add_reference_price(
            session,
            system,
            commodity_code="beras_medium_1",
            kind="HET",
            price_low=10900,
            valid_from=d1 - timedelta(days=800),
        )
        services.add_reference_price(
            session,
            system,
            commodity_code="beras_medium_1",
            kind="HET",
            price_low=12500,
            valid_from=d1 - timedelta(days=100),
        )
        commodity = services.get_commodity(session, "beras_medium_1")
        assert services.references_on(session, d1)[commodity.id].price_low == 12500
        assert (
            services.references_on(session, d1 - timedelta(days=200))[commodity.id].price_low
            == 10900
        )
        with pytest.raises(InvalidInput):
            services.add_reference_price(
                session,
                system,
                commodity_code="beras_medium_1",
                kind="HAP",
                price_low=13000,
                price_high=12000,
                valid_from=d1,
            )


def test_a_csv_with_mixed_errors_names_each_bad_line_and_saves_nothing(app, db, markets, days):
    from sqlalchemy import func, select

    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services
    from pamong_plugins.sipaw.models import SipawObservation

    d1 = days[0].isoformat()
    text = (
        "market,day,commodity,price,trader,note,confirmed\n"
        f"{BUNDER},{d1},beras_medium_1,12500,1,,\n"
        f"{BUNDER},{d1},beras_medium_1,0,2,,\n"
        f"{BUNDER},kemarin,beras_medium_1,12500,3,,\n"
        f"PASAR-X,{d1},beras_medium_1,12500,1,,\n"
        f"{GEMOLONG},{d1},beras_medium_1,12.600,1,,\n"
    )
    with pytest.raises(InvalidInput) as refused, app.app_context(), db.transaction() as session:
        services.import_csv(session, Actor.system("test"), text)
    assert sorted(e["row"] for e in refused.value.extra["errors"]) == [3, 4, 5]
    with app.app_context(), db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SipawObservation)) == 0
        good = "\n".join(line for n, line in enumerate(text.splitlines(), 1) if n in (1, 2, 6))
        assert services.import_csv(session, Actor.system("test"), good) == 2
    # Excel set to Indonesian saves the same file with semicolons.
    semicolons = (
        "market;day;commodity;price;trader;note;confirmed\n"
        f"{BUNDER};{d1};beras_medium_1;12500;4;;\n"
    )
    with app.app_context(), db.transaction() as session:
        assert services.import_csv(session, Actor.system("test"), semicolons) == 1


def test_missing_markets_are_reminded_through_messaging(app, db, markets, enter, today):
    from pamong_plugins.sipaw import services

    enter(BUNDER, today, [("beras_medium_1", 12500)])
    with app.app_context(), db.transaction() as session:
        assert services.remind_missing(session, today) == [GEMOLONG]


def test_migrations_match_the_models(check_migrations):
    check_migrations("sipaw")


def test_an_alert_reaches_the_trade_office_heads_inbox(
    app, db, markets, enter, publish, days, make_user
):
    from sqlalchemy import select

    from pamong.messaging.models import InboxEntry, Message
    from pamong.plugin import Actor
    from pamong_plugins.sipaw import services

    head = make_user("sipaw_admin", "33.14")
    d1, d2, _ = days
    with app.app_context(), db.transaction() as session:
        services.add_reference_price(
            session,
            Actor.system("test"),
            commodity_code="minyakita",
            kind="HET",
            price_low=15700,
            valid_from=d1,
        )
    enter(BUNDER, d1, [("minyakita", 15500)])
    publish(d1)
    enter(BUNDER, d2, [("minyakita", 16500)])
    assert publish(d2).alerts == 1
    with db.transaction() as session:
        subjects = session.scalars(
            select(Message.subject)
            .join(InboxEntry, InboxEntry.message_id == Message.id)
            .where(InboxEntry.user_id == head.id)
        ).all()
    assert subjects == [f"Peringatan harga bahan pokok, {d2.isoformat()}"] or subjects == [
        f"Staple-food price alerts, {d2.isoformat()}"
    ]


def test_publication_is_announced_to_national_adapters(monkeypatch, markets, enter, publish, days):
    from pamong_plugins.sipaw import services

    seen = []

    class Adapter:
        def pamong_sipaw_prices_published(self, day, prices, session):
            sent = [(p["market_id"], p["commodity_id"], p["price"]) for p in prices if p["price"]]
            seen.append((day, sent))

    monkeypatch.setattr(services, "hook_relay", lambda session: Adapter())
    enter(BUNDER, days[0], [("gula_pasir_lokal", 17500)])
    publish(days[0])
    assert seen == [(days[0], [(BUNDER, "gula_pasir_lokal", 17500)])]

"""SMS and WhatsApp through the core's HTTP gateway transport, against a real fake gateway.

The gateway is a small HTTP server in a thread (pamong.messaging.fakegateway):
nothing is mocked, the transport talks HTTP to it.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.db import utcnow
from pamong.messaging import services
from pamong.messaging.fakegateway import FakeGateway
from pamong.messaging.gateway import SIGNATURE_HEADER, HttpGateway, normalise_phone, sign
from pamong.messaging.models import Delivery
from pamong.messaging.outbox import deliver_due

SYSTEM = Actor.system("test")


@pytest.fixture
def gateway():
    with FakeGateway() as fake:
        yield fake


def _state(app):
    return app.extensions["pamong"]


def _queue(app, *phones: str) -> list[str]:
    with _state(app).db.transaction() as session:
        return [
            services.notify(
                session, SYSTEM, channel="sms", address=p, subject="s", body=f"Halo {p}"
            ).idempotency_key
            for p in phones
        ]


def _deliver(app, now=None) -> int:
    state = _state(app)
    return deliver_due(state.db, state.settings, state.host.pm.hook, now=now)


def _deliveries(app) -> list[Delivery]:
    with _state(app).db.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_each_app_sends_through_its_own_gateway(enable_plugins, gateway):
    with FakeGateway() as other:
        first = enable_plugins(embedded_delivery=False, sms_gateway_url=gateway.url)
        second = enable_plugins(
            embedded_delivery=False, sms_gateway_url=other.url, sms_gateway_token="t2"
        )
        _queue(first, "0811")
        _deliver(first)
        _queue(second, "0822")  # on PostgreSQL both apps share the test database
        _deliver(second)
        assert [m["to"] for m in gateway.received] == ["62811"]
        assert [(m["to"], m["auth"]) for m in other.received] == [("62822", "Bearer t2")]


def test_a_gateway_that_is_down_loses_nothing_and_recovers(enable_plugins, gateway):
    app = enable_plugins(embedded_delivery=False, sms_gateway_url=gateway.url)
    [key] = _queue(app, "0812 3456 7890")
    gateway.status = 503
    _deliver(app)
    [delivery] = _deliveries(app)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "503" in delivery.last_error and gateway.received == []
    gateway.status = 200
    _deliver(app, now=utcnow() + timedelta(hours=1))  # past the back-off
    [delivery] = _deliveries(app)
    assert delivery.status == "sent" and delivery.attempts == 2
    assert [(m["to"], m["reference"], m["key"]) for m in gateway.received] == [
        ("6281234567890", key, key)
    ]


def test_the_rate_cap_defers_without_counting_an_attempt(enable_plugins, gateway):
    app = enable_plugins(
        embedded_delivery=False, sms_gateway_url=gateway.url, gateway_rate_per_minute=2
    )
    _queue(app, "0811", "0812", "0813")
    now = utcnow()
    assert _deliver(app, now=now) == 2
    waiting = [d for d in _deliveries(app) if d.status == "pending"]
    assert len(waiting) == 1 and waiting[0].attempts == 0
    assert len(gateway.received) == 2
    assert _deliver(app, now=now) == 0  # still within the minute: nothing due
    assert _deliver(app, now=now + timedelta(seconds=61)) == 1
    assert {d.status for d in _deliveries(app)} == {"sent"}
    assert len(gateway.received) == 3


def _post_receipt(client, body: dict, secret: str | None):
    raw = json.dumps(body).encode()
    headers = {SIGNATURE_HEADER: sign(secret, raw)} if secret else {}
    return client.post(
        "/api/v1/deliveries/receipts", data=raw, headers=headers, content_type="application/json"
    )


def test_the_signed_receipt_records_the_delivery_status(enable_plugins, gateway):
    app = enable_plugins(
        embedded_delivery=False, sms_gateway_url=gateway.url, gateway_callback_secret="rahasia"
    )
    [key] = _queue(app, "0811")
    _deliver(app)
    client = app.test_client()
    answer = _post_receipt(client, {"reference": key, "status": "delivered"}, "rahasia")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"reference": key, "receipt_status": "delivered"}
    [delivery] = _deliveries(app)
    assert delivery.receipt_status == "delivered" and delivery.receipt_at is not None


@pytest.mark.parametrize(
    ("body", "secret", "status"),
    [
        ({"reference": "x", "status": "delivered"}, None, 401),
        ({"reference": "x", "status": "delivered"}, "wrong", 401),
        ({"reference": "pamong-delivery-unknown", "status": "delivered"}, "rahasia", 404),
        ({"reference": "x", "status": "exploded"}, "rahasia", 422),
        ({"status": "delivered"}, "rahasia", 422),
    ],
)
def test_bad_receipts_are_refused_with_a_problem(enable_plugins, body, secret, status):
    app = enable_plugins(gateway_callback_secret="rahasia")
    answer = _post_receipt(app.test_client(), body, secret)
    assert answer.status_code == status
    assert answer.content_type == "application/problem+json"


def test_no_secret_configured_refuses_every_receipt(enable_plugins):
    app = enable_plugins()
    answer = _post_receipt(app.test_client(), {"reference": "x", "status": "failed"}, "")
    assert answer.status_code == 401


def test_residents_are_reached_on_the_phone_first(enable_plugins, gateway):
    with_gateway = enable_plugins(embedded_delivery=False, sms_gateway_url=gateway.url)
    without = enable_plugins(embedded_delivery=False)
    for app, expected in ((with_gateway, ("sms", "0811")), (without, ("email", "a@b.id"))):
        with _state(app).db.transaction() as session:
            channel = services.resident_channel(session, phone="0811", email="a@b.id")
            assert channel == expected
            assert services.resident_channel(session, phone="0811") == (
                expected if expected[0] == "sms" else ("", "")
            )
            assert services.notify_resident(session, SYSTEM, subject="s", body="b") is None


def test_the_body_template_is_filled_as_json():
    class D:
        address, body, idempotency_key = "+62 812-1", 'Kata "kutip"\nbaris', "k1"

    gate = HttpGateway(
        "whatsapp", "http://x", body='{"phone": "{to}", "msg": "{text}", "ch": "{channel}"}'
    )
    assert json.loads(gate.payload(D())) == {
        "phone": "628121",
        "msg": 'Kata "kutip"\nbaris',
        "ch": "whatsapp",
    }
    assert normalise_phone("0812") == "62812"


def test_a_failed_receipt_parks_the_delivery_and_tries_whatsapp_once(enable_plugins, gateway):
    app = enable_plugins(
        embedded_delivery=False,
        sms_gateway_url=gateway.url,
        whatsapp_gateway_url=gateway.url,
        gateway_callback_secret="rahasia",
    )
    [key] = _queue(app, "0811")
    _deliver(app)
    client = app.test_client()
    failed = {"reference": key, "status": "failed", "detail": "nomor tidak aktif"}
    assert _post_receipt(client, failed, "rahasia").status_code == 200
    assert _post_receipt(client, failed, "rahasia").status_code == 200  # the gateway repeats
    sms, whatsapp = _deliveries(app)
    assert (sms.channel, sms.status) == ("sms", "dead")
    assert "nomor tidak aktif" in sms.last_error
    assert (whatsapp.channel, whatsapp.status, whatsapp.address) == ("whatsapp", "pending", "0811")
    assert whatsapp.body == sms.body
    _deliver(app)
    fallback_key = _deliveries(app)[1].idempotency_key
    fail_again = {"reference": fallback_key, "status": "failed"}
    assert _post_receipt(client, fail_again, "rahasia").status_code == 200
    assert [(d.channel, d.status) for d in _deliveries(app)] == [
        ("sms", "dead"),
        ("whatsapp", "dead"),
    ]


def test_a_failed_receipt_without_another_channel_waits_for_an_admin(enable_plugins, gateway):
    app = enable_plugins(
        embedded_delivery=False, sms_gateway_url=gateway.url, gateway_callback_secret="rahasia"
    )
    [key] = _queue(app, "0811")
    _deliver(app)
    body = {"reference": key, "status": "failed"}
    assert _post_receipt(app.test_client(), body, "rahasia").status_code == 200
    [delivery] = _deliveries(app)
    assert delivery.status == "dead"
    with _state(app).db.transaction() as session:
        dead = session.scalars(services.dead_deliveries(Actor.system("admin"))).all()
        assert [d.id for d in dead] == [delivery.id]

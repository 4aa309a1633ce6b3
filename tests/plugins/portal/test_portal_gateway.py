"""SMS through an HTTP gateway: a fake gateway started by the test receives the answer's SMS;
a gateway that is down loses nothing (the outbox keeps the delivery and retries)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.messaging.models import Delivery
from pamong_plugins.portal import complaints
from pamong_plugins.portal.gateway import HttpGateway, normalise_phone


class FakeGateway(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        FakeGateway.received.append(
            {
                **body,
                "auth": self.headers.get("Authorization"),
                "key": self.headers.get("Idempotency-Key"),
            }
        )
        self.send_response(FakeGateway.status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def gateway():
    FakeGateway.received = []
    FakeGateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()
    server.server_close()


def answer_a_report(app, phone="0812 3456 7890"):
    system = Actor.system("test")
    with app.extensions["pamong"].db.transaction() as session:
        complaint, _code = complaints.submit(
            session,
            system,
            kind="complaint",
            category="water",
            title="Air mati",
            body="Tiga hari.",
            phone=phone,
        )
        complaints.verify(session, system, complaint.number)
        complaints.answer(session, system, complaint.number, "Sudah mengalir.")
        return complaint.number


def test_the_citizen_gets_an_sms_through_the_gateway(enable_plugins, gateway):
    app = enable_plugins(
        "portal",
        embedded_delivery=True,
        plugin_settings={"portal": {"sms_gateway_url": gateway, "sms_gateway_token": "s3"}},
    )
    number = answer_a_report(app)
    assert len(FakeGateway.received) == 1
    sms = FakeGateway.received[0]
    assert sms["to"] == "6281234567890" and number in sms["text"]
    assert sms["auth"] == "Bearer s3" and sms["reference"] == sms["key"]
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalar(select(Delivery.status).where(Delivery.channel == "sms")) == "sent"


def test_a_gateway_that_is_down_loses_nothing(enable_plugins, gateway):
    FakeGateway.status = 503
    app = enable_plugins(
        "portal", embedded_delivery=True, plugin_settings={"portal": {"sms_gateway_url": gateway}}
    )
    answer_a_report(app)
    with app.extensions["pamong"].db.transaction() as session:
        delivery = session.scalar(select(Delivery).where(Delivery.channel == "sms"))
        assert delivery.status != "sent" and delivery.attempts == 1
        assert "503" in (delivery.last_error or "")


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

"""The citizen whose report is answered gets an SMS through the (fake, real HTTP) gateway."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.app import create_app
from pamong.cli import main
from pamong.messaging.fakegateway import FakeGateway
from pamong.messaging.models import Delivery
from pamong_plugins.portal import complaints
from pamong_plugins.portal.models import LegalDocument


@pytest.fixture
def gateway():
    with FakeGateway() as fake:
        yield fake


def answer_a_report(app, phone="0812 3456 7890", email=""):
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
            email=email,
        )
        complaints.verify(session, system, complaint.number)
        complaints.answer(session, system, complaint.number, "Sudah mengalir.")
        return complaint.number


def test_the_citizen_gets_an_sms_through_the_gateway(enable_plugins, gateway):
    app = enable_plugins(
        "portal", embedded_delivery=True, sms_gateway_url=gateway.url, sms_gateway_token="s3"
    )
    number = answer_a_report(app, email="warga@example.id")
    assert len(gateway.received) == 1
    sms = gateway.received[0]
    assert sms["to"] == "6281234567890" and number in sms["text"]
    assert sms["auth"] == "Bearer s3" and sms["reference"] == sms["key"]
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalars(select(Delivery.channel)).all() == ["sms"]
        assert session.scalar(select(Delivery.status)) == "sent"


def test_without_a_gateway_the_answer_goes_by_email(enable_plugins):
    app = enable_plugins("portal", embedded_delivery=False)
    answer_a_report(app, email="warga@example.id")
    with app.extensions["pamong"].db.transaction() as session:
        assert session.scalars(select(Delivery.channel)).all() == ["email"]


def test_the_demo_shows_the_citizens_sms_and_regulations_with_pdfs(tmp_path):
    instance = tmp_path / "demo"
    args = ["--instance", str(instance), "demo", "--no-serve", "--residents", "0"]
    done = CliRunner().invoke(main, [*args, "--plugins", "portal"])
    assert done.exit_code == 0, done.output
    assert "demo-sms.log" in done.output
    lines = (instance / "demo-sms.log").read_text("utf-8").splitlines()
    sms = [json.loads(line) for line in lines]
    assert sms and all(m["to"].startswith("62812") and "ADU-" in m["text"] for m in sms)
    app = create_app(instance, check_schema=False)
    try:
        with app.extensions["pamong"].db.transaction() as session:
            docs = session.scalars(select(LegalDocument)).all()
            assert docs and all(d.pdf_size > 0 for d in docs)
            assert all(d.pdf.startswith(b"%PDF-") for d in docs)
    finally:
        app.extensions["pamong"].db.dispose()

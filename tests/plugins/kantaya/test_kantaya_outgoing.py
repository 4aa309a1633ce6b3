"""Outgoing letters: paraf and signature in order, numbered and QR-registered at signing,
sent through core messaging; the SRIKANDI adapter hooks (nothing sent without an adapter)."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.cli import main
from pamong.documents.models import IssuedDocument
from pamong.errors import Conflict, Forbidden, InvalidInput, NotFound
from pamong.messaging.models import InboxEntry
from pamong.plugin import hookimpl
from pamong_plugins.kantaya import services
from pamong_plugins.kantaya.models import KantayaIncoming

pytestmark = pytest.mark.pamong_plugins("kantaya")


def tx(app):
    return app.extensions["pamong"].db.transaction()


@pytest.fixture
def office(actor_at):
    """The regency's secretariat, a chain of three officials, and a kecamatan's reader."""
    return {
        "clerk": actor_at("kantaya_secretary", "33.14"),
        "kabag": actor_at("kantaya_head", "33.14", username="kabag.umum"),
        "sekda": actor_at("kantaya_leader", "33.14", username="sekda"),
        "bupati": actor_at("kantaya_leader", "33.14", username="bupati"),
        "camat": actor_at("kantaya_head", "33.14.01", username="camat"),
    }


def _draft(session, clerk, **extra):
    values = {
        "unit_code": "33.14",
        "classification": "000.1.2",
        "subject": "Undangan rapat stunting",
        "addressee": "Camat se-Kabupaten Sragen",
        "body": "Mengundang Saudara hadir pada rapat koordinasi.",
        "chain": ["kabag.umum", "sekda", "bupati"],
        "to_units": ["33.14.01"],
    }
    values.update(extra)
    return services.create_draft(session, clerk, **values)


def test_paraf_and_signature_in_order_then_numbered_and_sent(app, office):
    with app.app_context(), tx(app) as session:
        draft = _draft(session, office["clerk"])
        draft_id = draft.id
        assert [s.kind for s in draft.steps] == ["paraf", "paraf", "sign"]
        with pytest.raises(Conflict) as out_of_order:
            services.endorse(session, office["bupati"], draft_id, kind="sign")
        assert out_of_order.value.slug == "out-of-order"
        with pytest.raises(Conflict):
            services.endorse(session, office["sekda"], draft_id, kind="paraf")
        with pytest.raises(Conflict) as wrong:
            services.endorse(session, office["kabag"], draft_id, kind="sign")
        assert wrong.value.slug == "wrong-step"
        with pytest.raises(Forbidden):  # the camat is not in the chain (nor sees the draft)
            services.endorse(session, office["clerk"], draft_id, kind="paraf")
        with pytest.raises(NotFound):
            services.get_draft(session, office["camat"], draft_id)
        services.endorse(session, office["kabag"], draft_id, kind="paraf", note="Sudah sesuai")
        with pytest.raises(Conflict):  # initialled: the text is frozen
            services.update_draft(session, office["clerk"], draft_id, {"subject": "Lain"})
        with pytest.raises(Conflict):
            services.endorse(session, office["kabag"], draft_id, kind="paraf")
        with pytest.raises(Conflict) as unsigned:
            services.send_draft(session, office["clerk"], draft_id)
        assert unsigned.value.slug == "not-signed"
        services.endorse(session, office["sekda"], draft_id, kind="paraf")
        signed = services.endorse(session, office["bupati"], draft_id, kind="sign")
        assert signed.status == "signed" and signed.letter is not None
        number = signed.letter.number
        assert number.startswith("000.1.2/001/")
        assert all(s.done_at is not None for s in signed.steps)
        assert services.letter_by_number(session, number).id == signed.letter.id
        document = session.get(IssuedDocument, signed.letter.document_id)
        assert document.kind == "kantaya.letter" and document.number == number
        sent = services.send_draft(session, office["clerk"], draft_id)
        assert sent.status == "sent" and sent.message_id is not None
        assert sent.srikandi_ref == ""  # no adapter installed: nothing left the regency
        with pytest.raises(Conflict):
            services.send_draft(session, office["clerk"], draft_id)
        camat_inbox = session.scalar(
            select(func.count())
            .select_from(InboxEntry)
            .where(InboxEntry.user_id == office["camat"].user_id)
        )
        assert camat_inbox == 1


def test_the_official_whose_turn_it_is_returns_the_draft_for_correction(app, office):
    with app.app_context(), tx(app) as session:
        draft = _draft(session, office["clerk"])
        services.endorse(session, office["kabag"], draft.id, kind="paraf")
        with pytest.raises(Conflict) as early:
            services.return_draft(session, office["bupati"], draft.id, "Belum giliran")
        assert early.value.slug == "not-your-turn"
        with pytest.raises(InvalidInput):
            services.return_draft(session, office["sekda"], draft.id, "")
        returned = services.return_draft(session, office["sekda"], draft.id, "Perbaiki dasar hukum")
        assert returned.returned_note == "sekda: Perbaiki dasar hukum"
        assert all(s.done_at is None for s in returned.steps)
        services.update_draft(session, office["clerk"], draft.id, {"body": "Dasar hukum baru."})
        with pytest.raises(Conflict):  # the chain starts again from its first official
            services.endorse(session, office["sekda"], draft.id, kind="paraf")
        services.endorse(session, office["kabag"], draft.id, kind="paraf")


def test_bad_drafts_are_refused(app, office):
    with app.app_context(), tx(app) as session:
        for bad in (
            {"chain": []},
            {"chain": ["sekda", "sekda"]},
            {"chain": ["nobody.here"]},
            {"classification": "12"},
            {"to_units": ["99.99"]},
            {"subject": ""},
        ):
            with pytest.raises(InvalidInput):
                _draft(session, office["clerk"], **bad)
        with pytest.raises(Forbidden):
            _draft(session, office["camat"], unit_code="33.14")


def test_the_api_answers_409_out_of_order_and_numbers_at_signing(app, client, office, bearer):
    clerk = bearer("kantaya_secretary", "33.14")
    created = client.post(
        "/api/v1/kantaya/drafts",
        headers=clerk,
        json={
            "unit_code": "33.14",
            "classification": "005",
            "subject": "Pemberitahuan",
            "chain": ["sekda", "bupati"],
        },
    )
    assert created.status_code == 201, created.json
    draft_id = created.json["id"]
    with app.app_context(), tx(app) as session:
        _token, plain = accounts.create_token(
            session,
            Actor.system("test"),
            accounts.load_user(session, office["bupati"].user_id),
            "t",
        )
    early = client.post(
        f"/api/v1/kantaya/drafts/{draft_id}/sign",
        headers={"Authorization": f"Bearer {plain}"},
        json={},
    )
    assert early.status_code == 409
    assert early.headers["Content-Type"].startswith("application/problem+json")
    listed = client.get("/api/v1/kantaya/drafts", headers=clerk)
    assert listed.json["items"][0]["status"] == "draft"
    assert listed.json["items"][0]["number"] is None


class FakeSrikandi:
    """A test adapter: keeps what it is sent, hands out two incoming letters (one broken)."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    @hookimpl
    def pamong_srikandi_send(self, letter, session):
        self.sent.append(letter)
        return f"SRK-{len(self.sent)}"

    @hookimpl
    def pamong_srikandi_fetch(self, unit_code, session):
        return [
            {
                "ref": "SRK-IN-1",
                "sender": "Gubernur Jawa Tengah",
                "number": "005/123",
                "letter_date": "2026-01-05",
                "subject": "Undangan rakor",
                "scan": b"%PDF-1.4 srikandi",
            },
            {"ref": "SRK-IN-2", "sender": "Kementerian"},  # incomplete
        ]


def test_a_srikandi_adapter_sends_and_imports(app, office):
    adapter = FakeSrikandi()
    app.extensions["pamong"].host.pm.register(adapter, name="fake-srikandi")
    with app.app_context(), tx(app) as session:
        draft = _draft(session, office["clerk"], chain=["bupati"], to_units=[])
        services.endorse(session, office["bupati"], draft.id, kind="sign")
        sent = services.send_draft(session, office["clerk"], draft.id)
        assert sent.srikandi_ref == "SRK-1" and sent.message_id is None
        assert adapter.sent[0]["number"] == sent.letter.number
        assert adapter.sent[0]["verification_code"]
        first = services.import_from_srikandi(session, office["clerk"], "33.14")
        again = services.import_from_srikandi(session, office["clerk"], "33.14")
        row = session.scalar(
            select(KantayaIncoming).where(KantayaIncoming.external_ref.is_not(None))
        )
        assert row.letter_date == date(2026, 1, 5) and row.scan_type == "application/pdf"
        with pytest.raises(Forbidden):
            services.import_from_srikandi(session, office["camat"], "33.14")
    assert first == {"imported": 1, "known": 0, "invalid": 1}
    assert again == {"imported": 0, "known": 1, "invalid": 1}


def test_the_cli_import_without_an_adapter_registers_nothing(app):
    runner = CliRunner(env={"PAMONG_DATABASE_URL": app.extensions["pamong"].settings.database_url})
    result = runner.invoke(
        main, ["--instance", app.instance_path, "kantaya", "srikandi-import", "33.14"]
    )
    assert result.exit_code == 0, result.output
    assert "0 imported" in result.output
    unknown = runner.invoke(
        main, ["--instance", app.instance_path, "kantaya", "srikandi-import", "9"]
    )
    assert unknown.exit_code != 0

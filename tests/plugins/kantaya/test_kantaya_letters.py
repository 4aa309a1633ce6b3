"""Outgoing letter numbers: the template, gapless per year under 20 clerks at once, QR document."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from pamong.documents.models import IssuedDocument
from pamong.errors import Forbidden, InvalidInput
from pamong_plugins.kantaya import services
from pamong_plugins.kantaya.models import KantayaLetter

pytestmark = pytest.mark.pamong_plugins("kantaya")

CLERKS = 20


def tx(app):
    return app.extensions["pamong"].db.transaction()


def test_the_number_follows_the_template():
    number = services.format_letter_number(
        "{code}/{seq}/{grade}/{unit}/{month}/{year}",
        code="000.1.2",
        seq=7,
        padding=3,
        unit="BAPPEDA",
        grade="B",
        day=date(2026, 11, 3),
    )
    assert number == "000.1.2/007/B/BAPPEDA/XI/2026"
    with pytest.raises(InvalidInput):
        services.format_letter_number(
            "{nope}", code="0", seq=1, padding=1, unit="", grade="", day=date(2026, 1, 1)
        )


def test_twenty_clerks_at_once_get_twenty_consecutive_numbers(app, actor_at):
    clerk = actor_at("kantaya_secretary", "33.14")
    barrier = threading.Barrier(CLERKS, timeout=30)
    errors: list[BaseException] = []

    def take(n: int) -> None:
        try:
            barrier.wait()
            with app.app_context(), tx(app) as session:
                services.number_letter(
                    session,
                    clerk,
                    unit_code="33.14",
                    classification="000.1.2",
                    subject=f"Surat {n}",
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with tx(app) as session:
        letters = list(session.scalars(select(KantayaLetter)))
        sequences = sorted(x.sequence for x in letters)
        documents = session.scalar(
            select(IssuedDocument.kind).where(IssuedDocument.id == letters[0].document_id)
        )
    assert sequences == list(range(1, CLERKS + 1))
    assert len({x.number for x in letters}) == CLERKS
    assert documents == "kantaya.letter"


def test_a_failed_letter_gives_its_number_back(app, actor_at):
    clerk = actor_at("kantaya_secretary", "33.14")
    with tx(app) as session:
        services.number_letter(
            session, clerk, unit_code="33.14", classification="000.1.2", subject="Satu"
        )
    with pytest.raises(InvalidInput), tx(app) as session:
        services.number_letter(session, clerk, unit_code="33.14", classification="000.1.2")
    with pytest.raises(RuntimeError), tx(app) as session:
        services.number_letter(
            session, clerk, unit_code="33.14", classification="000.1.2", subject="Gagal"
        )
        raise RuntimeError("the transaction fails after numbering")
    with tx(app) as session:
        letter = services.number_letter(
            session, clerk, unit_code="33.14", classification="000.1.2", subject="Dua"
        )
        assert letter.sequence == 2


def test_reserved_numbers_are_filled_later_and_bad_input_is_refused(app, actor_at):
    clerk = actor_at("kantaya_secretary", "33.14")
    kecamatan_clerk = actor_at("kantaya_secretary", "33.14.01")
    with tx(app) as session:
        reserved = services.number_letter(
            session, clerk, unit_code="33.14", classification="800.1.2", reserve=True
        )
        assert reserved.document_id is None
        filled = services.fill_reserved(session, clerk, reserved.id, subject="Surat tulisan tangan")
        assert filled.document_id is not None and not filled.reserved
        for bad in ("", "12.3", "abc.1", "000.x"):
            with pytest.raises(InvalidInput):
                services.number_letter(
                    session, clerk, unit_code="33.14", classification=bad, subject="x"
                )
        with pytest.raises(InvalidInput):
            services.number_letter(
                session, clerk, unit_code="33.14", classification="000.1", subject="x", grade="Z"
            )
        with pytest.raises(Forbidden):  # a kecamatan's clerk does not number for the regency
            services.number_letter(
                session, kecamatan_clerk, unit_code="33.14", classification="000.1", subject="x"
            )

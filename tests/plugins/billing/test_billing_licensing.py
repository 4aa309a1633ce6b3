"""Licensing and billing together: the levy becomes an invoice; paying it issues the permit."""

from __future__ import annotations

import pytest

from pamong.plugin import Actor, Conflict
from pamong_plugins.billing import services as billing

pytestmark = pytest.mark.pamong_plugins("billing", "licensing")
BPT = "33.14-BPT"


@pytest.fixture
def approved(app, db, make_org_unit):
    """An HO application (levy Rp250.000) approved and waiting for payment; returns its id."""
    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.catalogue import typical_rows

    make_org_unit(BPT, "Badan Pelayanan Terpadu", "skpd", "33.14")
    system = Actor.system("test")
    with db.transaction() as session:
        services.import_catalogue(session, system, typical_rows())
        services.save_signatory(
            session,
            system,
            "33.14",
            {"name": "Ir. Kepala Dinas", "nip": "197001012000031001", "position": "Kepala DPMPTSP"},
        )
        stype = services.get_service_type(session, "HO")
        applicant = services.counter_applicant(
            session, system, {"name": "CV Sukowati Jaya", "email": "cv@example.id"}
        )
        application = services.submit_application(
            session, system, service_type=stype, applicant=applicant, checked=stype.requirements
        )
        while application.stage != "decision":
            services.advance(session, system, application)
        services.decide(session, system, application, approve=True)
        return application.id


def test_the_levy_becomes_an_invoice_for_the_applicant(db, approved):
    with db.transaction() as session:
        invoice = billing.invoice_for(session, "licensing", f"licensing_application:{approved}")
        row = billing.get_invoice(session, Actor.system("test"), invoice.number)
        assert invoice.total == 250_000 and invoice.unit_code == BPT
        assert row.payer_name == "CV Sukowati Jaya" and row.payer_kind == "business"


def test_paying_the_levy_issues_the_permit_for_handover(db, approved, person, make_user):
    from pamong_plugins.licensing.models import Application

    cashier = person("billing_cashier", BPT)
    with db.transaction() as session:
        billing.open_cashier_session(session, cashier, unit_code=BPT)
        invoice = billing.invoice_for(session, "licensing", f"licensing_application:{approved}")
        billing.pay_cash(session, cashier, invoice_number=invoice.number, amount=250_000)
    with db.transaction() as session:
        application = session.get(Application, approved)
        assert application.stage == "handover" and application.permit is not None
        assert application.payment_ref == invoice.number


def test_staff_cannot_type_a_payment_in_when_billing_collects(db, approved, person):
    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.models import Application

    front = person("licensing_front", BPT)
    with pytest.raises(Conflict), db.transaction() as session:
        services.record_payment(
            session,
            front,
            session.get(Application, approved),
            "STS-1",
            through_billing_only=True,
        )

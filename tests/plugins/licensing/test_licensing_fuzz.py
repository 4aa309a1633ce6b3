"""Schemathesis over the licensing API: no input gives a 5xx; responses match the spec."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.orgunits.services import get_unit
from pamong.testing import TEST_PASSWORD, build_app


class _AppProxy:
    target: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.target(environ, start_response)


PROXY = _AppProxy()
TOKEN: dict[str, str] = {}


def _spec() -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            Path(tmp) / "instance", ["licensing"], database_url=f"sqlite:///{tmp}/spec.sqlite3"
        )
        spec = app.test_client().get("/api/v1/openapi.json").json
        app.extensions["pamong"].db.dispose()
    return spec


schema = schemathesis.openapi.from_dict(_spec()).include(path_regex="^/api/v1/licensing")
schema.app = PROXY


@schema.auth(refresh_interval=None)
class HeadToken:
    def get(self, case: Any, context: Any) -> str:
        return TOKEN.get("head", "")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module", autouse=True)
def licensing_app(tmp_path_factory):
    from datetime import date

    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.catalogue import typical_rows

    app = build_app(tmp_path_factory.mktemp("fuzz"), ["licensing"])
    with app.extensions["pamong"].db.transaction() as session:
        system = Actor.system("test")
        user = accounts.create_user(session, system, username="head", password=TEST_PASSWORD)
        accounts.assign_role(
            session, system, user, accounts.get_role(session, "admin"), get_unit(session, "33.14")
        )
        _token, plain = accounts.create_token(session, system, user, "fuzz")
        services.import_catalogue(session, system, typical_rows())
        services.save_signatory(
            session,
            system,
            "33.14",
            {"name": "Ir. Kepala Dinas", "nip": "197001012000031001", "position": "Kepala DPMPTSP"},
        )
        stype = services.get_service_type(session, "SIUP")
        applicant = services.counter_applicant(session, system, {"name": "Ani"})
        application = services.submit_application(
            session,
            system,
            service_type=stype,
            applicant=applicant,
            checked=stype.requirements,
            today=date(2026, 5, 4),
        )
        services.advance(session, system, application)
        services.advance(session, system, application)
        services.decide(session, system, application, approve=True, today=date(2026, 5, 5))
    PROXY.target = app
    TOKEN["head"] = plain
    yield
    PROXY.target = None
    app.extensions["pamong"].db.dispose()


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_licensing_api(case):
    # An unknown number or permit id is rightly a 404 for schema-valid input.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])

"""Property-based tests of the whole REST API from its OpenAPI document (schemathesis).

Every operation gets generated valid and invalid input; no input may produce a
5xx, and every response must match the documented status codes, content
types and schemas. The calls go to one app (SQLite, or PostgreSQL when
PAMONG_TEST_DATABASE_URL is set), so data written by one operation is there
for the next, as in real use.
"""

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
from pamong.plugins import available_plugins
from pamong.testing import TEST_PASSWORD, build_app

#: Every installed plugin is enabled: its endpoints are part of the API under test.
PLUGINS = sorted(available_plugins())


class _AppProxy:
    """A WSGI app that forwards to whichever Pamong app the module fixture built."""

    target: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.target(environ, start_response)


PROXY = _AppProxy()


def _spec_app() -> Any:
    """An app on a temporary SQLite file, only to read the OpenAPI document from."""
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            Path(tmp) / "instance", PLUGINS, database_url=f"sqlite:///{tmp}/spec.sqlite3"
        )
        spec = app.test_client().get("/api/v1/openapi.json").json
        app.extensions["pamong"].db.dispose()
    return spec


schema = schemathesis.openapi.from_dict(_spec_app())
schema.app = PROXY
TOKEN: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class AdminToken:
    """Authenticate generated calls as an admin (schemathesis leaves it off for
    the cases that test a missing token)."""

    def get(self, case: Any, context: Any) -> str:
        return TOKEN.get("admin", "")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module", autouse=True)
def admin_app(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("fuzz"), PLUGINS)
    with app.extensions["pamong"].db.transaction() as session:
        system = Actor.system("test")
        user = accounts.create_user(session, system, username="fuzz", password=TEST_PASSWORD)
        accounts.assign_role(
            session, system, user, accounts.get_role(session, "admin"), get_unit(session, "33.14")
        )
        _token, plain = accounts.create_token(session, system, user, "fuzz")
    PROXY.target = app
    TOKEN["admin"] = plain
    yield
    PROXY.target = None
    app.extensions["pamong"].db.dispose()


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_breaks_the_api(case):
    # positive_data_acceptance expects 2xx for any schema-valid input, but a
    # valid NIK that nobody registered is rightly a 404, and a second
    # registration of one NIK rightly a 409.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])

"""Property-based tests of the whole REST API from its OpenAPI document (schemathesis).

Every operation gets generated valid and invalid input; no input may produce a
5xx, and every response must match the documented status codes, content
types and schemas. The calls go to one app with every installed plugin
enabled and a small demo seeded by the core's and each plugin's demo seeders
(residents, tracked files, documents, KTP applications and cards, permits…),
so that generated ids reach real rows. It runs on SQLite, or PostgreSQL when
PAMONG_TEST_DATABASE_URL is set; data written by one operation is there for
the next, as in real use.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.app import create_app
from pamong.config import write_config
from pamong.demo import DEMO_REGION, run_demo
from pamong.plugins import available_plugins
from pamong.testing import _reset_postgres, build_app

#: Every installed plugin is enabled: its endpoints are part of the API under test.
PLUGINS = sorted(available_plugins())
#: Generated cases per operation: enough to find a crash, few enough for CI.
EXAMPLES = int(os.environ.get("PAMONG_FUZZ_EXAMPLES", "30"))
#: A cheap password hash: the demo makes ~40 accounts.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
#: The demo, made small and fast: (module, attribute, value) patched while seeding.
SMALL_DEMO = (
    ("pamong.accounts.services", "_hasher", CHEAP_HASHER),
    ("pamong_plugins.licensing.applicants", "_hasher", CHEAP_HASHER),
    ("pamong_plugins.ktp.demo", "PER_KECAMATAN", 1),
    ("pamong_plugins.licensing.demo", "HISTORY_FILES", 15),
    ("pamong_plugins.portal.demo", "COMPLAINTS", 20),
    ("pamong_plugins.sipaw.demo", "YEARS", 1),
    ("pamong_plugins.kantaya.demo", "DAYS", 20),
    ("pamong_plugins.kantaya.demo", "PROJECTS", 4),
)


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
        return admin_token()

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def admin_token() -> str:
    """The admin's token; a fresh one once a generated ``DELETE /tokens/{id}`` revoked it
    (else every later call would stop at the 401 and test nothing)."""
    if PROXY.target is None:  # schemathesis asks once while collecting
        return ""
    with PROXY.target.extensions["pamong"].db.transaction() as session:
        if TOKEN.get("admin") and accounts.actor_for_token(session, TOKEN["admin"])[0]:
            return TOKEN["admin"]
        admin = accounts.get_user(session, "admin")
        _token, TOKEN["admin"] = accounts.create_token(session, Actor.system("test"), admin, "fuzz")
    return TOKEN["admin"]


def small_demo(instance: Path) -> Any:
    """An app with every plugin and a small ``pamong demo`` (a few rows of everything)."""
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    write_config(instance, region=DEMO_REGION, plugins=PLUGINS)
    app = create_app(
        instance,
        check_schema=False,  # run_demo creates it
        public_rate_limit="100000/minute",
        **({"database_url": url} if url else {}),
    )
    with pytest.MonkeyPatch.context() as patch, app.app_context():
        for module, name, value in SMALL_DEMO:
            parts = module.split(".")
            if parts[0] == "pamong" or parts[1] in PLUGINS:
                patch.setattr(importlib.import_module(module), name, value)
        run_demo(app, residents=300)
    return app


@pytest.fixture(scope="module", autouse=True)
def admin_app(tmp_path_factory):
    PROXY.target = small_demo(tmp_path_factory.mktemp("fuzz"))
    yield
    app, PROXY.target = PROXY.target, None
    TOKEN.clear()
    app.extensions["pamong"].db.dispose()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_breaks_the_api(case):
    # positive_data_acceptance expects 2xx for any schema-valid input, but a
    # valid NIK that nobody registered is rightly a 404, and a second
    # registration of one NIK rightly a 409.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_the_fuzzed_instance_has_rows_of_every_plugin():
    from sqlalchemy import func, select

    from pamong.db import Base
    from pamong.plugins import tables_of

    with PROXY.target.extensions["pamong"].db.session() as session:

        def rows(component: str) -> int:
            tables = [Base.metadata.tables[name] for name in tables_of(component)]
            return sum(session.scalar(select(func.count()).select_from(t)) for t in tables)

        assert {component: rows(component) > 0 for component in ["core", *PLUGINS]} == {
            component: True for component in ["core", *PLUGINS]
        }

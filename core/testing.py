"""Pytest fixtures for Pamong and its plugins (registered as a ``pytest11`` plugin).

A plugin's tests get a ready instance (Sragen, 33.14) with the plugins
they name::

    pytestmark = pytest.mark.pamong_plugins("ktp")

    def test_counter_page(client, login_as):
        login_as("registrar", "33.14.01")
        assert client.get("/ktp/").status_code == 200

Tests run on SQLite in a temporary folder; set ``PAMONG_TEST_DATABASE_URL``
to a PostgreSQL URL to run them there (each test starts from an empty
``public`` schema).

Every plugin with tables should keep its migrations in step with its
models; ``check_migrations`` fails when they drift::

    def test_migrations_match_the_models(check_migrations):
        check_migrations("myplugin")
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

TEST_REGION = "33.14"
TEST_PASSWORD = "correct horse battery"
_serials = itertools.count(1)

#: Debian's Chromium, for browser tests through Playwright (never downloaded).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Mark a browser test module: ``pytestmark = [pytest.mark.browser, needs_chromium]``.
#: It is skipped without Chromium, except under CI, where a missing browser must fail.
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it)",
)


def submit(page: Any, selector: str) -> None:
    """Click ``selector`` in a Playwright ``page`` and wait for the page it loads.

    ``page.click`` returns once the click is dispatched; reading
    ``page.content()`` straight after can catch the document mid-navigation
    (an empty string). Use this for every click that posts a form or follows
    a link before asserting on the new page.
    """
    with page.expect_navigation():
        page.click(selector)


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "pamong_plugins(*ids): enable these plugins in the `app` fixture"
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    if worker and url:
        # Under pytest-xdist each worker gets its own database on the same server,
        # so that resetting the schema in one never pulls it from under another.
        os.environ["PAMONG_TEST_DATABASE_URL"] = _worker_database(url, worker)


def _worker_database(url: str, worker: str) -> str:
    """``url`` with the database ``<name>_<worker>``, created on first use."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database or 'postgres'}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def build_app(instance: Path, plugins: list[str] | tuple[str, ...] = (), **settings: Any) -> Any:
    """A new instance in ``instance`` with the Sragen org units, roles and schema."""
    from pamong.accounts.services import ensure_roles
    from pamong.app import create_app
    from pamong.config import write_config
    from pamong.migrate import create_schema
    from pamong.orgunits.services import load_region

    url = os.environ.get("PAMONG_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        settings.setdefault("database_url", url)
    write_config(instance, region=TEST_REGION, plugins=list(plugins))
    settings.setdefault("public_rate_limit", "10000/minute")  # tests call public pages often
    app = create_app(instance, plugins=list(plugins), check_schema=False, **settings)
    app.config["TESTING"] = True
    state = app.extensions["pamong"]
    create_schema(state.db, state.host)
    with state.db.transaction() as session:
        load_region(session, TEST_REGION)
        ensure_roles(session, state.roles)
    return app


@pytest.fixture
def pamong_plugins(request: pytest.FixtureRequest) -> list[str]:
    """Plugins the ``app`` fixture enables: from ``@pytest.mark.pamong_plugins``."""
    marker = request.node.get_closest_marker("pamong_plugins")
    return list(marker.args) if marker else []


@pytest.fixture
def enable_plugins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    """Build another app with the given plugins enabled: ``enable_plugins("ktp")``."""
    apps: list[Any] = []

    def make(*plugin_ids: str, **settings: Any) -> Any:
        app = build_app(tmp_path_factory.mktemp("instance"), plugin_ids, **settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["pamong"].db.dispose()


@pytest.fixture
def app(tmp_path: Path, pamong_plugins: list[str]) -> Iterator[Any]:
    """A Pamong app for Sragen (33.14) with the marked plugins, on a fresh database."""
    application = build_app(tmp_path / "instance", pamong_plugins)
    # No app context is pushed here: each request must get its own, as in production.
    yield application
    application.extensions["pamong"].db.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def db_session(app: Any) -> Iterator[Any]:
    """A session on the app's database; commit yourself to make data visible to requests."""
    session = app.extensions["pamong"].db.session()
    yield session
    session.close()


@pytest.fixture
def make_user(app: Any) -> Callable[..., Any]:
    """Create a staff user holding ``role`` at the unit with code ``unit``."""
    from pamong.accounts import services
    from pamong.accounts.permissions import Actor
    from pamong.orgunits.services import get_unit

    counter = itertools.count(1)

    def make(role: str = "admin", unit: str = TEST_REGION, username: str | None = None) -> Any:
        name = username or f"{role}-{unit.replace('.', '-')}-{next(counter)}".lower()
        with app.extensions["pamong"].db.transaction() as session:
            system = Actor.system("test")
            user = services.create_user(
                session, system, username=name, password=TEST_PASSWORD, full_name=name.title()
            )
            services.assign_role(
                session, system, user, services.get_role(session, role), get_unit(session, unit)
            )
        return user

    return make


@pytest.fixture
def login_as(client: Any, make_user: Callable[..., Any]) -> Callable[..., Any]:
    """Log the test client in as a new user with ``role`` at ``unit``; returns the user."""

    from datetime import timedelta

    from pamong.accounts.sessions import start_session

    def login(role: str = "admin", unit: str = TEST_REGION, username: str | None = None) -> Any:
        user = make_user(role, unit, username)
        with client.application.extensions["pamong"].db.transaction() as db:
            token = start_session(db, user, lifetime=timedelta(hours=1), ip="127.0.0.1")
        with client.session_transaction() as session:
            session["_user_id"] = token  # the server-side session's token (pamong.auth)
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def bearer(app: Any, make_user: Callable[..., Any]) -> Callable[..., dict[str, str]]:
    """Headers with a bearer token of a new user holding ``role`` at ``unit``."""
    from pamong.accounts import services
    from pamong.accounts.permissions import Actor

    def headers(role: str = "admin", unit: str = TEST_REGION) -> dict[str, str]:
        user = make_user(role, unit)
        with app.extensions["pamong"].db.transaction() as session:
            _token, plain = services.create_token(
                session, Actor.system("test"), session.merge(user), "test"
            )
        return {"Authorization": f"Bearer {plain}"}

    return headers


@pytest.fixture
def make_org_unit(app: Any) -> Callable[..., Any]:
    """Add an org unit: ``make_org_unit("33.14-DPMPTSP", "DPMPTSP", "skpd", "33.14")``."""
    from pamong.accounts.permissions import Actor
    from pamong.orgunits.services import add_unit

    def make(code: str, name: str, kind: str, parent_code: str = TEST_REGION) -> Any:
        with app.extensions["pamong"].db.transaction() as session:
            return add_unit(
                session,
                Actor.system("test"),
                code=code,
                name=name,
                kind=kind,
                parent_code=parent_code,
            )

    return make


@pytest.fixture
def make_resident(app: Any) -> Callable[..., Any]:
    """Register a valid resident; any field can be overridden (``desa="33.14.01.2001"``)."""
    from pamong.accounts.permissions import Actor
    from pamong.identity.services import register_resident
    from pamong.identity.synthetic import make_nik

    def make(desa: str = "33.14.01.2001", **fields: Any) -> Any:
        sex = fields.pop("sex", "M")
        born = fields.pop("birth_date", date(1990, 8, 12))
        kecamatan = desa.rsplit(".", 1)[0]
        data = {
            "nik": fields.pop("nik", None) or make_nik(kecamatan, born, sex, next(_serials)),
            "name": "Budi Santoso",
            "birth_place": "Sragen",
            "birth_date": born,
            "sex": sex,
            "domicile_code": desa,
            "address": "Dukuh Keden",
            **fields,
        }
        with app.extensions["pamong"].db.transaction() as session:
            return register_resident(session, Actor.system("test"), data)

    return make


def migration_drift(app: Any, component: str) -> list[Any]:
    """How ``component``'s models differ from the schema in the app's database.

    Alembic's autogenerate comparison, limited to the component's tables:
    an empty list means the migrations build exactly what the models say.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pamong import migrate
    from pamong.db import Base

    with app.extensions["pamong"].db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_object": migrate.include_object_for(component), "compare_type": True},
        )
        return compare_metadata(context, Base.metadata)


@pytest.fixture
def check_migrations(
    tmp_path_factory: pytest.TempPathFactory, pamong_plugins: list[str]
) -> Callable[[str], None]:
    """Fail unless a component's migrations match its models, up and down.

    ``check_migrations("myplugin")`` enables the marked plugins (default:
    just that one) on an empty database, upgrades everything to head,
    compares the plugin's tables with its models, takes the plugin down to
    base and up again, and compares once more. A failing migration is
    reported as its one-paragraph :class:`~pamong.migrate.MigrationError`.
    """
    from pamong import migrate
    from pamong.app import create_app
    from pamong.config import write_config

    def check(component: str) -> None:
        plugins = pamong_plugins or ([] if component == "core" else [component])
        instance = tmp_path_factory.mktemp("migrations")
        settings: dict[str, Any] = {}
        url = os.environ.get("PAMONG_TEST_DATABASE_URL")
        if url:
            _reset_postgres(url)
            settings["database_url"] = url
        write_config(instance, region=TEST_REGION, plugins=plugins)
        app = create_app(instance, plugins=plugins, check_schema=False, **settings)
        state = app.extensions["pamong"]
        try:
            migrate.upgrade(state.db, state.host)
            _fail_on_drift(app, component, "after upgrading an empty database")
            if component != "core":
                migrate.downgrade(state.db, state.host, component, "base")
                migrate.upgrade(state.db, state.host)
                _fail_on_drift(app, component, "after going down to base and up again")
        except migrate.MigrationError as exc:
            pytest.fail(str(exc), pytrace=False)
        finally:
            state.db.dispose()

    return check


def _fail_on_drift(app: Any, component: str, when: str) -> None:
    drift = migration_drift(app, component)
    if drift:
        lines = "\n".join(f"  - {difference!r}" for difference in drift)
        pytest.fail(
            f"the migrations of {component!r} do not match its models {when}; "
            f"add a revision (pamong.migrate.new_revision):\n{lines}",
            pytrace=False,
        )

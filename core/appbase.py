"""The app without its web parts: settings, plugins, database and translations.

:func:`pamong.app.create_app` builds on :func:`base_app`. Commands that only
work on the database (``pamong residents import``) take
:func:`create_base_app` instead: no blueprints, OpenAPI document, login,
CSRF or templates to set up, and none of their modules to import, which
was about half a second of such a command's CPU. Its app context gives
services what they read from the app (``current_app.extensions["pamong"]``,
translations, the plugins' settings); plugins' hooks run as in a request.
``pamong_on_app_ready`` is not announced: no app is served.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

import pamong
from pamong.config import ConfigError, Settings, load_settings
from pamong.db import Database
from pamong.hookrelay import SESSION_KEY, SETTINGS_KEY
from pamong.hooks import (
    DemoData,
    DocumentKind,
    NavItem,
    Permission,
    RoleTemplate,
    SurveyService,
    TrackableKind,
    WorkerJob,
)
from pamong.messaging.outbox import install_embedded_delivery
from pamong.plugins import ContainedHookRelay, PluginHost

if TYPE_CHECKING:
    from pamong.rest import PamongApi

LOCALES = ("id", "en")
CORE_ROOT = Path(__file__).parent
#: The API's URL prefix (pamong.rest.API_PREFIX, not imported here: it pulls in flask-smorest).
_API_PREFIX = "/api/v1"


@dataclass
class PamongState:
    """Everything Pamong keeps per app, at ``app.extensions["pamong"]``."""

    settings: Settings
    db: Database
    host: PluginHost
    permissions: dict[str, Permission] = field(default_factory=dict)
    nav_items: list[tuple[str, NavItem]] = field(default_factory=list)
    roles: list[RoleTemplate] = field(default_factory=list)
    api: PamongApi | None = None
    _demo_seeders: list[tuple[str, DemoData]] | None = field(default=None, repr=False)
    worker_jobs: list[tuple[str, WorkerJob]] = field(default_factory=list)
    calendar: Any = None  # pamong.workdays.WorkCalendar, built on first use
    login_throttle: Any = None  # pamong.ratelimit.LoginThrottle
    trackable_kinds: dict[str, TrackableKind] = field(default_factory=dict)
    document_kinds: dict[str, DocumentKind] = field(default_factory=dict)
    survey_services: dict[str, SurveyService] = field(default_factory=dict)

    @property
    def plugins(self) -> dict[str, Any]:
        return self.host.plugins

    def plugin_settings(self, plugin_id: str) -> dict[str, Any]:
        return self.host.plugins[plugin_id].settings

    def demo_seeders(self) -> list[tuple[str, DemoData]]:
        """The plugins' demo-data seeders, in weight order, gathered when first asked.

        Only ``pamong demo`` asks: a server or a command never imports the
        plugins' demo modules (a tenth of their modules' import time). A
        seeder hook's problem raises :class:`~pamong.plugins.StartupError` then.
        """
        if self._demo_seeders is None:
            seeders = self.host.collect(
                "pamong_register_demo_data",
                DemoData,
                key=lambda d: f"{d.seed.__module__}.{d.seed.__qualname__}",
                namespace_ok=lambda c, d: True,
                what="demo-data seeder",
            )
            self.host.raise_problems()
            self._demo_seeders = sorted(seeders, key=lambda pair: pair[1].weight)
        return self._demo_seeders


_LOCALES: dict[str, Locale] = {}


def _locale(code: str) -> Locale:
    # Flask-Babel parses the selector's answer on every request (a file-system
    # check in Babel); a Locale object is taken as it is.
    found = _LOCALES.get(code)
    if found is None:
        found = _LOCALES[code] = Locale.parse(code)
    return found


@functools.lru_cache(maxsize=512)
def _best_language(accept_language: str | None) -> str | None:
    """The best of :data:`LOCALES` for an ``Accept-Language`` value, None if none fits.

    Parsed once per distinct header value (clients send few): parsing and
    matching it was a tenth of a public API request. The cache is bounded,
    so a client sending a new value each time costs only the parse.
    """
    return parse_accept_header(accept_language, LanguageAccept).best_match(LOCALES)


def select_locale() -> Locale:
    """The language of the answer.

    Pages: the visitor's choice (the language switch), else the instance's
    default. The API: the request's ``Accept-Language``, else the default.
    Outside a request (CLI, worker, demo seeding): the default, so services
    may translate their messages anywhere.
    """
    default = current_app.extensions["pamong"].settings.default_locale
    if not has_request_context():
        return _locale(default)
    if request.path.startswith(_API_PREFIX):
        return _locale(_best_language(request.environ.get("HTTP_ACCEPT_LANGUAGE")) or default)
    lang = session.get("lang")
    return _locale(lang if lang in LOCALES else default)


def missing_instance_message(settings: Settings) -> str:
    """What to do when the instance folder holds no instance (or no secret key)."""
    folder = settings.instance_path
    config = folder / "pamong.toml"
    if config.exists():
        return f"no secret_key in {config}: add one (a long random string) under [pamong]"
    return (
        f"No Pamong instance in {folder} (no pamong.toml there). Create one with "
        f"`pamong --instance {folder} init --region CODE` (CODE is your regency, "
        "e.g. 33.14 for Sragen), or build a trial one with `pamong demo`. To use an "
        "existing instance, pass --instance DIR or set PAMONG_INSTANCE."
    )


def refuse_unless_current(state: PamongState) -> None:
    """Refuse to serve on a schema behind (or ahead of) the code's migrations."""
    from pamong import migrate
    from pamong.plugins import StartupError

    try:
        migrate.check_schema(state.db, state.host)
    except StartupError:
        state.db.dispose()
        raise


def load_instance(
    instance_path: str | Path | None, overrides: dict[str, Any]
) -> tuple[Settings, PluginHost]:
    """The instance's settings and its plugins, loaded (their problems not raised yet).

    Raises :class:`~pamong.config.ConfigError` naming every configuration
    problem, the enabled plugins' included.
    """
    try:
        settings = load_settings(instance_path, overrides)
    except ConfigError as error:
        if error.plugin_settings is None:
            raise
        host = PluginHost(error.plugins)  # name the plugins' problems in the same message
        host.load()
        host.load_settings(error.plugin_settings)
        raise ConfigError(error.problems + host.problems, error.path) from None
    if not settings.secret_key:
        raise ConfigError(missing_instance_message(settings))
    host = PluginHost(settings.plugins)
    host.load()
    host.load_settings(settings.plugin_settings)
    return settings, host


def base_app(settings: Settings, host: PluginHost, app_class: type[Flask] = Flask) -> Flask:
    """A Flask app with the instance's configuration, database, plugins and translations."""
    app = app_class(
        "pamong",
        instance_path=str(settings.instance_path),
        template_folder=str(CORE_ROOT / "templates"),
        static_folder=str(CORE_ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_lifetime_minutes),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        API_TITLE="Pamong",
        API_VERSION=pamong.__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=_API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Pamong REST API. Errors are RFC 9457 problem+json."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.time_zone,
        BABEL_TRANSLATION_DIRECTORIES=";".join(
            [str(CORE_ROOT / "translations")]
            + [str(p.translations_dir) for p in host.plugins.values() if p.translations_dir]
        ),
        BABEL_DOMAIN=";".join(
            ["messages"] + [pid for pid, p in host.plugins.items() if p.translations_dir]
        ),
        WTF_CSRF_TIME_LIMIT=None,
    )
    db = Database(settings.database_url)
    db.sessionmaker.configure(
        info={SESSION_KEY: ContainedHookRelay(host.pm), SETTINGS_KEY: settings}
    )
    if settings.embedded_delivery:
        install_embedded_delivery(db, settings, host.pm.hook)
    app.extensions["pamong"] = PamongState(settings=settings, db=db, host=host)
    Babel(app, locale_selector=select_locale)
    return app


def create_base_app(instance_path: str | Path | None = None, *, check_schema: bool = True) -> Flask:
    """The instance's app without its web parts, for commands that only use the database.

    Raises what :func:`pamong.app.create_app` raises for the same problems
    (:class:`~pamong.config.ConfigError`, :class:`~pamong.plugins.StartupError`,
    :class:`~pamong.migrate.SchemaNotCurrent`).
    """
    settings, host = load_instance(instance_path, {})
    host.raise_problems()
    app = base_app(settings, host)
    if check_schema:
        refuse_unless_current(app.extensions["pamong"])
    return app

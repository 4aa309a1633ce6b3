"""The application factory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import flask_smorest
from flask import (
    Blueprint,
    Flask,
    Request,
    abort,
    request,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import Rule

from pamong import ratelimit
from pamong.appbase import (
    PamongState,
    base_app,
    load_instance,
    refuse_unless_current,
)
from pamong.auth import AnonymousUser, load_session_user
from pamong.db import close_session
from pamong.errors import PamongError
from pamong.gcpause import collector_paused
from pamong.hooks import (
    DocumentKind,
    NavItem,
    Permission,
    RoleTemplate,
    SurveyService,
    TrackableKind,
    WorkerJob,
)
from pamong.inputs import TooDeep, load_json
from pamong.plugins import (
    CORE_ID,
    PluginHost,
    StartupError,
    announce_app_ready,
    check_cli_groups,
    check_url_prefixes,
)
from pamong.rest import API_PREFIX, MAX_ID, IdConverter, PamongApi, handle_pamong_error

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_NO_LENGTH = frozenset({None, "", "0"})


class _Rule(Rule):
    """A URL rule whose ``url_for`` builders are compiled on first use.

    Werkzeug compiles two builder functions per rule when it is added; with
    some 400 routes that was a fifth of app creation, for URLs mostly never built.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        name = "_build_unknown" if append_unknown else "_build"
        compile_builder = super()._compile_builder

        def build(rule: Rule, *args: Any, **kwargs: Any) -> Any:
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, name, builder)
            return builder(*args, **kwargs)

        return build


class _Flask(Flask):
    """Flask, remembering which hooks and views are plain functions.

    Flask asks :func:`inspect.iscoroutinefunction` of every before- and
    after-request hook, teardown and view on every request (some fifteen
    calls, unwrapping partials and methods each time): a few percent of a
    public request. The answer never changes for a function; it is kept.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Weak keys, and a flag as the value (not the function, which would keep
        # its key alive): a function made per request is not kept.
        self._plain_functions: WeakKeyDictionary[Any, bool] = WeakKeyDictionary()
        # The app's own hooks and views known to be plain, held strongly (the app
        # holds them anyway): a set lookup instead of a weak reference made per call.
        self._plain_hooks: frozenset[Any] = frozenset()

    def remember_plain_hooks(self) -> None:
        """Note which registered hooks and views are plain functions (once the app is built)."""
        registered = [
            *(f for view in self.view_functions.values() for f in _wrapped_chain(view)),
            *(f for funcs in self.before_request_funcs.values() for f in funcs),
            *(f for funcs in self.after_request_funcs.values() for f in funcs),
            *(f for funcs in self.teardown_request_funcs.values() for f in funcs),
            *self.teardown_appcontext_funcs,
        ]
        self._plain_hooks = frozenset(
            f for f in registered if _hashable(f) and Flask.ensure_sync(self, f) is f
        )

    def ensure_sync(self, func: Any) -> Any:
        if func in self._plain_hooks:
            return func
        try:
            plain = self._plain_functions.get(func)
        except TypeError:  # unhashable or not weakly referable: ask every time
            return super().ensure_sync(func)
        if plain:
            return func
        synchronous = super().ensure_sync(func)
        if plain is None:
            self._plain_functions[func] = synchronous is func
        return synchronous


def _wrapped_chain(function: Any) -> Iterator[Any]:
    """A view and the functions its decorators wrap (``__wrapped__``), which the
    decorators (flask-smorest's, the rate limit's) hand to ``ensure_sync`` in turn."""
    seen = 0
    while function is not None and seen < 20:
        yield function
        function = getattr(function, "__wrapped__", None)
        seen += 1


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for a request
    that brings no session cookie (every public page and API call): the
    answer is the same empty session. An empty session nobody changed is
    not saved either: Flask looked up the six cookie settings first, then
    set nothing (only ``Vary: Cookie`` when the session was read)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ or not request.cookies.get(
            self.get_cookie_name(app)
        ):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if not session and not session.modified:
            if session.accessed:
                if "Vary" in response.headers:
                    response.vary.add("Cookie")
                else:  # what ``vary.add`` sets, without parsing the header first
                    response.headers["Vary"] = "Cookie"
            return
        super().save_session(app, session, response)


def _blueprint_ok(component: str, blueprint: Any) -> bool:
    return blueprint.name in (component, f"{component}_api")


def _mount_blueprints(app: Flask, api: PamongApi, host: PluginHost) -> None:
    for component, blueprint in host.collect(
        "pamong_register_blueprints",
        Blueprint,
        key=lambda b: b.name,
        namespace_ok=_blueprint_ok,
        what="blueprint",
        app=app,
    ):
        is_api = isinstance(blueprint, flask_smorest.Blueprint)
        if component == CORE_ID:
            prefix = blueprint.url_prefix
        else:
            prefix = f"{API_PREFIX}/{component}" if is_api else f"/{component}"
        if is_api:
            api.register_blueprint(blueprint, url_prefix=prefix)
        else:
            app.register_blueprint(blueprint, url_prefix=prefix)


def _collect_records(state: PamongState) -> None:
    host = state.host
    for _, permission in host.collect(
        "pamong_register_permissions",
        Permission,
        key=lambda p: p.name,
        namespace_ok=lambda c, p: p.name.startswith(f"{c}."),
        what="permission",
    ):
        state.permissions[permission.name] = permission
    state.nav_items = host.collect(
        "pamong_register_nav_items",
        NavItem,
        key=lambda n: n.endpoint,
        namespace_ok=lambda c, n: n.endpoint.split(".")[0] == c,
        what="nav item",
    )
    state.nav_items.sort(key=lambda pair: (pair[1].group, pair[1].weight, pair[1].label))
    for component, role in host.collect(
        "pamong_register_roles",
        RoleTemplate,
        key=lambda r: r.name,
        namespace_ok=lambda c, r: r.name.startswith(f"{c}_") or r.name == c,
        what="role",
    ):
        unknown = [
            p
            for p in role.permissions
            if p != "*" and not p.endswith(".*") and p not in state.permissions
        ]
        if unknown:
            host.problems.append(
                f"{component!r}: role {role.name!r} names unknown permissions {unknown}"
            )
        state.roles.append(role)
    for _, kind in host.collect(
        "pamong_register_trackable_kinds",
        TrackableKind,
        key=lambda k: k.code,
        namespace_ok=lambda c, k: True,
        what="trackable kind",
    ):
        if not re.fullmatch(r"[A-Z]{2,6}", kind.code) or not kind.stages:
            host.problems.append(
                f"trackable kind {kind.code!r}: the code must be 2-6 capital letters "
                "and it needs at least one stage"
            )
        state.trackable_kinds[kind.code] = kind
    for _, kind in host.collect(
        "pamong_register_document_kinds",
        DocumentKind,
        key=lambda k: k.name,
        namespace_ok=lambda c, k: k.name.startswith(f"{c}."),
        what="document kind",
    ):
        state.document_kinds[kind.name] = kind
    for _, service in host.collect(
        "pamong_register_survey_services",
        SurveyService,
        key=lambda s: s.key,
        namespace_ok=lambda c, s: s.key.startswith(f"{c}."),
        what="survey service",
    ):
        state.survey_services[service.key] = service
    state.worker_jobs = host.collect(
        "pamong_register_worker_jobs",
        WorkerJob,
        key=lambda j: j.name,
        namespace_ok=lambda c, j: j.name.startswith(f"{c}."),
        what="worker job",
    )
    from pamong.jobs.schedule import schedule_problem

    for _, job in state.worker_jobs:
        if problem := schedule_problem(job):
            host.problems.append(problem)


def _core_command_names() -> list[str]:
    from pamong.cli import main

    return list(main.commands)


def create_app(
    instance_path: str | Path | None = None, *, check_schema: bool = True, **overrides: Any
) -> Flask:
    """Build a Pamong app for an instance folder.

    ``instance_path`` defaults to ``PAMONG_INSTANCE`` (then ``./instance``);
    keyword arguments override settings (``database_url=...``,
    ``plugins=[...]``, ``plugin_settings={...}``), as tests do. Raises
    :class:`~pamong.config.ConfigError` naming every configuration problem
    (with the enabled plugins' problems in the same message),
    :class:`~pamong.plugins.StartupError` listing every plugin problem, and
    :class:`~pamong.migrate.SchemaNotCurrent` when the database is not at
    every enabled component's newest migration; ``check_schema=False``
    skips that check, for the commands that create or migrate the schema.
    """
    with collector_paused(age=True):
        return _create_app(instance_path, check_schema=check_schema, overrides=overrides)


def prepare_to_serve(app: Flask) -> None:
    """Do now what a served app's first request would do: configure the mappers.

    SQLAlchemy configures every model's mapper (relationships, join
    conditions, attribute instrumentation: some 0.15 s of CPU for the ~100
    models of a full install) the first time any model is queried; a server
    pays it once, before its first request. Tests and commands do not call
    this: their first query configures the mappers as before.
    """
    from sqlalchemy.orm import configure_mappers

    with collector_paused(age=True):
        configure_mappers()


def _create_app(
    instance_path: str | Path | None, *, check_schema: bool, overrides: dict[str, Any]
) -> Flask:
    settings, host = load_instance(instance_path, overrides)
    app = base_app(settings, host, _Flask)
    app.url_rule_class = _Rule
    app.session_interface = _CookieSessions()
    state = app.extensions["pamong"]
    ratelimit.init_app(app)

    csrf = CSRFProtect(app)
    login = LoginManager(app)
    login.user_loader(load_session_user)
    login.anonymous_user = AnonymousUser
    login.login_view = "web.login"
    login.login_message = None  # the login page says why on its own

    app.url_map.converters["id"] = IdConverter
    api = state.api = PamongApi(app)
    api.register_converter(
        IdConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    app.register_error_handler(PamongError, handle_pamong_error)
    app.teardown_appcontext(close_session)

    _collect_records(state)
    _mount_blueprints(app, api, host)
    for name, blueprint in app.blueprints.items():
        if name == "api-docs" or isinstance(blueprint, flask_smorest.Blueprint):
            csrf.exempt(blueprint)  # the API takes bearer tokens, never cookies
    check_url_prefixes(host, [(r.rule, r.endpoint) for r in app.url_map.iter_rules()], API_PREFIX)
    check_cli_groups(host, _core_command_names())
    host.raise_problems()
    if check_schema:
        refuse_unless_current(state)

    from pamong.web.context import install_template_helpers
    from pamong.web.security import install_security
    from pamong.web.static_files import install_static_versions

    install_template_helpers(app)
    install_security(app, settings.trusted_proxies)
    install_static_versions(app)

    app.before_request(_refuse_bad_input)

    try:
        announce_app_ready(host, app)
    except StartupError:
        state.db.dispose()
        raise
    from pamong.web.template_cache import install_template_cache

    install_template_cache(app)  # once every filter is in (its key names them)
    app.remember_plain_hooks()
    return app


def _refuse_bad_input() -> None:
    """400 for NUL characters anywhere in the request and for JSON nested too deep.

    No text column of ours holds NUL, and PostgreSQL refuses it outright:
    stop it at the door as a 400 instead of a database error. ``json.loads``
    reports deep nesting as a RecursionError (a 500): make it a 400 too.
    A request without a body (most GETs) checks its path and query only.
    """
    if "\x00" in request.path or b"%00" in request.query_string:
        abort(400, "NUL characters are not allowed.")
    environ = request.environ
    # No body: asked of the environ first (Werkzeug's ``content_length`` raises and
    # catches a KeyError for each header a GET does not send).
    if not environ.get("HTTP_TRANSFER_ENCODING") and (
        environ.get("CONTENT_LENGTH") in _NO_LENGTH or not request.content_length
    ):
        return
    mimetype = request.mimetype
    if mimetype in _FORM_TYPES:  # else the form is empty: skip parsing it
        if any("\x00" in value for value in request.form.values()):
            abort(400, "NUL characters are not allowed.")
    elif request.is_json:
        data = request.get_data(cache=True)
        if b"\\u0000" in data:
            abort(400, "NUL characters are not allowed.")
        try:
            load_json(data)
        except TooDeep as exc:
            abort(400, str(exc))
        except ValueError:
            pass  # not JSON at all: the endpoint's own parser says so


__all__ = ["PamongState", "StartupError", "create_app"]

"""The REST layer: ``/api/v1``, OpenAPI 3, and RFC 9457 problem+json errors."""

from __future__ import annotations

import copy
import functools
import http
import json as std_json
import threading
from collections import defaultdict
from datetime import date
from typing import Any

import flask_smorest
from flask import Response, current_app, json, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, RAISE, Schema, fields, validate
from marshmallow.schema import SchemaMeta
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, ValidationError

from pamong.errors import PROBLEM_BASE, InvalidInput, PamongError
from pamong.i18n import gettext as _
from pamong.i18n import lazy_gettext as _l

API_PREFIX = "/api/v1"
PROBLEM_MIME = "application/problem+json"


def _resolve_hooks(cls: SchemaMeta) -> dict[str, list[tuple[str, bool, dict[str, Any]]]]:
    """marshmallow's ``SchemaMeta.resolve_hooks``, the same answer found faster.

    marshmallow runs it for every schema class it creates (some 350 in a
    full install, most of them at app creation): for each name in
    ``dir(cls)`` it searches the classes of the MRO, then asks the value
    for ``__marshmallow_hook__``, raising and catching an AttributeError
    for nearly every name (about 0.1 ms a class). Here each name's value
    is the first one found along the MRO, as there, and names are taken in
    ``dir``'s sorted order, so the hooks come in the same order.
    """
    found: dict[str, Any] = {}
    for parent in cls.__mro__:
        for name, value in vars(parent).items():
            if name not in found:
                found[name] = value
    hooks: dict[str, list[tuple[str, bool, dict[str, Any]]]] = defaultdict(list)
    for name in sorted(found):
        config = getattr(found[name], "__marshmallow_hook__", None)
        if config is not None:
            for tag, entries in config.items():
                hooks[tag].extend((name, many, kwargs) for many, kwargs in entries)
    return hooks


_marshmallow_resolve_hooks = SchemaMeta.resolve_hooks  # kept for the test comparing both
SchemaMeta.resolve_hooks = _resolve_hooks  # type: ignore[assignment,method-assign]


class ProblemSchema(Schema):
    """An RFC 9457 problem detail (error) body.

    Some problems add extension members (RFC 9457, section 3.2): the common
    ones are documented; others (``source``, ``problems``...) may follow.
    """

    class Meta:
        unknown = INCLUDE  # documented as: additional properties allowed

    type = fields.String(metadata={"description": "Stable URI naming the problem kind"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Raw(metadata={"description": "Per-field messages, where input was bad"})
    field = fields.String(metadata={"description": "The input field at fault, where one is"})
    permission = fields.String(metadata={"description": "The permission that was missing"})


class _StrictQueryParser(FlaskParser):
    # webargs ignores unknown query parameters by default; let the schema decide.
    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }


class Blueprint(flask_smorest.Blueprint):
    """The API blueprint of Pamong and its plugins: an unknown query parameter is a 422.

    The OpenAPI description of each route (a deep copy of its schemas) is
    written when the document is first read, not when the route is declared:
    importing every plugin's API took most of app creation.
    """

    ARGUMENTS_PARSER = _StrictQueryParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._undocumented: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        super().__init__(*args, **kwargs)

    @property
    def _docs(self) -> dict[str, Any]:
        if self._undocumented:
            pending, self._undocumented = self._undocumented, []
            for args, options in pending:
                super()._store_endpoint_docs(*args, **options)
        return self._documented

    @_docs.setter
    def _docs(self, docs: dict[str, Any]) -> None:
        self._documented = docs

    def _store_endpoint_docs(
        self, endpoint: str, obj: Any, parameters: Any, tags: Any, **options: Any
    ) -> None:
        self._undocumented.append(((endpoint, obj, parameters, tags), options))

    # A schema named by its class is instantiated once per process, not once per
    # route (marshmallow deep-copies every field of every instance). Schemas hold
    # no per-call state, so routes may share one, as threads share a route's.
    # Each decorator deep-copies the route's documentation so far, schemas
    # included: ``_keeping_schemas`` makes those copies share the schemas too.
    def arguments(self, schema: Any, **kwargs: Any) -> Any:
        return _keeping_schemas(super().arguments(shared_schema(schema), **kwargs))

    def response(self, status_code: Any, schema: Any = None, **kwargs: Any) -> Any:
        return _keeping_schemas(super().response(status_code, shared_schema(schema), **kwargs))

    def alt_response(
        self, status_code: Any, response: Any = None, *, schema: Any = None, **kwargs: Any
    ) -> Any:
        return _keeping_schemas(
            super().alt_response(status_code, response, schema=shared_schema(schema), **kwargs)
        )

    @staticmethod
    def doc(**kwargs: Any) -> Any:
        return _keeping_schemas(flask_smorest.Blueprint.doc(**kwargs))

    def paginate(self, *args: Any, **kwargs: Any) -> Any:
        return _keeping_schemas(super().paginate(*args, **kwargs))


class _RouteDoc(dict):  # type: ignore[type-arg]
    """A route's documentation (flask-smorest's ``_apidoc``) whose deep copies
    share its schema instances.

    flask-smorest deep-copies the documentation in every decorator and again
    when it stores a route's; copying the schemas in it (every field of each)
    was a tenth of app creation. The copy is otherwise as deep as before, and
    the OpenAPI document the same.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> _RouteDoc:
        return _RouteDoc(_copy_keeping_schemas(self, memo))


def _copy_keeping_schemas(value: Any, memo: dict[int, Any]) -> Any:
    if type(value) is dict or type(value) is _RouteDoc:
        return {key: _copy_keeping_schemas(item, memo) for key, item in value.items()}
    if type(value) is list:
        return [_copy_keeping_schemas(item, memo) for item in value]
    if isinstance(value, Schema):
        return value
    return copy.deepcopy(value, memo)


def _keeping_schemas(decorator: Any) -> Any:
    def decorate(function: Any) -> Any:
        docs = getattr(function, "_apidoc", None)
        if type(docs) is dict:
            function._apidoc = _RouteDoc(docs)
        return decorator(function)

    return decorate


@functools.cache
def _instance(schema_class: type[Schema]) -> Schema:
    return schema_class()


def shared_schema(schema: Any) -> Any:
    """One instance per schema class; instances, names and dicts as they are."""
    if isinstance(schema, type) and issubclass(schema, Schema):
        return _instance(schema)
    return schema


class QueryArgs(Schema):
    """Base of query-string schemas: an unknown parameter (a typo) is refused with 422."""

    class Meta:
        unknown = RAISE


#: The dates a filter or a report may name: wider than any record, and far from
#: the calendar's ends, where turning a local day into UTC would overflow.
MIN_QUERY_DATE = date(1900, 1, 1)
MAX_QUERY_DATE = date(2999, 12, 31)


class QueryDate(fields.Date):
    """A date filter (``since``, ``until``…): 1900-01-01 to 2999-12-31, else a 422."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Range(min=MIN_QUERY_DATE, max=MAX_QUERY_DATE))
        super().__init__(**kwargs)


def check_query_date(day: date) -> date:
    """The same bounds for dates that pages read from their query string."""
    if not MIN_QUERY_DATE <= day <= MAX_QUERY_DATE:
        raise InvalidInput(
            _(
                "Dates lie between %(first)s and %(last)s.",
                first=MIN_QUERY_DATE.isoformat(),
                last=MAX_QUERY_DATE.isoformat(),
            ),
            slug="invalid-date",
        )
    return day


class IdConverter(BaseConverter):
    """``<id:name>``: a positive database id; anything larger is simply not found."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number


MAX_ID = 2**31 - 1


#: Problem titles, translated like the detail so one answer speaks one language.
TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid input"),
    423: _l("Locked"),
    429: _l("Too many requests"),
    500: _l("Internal error"),
    503: _l("Service unavailable"),
}

#: Werkzeug's own (English) explanations, replaced by ours.
DETAILS = {
    400: _l("The request could not be understood."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not take this method."),
    406: _l("This address cannot answer in the requested format."),
    413: _l("The request is too large."),
    415: _l("The request body is not in a format this address takes."),
    422: _l("Some fields are not valid: see errors."),
    429: _l("Too many requests: wait a moment and try again."),
    500: _l("Something went wrong on our side; it has been logged."),
}


def problem(status: int, detail: str, slug: str | None = None, **extra: Any) -> Response:
    try:
        phrase = TITLES.get(status) or http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = {
        "type": PROBLEM_BASE + slug if slug else "about:blank",
        "title": str(phrase),
        "status": status,
        "detail": detail,
        **extra,
    }
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)


#: Flask's default JSON settings in production (sorted keys, ASCII, compact), built once.
_JSON = std_json.JSONEncoder(
    ensure_ascii=True,
    sort_keys=True,
    separators=(",", ":"),
    default=DefaultJSONProvider.default,
)


def json_response(data: Any) -> Response:
    """What ``jsonify(data)`` answers, for the busiest public endpoints.

    ``jsonify`` builds a new encoder for every answer; with Flask's default
    provider outside debug mode this gives the same bytes and headers from
    one encoder. Any other setting is left to ``jsonify`` (that is, to the
    app's JSON provider).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provider = app.json
    if (
        type(provider) is not DefaultJSONProvider
        or app.debug
        or provider.compact is False
        or not provider.sort_keys
        or not provider.ensure_ascii
    ):
        return provider.response(data)
    return app.response_class(_JSON.encode(data) + "\n", mimetype=provider.mimetype)


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


class PamongApi(Api):
    """flask-smorest's Api with problem+json errors (also documented as such).

    Blueprints are routed at once and documented in the OpenAPI spec when
    ``spec`` is first read (``/api/v1/openapi.json``, ``pamong openapi``):
    building the document takes longer than the rest of app creation.
    """

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._undocumented: list[tuple[Any, str, Any]] = []
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def spec(self) -> Any:
        if self._undocumented:
            with self._documenting:
                pending, self._undocumented = self._undocumented, []
                for blp, name, parameters in pending:
                    blp.register_views_in_doc(
                        self, self._app, self._spec, name=name, parameters=parameters
                    )
                    self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, spec: Any) -> None:
        self._spec = spec

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Route ``blp`` now; document it when the spec is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_MIME)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIME)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Any:
        from pamong.web.errors import html_error_page  # the web layer renders non-API errors

        if not is_api_request():
            return html_error_page(error)
        data = getattr(error, "data", None) or {}
        extra: dict[str, Any] = {}
        if "messages" in data:
            extra["errors"] = data["messages"]
        detail = data.get("message") or error.description or error.name
        if detail == type(error).description and error.code in DETAILS:
            detail = str(DETAILS[error.code])
        slug = "invalid-input" if error.code == 422 else None
        response = problem(error.code or 500, detail, slug, **extra)
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response


def handle_pamong_error(error: PamongError) -> Any:
    if is_api_request():
        body = error.to_problem()
        return Response(json.dumps(body), status=error.status, mimetype=PROBLEM_MIME)
    from pamong.web.errors import html_domain_error

    return html_domain_error(error)


BEARER = [{"bearerAuth": []}]

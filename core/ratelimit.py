"""Rate limits: the public pages and endpoints, and the back-off of failed logins.

Counts live in ``rate_limit_storage``: ``memory://`` (one process: the
embedded install) or a shared store every app process and host talks to,
such as ``redis://host:6379/0``. Clients are keyed by their real address,
which behind a reverse proxy is the one :mod:`pamong.web.security` takes
from ``X-Forwarded-For`` when, and only when, the proxy is listed in
``trusted_proxies``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask import Flask, current_app, g, request
from flask.globals import request_ctx
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.constants import HeaderNames
from flask_limiter.util import get_qualified_name, get_remote_address
from limits.errors import ConfigurationError
from limits.limits import safe_string
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.http import http_date, parse_date

from pamong.config import ConfigError

log = logging.getLogger(__name__)


class _Count(NamedTuple):
    """A public route's count on the short path, for the response's headers."""

    limit: Any  # limits.RateLimitItem
    count: int
    reset: float  # when the window ends (epoch seconds), as the store says


class _Plan(NamedTuple):
    """How a public route is counted on the short path: its one limit and its key.

    The key is Flask-Limiter's (``RateLimitItem.key_for(prefix, address,
    scope)``), its fixed parts joined once: ``head + address + tail``.
    """

    limit: Any  # flask_limiter RuntimeLimit
    scope: str
    head: str
    tail: str


#: Stands for the client's address while a plan's key is put together.
_ADDRESS = "\x00address\x00"
#: ``g`` key of the short path's count, read by :func:`_count_headers`.
_COUNTED = "pamong_public_count"


class _RouteLimiter(Limiter):
    """Flask-Limiter counting only the routes decorated with :func:`public`.

    Pamong sets no application-wide, default or blueprint limits, so the
    check Flask-Limiter runs before every request (staff pages and API
    calls included) never found anything to count: it is skipped; the
    decorated routes check their own limits as before.

    A public route with one plain fixed-window limit (what
    ``public_rate_limit`` gives) is counted on a short path
    (:meth:`count_public`): one increment of the same key in the same store
    Flask-Limiter uses, the same ``X-RateLimit-*`` and ``Retry-After``
    headers, the same 429. Anything else (a store that failed, other
    strategies, costs, exemptions, callbacks) takes Flask-Limiter's own path.
    """

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware:
            return
        if self._storage_dead or not callable_name:
            # The in-memory fallback and its recovery: Flask-Limiter's own path.
            super()._check_request_limit(callable_name, in_middleware)
            return
        # A decorated route's limits are its own (no default, application, blueprint
        # or meta limits, no exemptions): evaluate them without resolving the rest,
        # which cost more than the count. Errors take Flask-Limiter's path, with its
        # fallback to counting in memory.
        endpoint = self.identify_request()
        if self._Limiter__check_all_limits_exempt(endpoint):  # type: ignore[attr-defined]
            return  # disabled, a static file, a request filter
        try:
            self._Limiter__evaluate_limits(  # type: ignore[attr-defined]
                endpoint, self._route_limits(callable_name)
            )
        except RateLimitExceeded:
            raise
        except Exception:
            super()._check_request_limit(callable_name, in_middleware)

    def _route_limits(self, callable_name: str) -> list[Any]:
        """The route's limits, resolved once per app: the limit string comes from
        the settings, which do not change while the app runs; Flask-Limiter
        called the provider and parsed its answer on every request."""
        cache = current_app.extensions.setdefault("pamong.route_limits", {})
        found = cache.get(callable_name)
        if found is None:
            found = cache[callable_name] = self.limit_manager.decorated_limits(callable_name)
        return found

    def count_public(self, callable_name: str) -> bool:
        """Count this request against its public route's limit; False: not counted here.

        What Flask-Limiter's fixed window does (``storage.incr`` of the key
        ``LIMITER/pamong/<address>/<endpoint>/<amount>/<multiples>/<unit>``,
        refused past the amount), without its per-request resolution of
        scopes, exemptions and meta limits. Raises :class:`RateLimitExceeded`
        (a 429) past the limit. Returns False, having counted nothing, when
        the route or the limiter's state needs Flask-Limiter's own path.
        """
        if self._storage_dead or self._request_filters or not (self.enabled and self.initialized):
            return False
        plan = self._plan(callable_name)
        if plan is None:
            return False
        address = plan.limit.key_func()
        if not address:
            return False
        item = plan.limit.limit
        key = plan.head + safe_string(address) + plan.tail
        storage = self._storage
        try:
            count = storage.incr(key, item.get_expiry())  # type: ignore[union-attr]
        except Exception:
            return False  # Flask-Limiter's path: its retry and in-memory fallback
        try:
            reset = storage.get_expiry(key)  # type: ignore[union-attr]
        except Exception:
            reset = time.time() + item.get_expiry()
        setattr(g, _COUNTED, _Count(item, count, reset))
        if count > item.amount:
            self.logger.info(
                "ratelimit %s (%s) exceeded at endpoint: %s", item, address, plan.scope
            )
            raise RateLimitExceeded(plan.limit)
        return True

    def _plan(self, callable_name: str) -> _Plan | None:
        """The route's short-path plan for this endpoint and method, made once per app."""
        endpoint, method = request.endpoint or "", request.method
        cache = current_app.extensions.setdefault("pamong.public_plans", {})
        key = (callable_name, endpoint, method)
        if key not in cache:
            cache[key] = self._make_plan(callable_name, endpoint, method)
        return cache[key]

    def _make_plan(self, callable_name: str, endpoint: str, method: str) -> _Plan | None:
        limits = self._route_limits(callable_name)
        if (
            not endpoint
            or endpoint.split(".")[-1] == "static"
            or len(limits) != 1
            or self._meta_limits
            or self._on_breach is not None
            or type(self._limiter) is not FixedWindowRateLimiter
        ):
            return None
        limit = limits[0]
        plain = (
            limit.key_func is get_remote_address
            and limit.cost == 1
            and limit.exempt_when is None
            and limit.deduct_when is None
            and limit.on_breach is None
            and not limit.meta_limits
            and not limit.methods
            and not callable(limit.scope)
        )
        if not plain:
            return None
        scope = limit.scope_for(endpoint, method)
        prefixes = (self._key_prefix,) if self._key_prefix else ()
        head, _address, tail = limit.limit.key_for(*prefixes, _ADDRESS, scope).partition(_ADDRESS)
        return _Plan(limit, scope, head, tail)


def _count_headers(response: Any) -> Any:
    """The short path's ``X-RateLimit-*`` and ``Retry-After`` headers, as Flask-Limiter's."""
    counted = g.pop(_COUNTED, None)
    if counted is None or not limiter._headers_enabled or not limiter._header_mapping:
        return response
    names = limiter._header_mapping
    headers = response.headers
    amount = counted.limit.amount
    reset_at = int(counted.reset + 1)
    headers.add(names[HeaderNames.LIMIT], str(amount))
    headers.add(names[HeaderNames.REMAINING], str(max(0, amount - counted.count)))
    headers.add(names[HeaderNames.RESET], str(reset_at))
    # The response's own Retry-After wins if later (Flask-Limiter's rule). Looked up
    # by a scan: a missing key costs Werkzeug's headers a raised and caught KeyError.
    existing = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if existing is not None:
        retry_after: float | datetime | None = parse_date(existing)
        if retry_after is None:
            retry_after = time.time() + int(existing)
        if isinstance(retry_after, datetime):
            retry_after = time.mktime(retry_after.timetuple())
        reset_at = max(int(retry_after), reset_at)
    name = names[HeaderNames.RETRY_AFTER]
    if limiter._retry_after == "http-date":
        value = http_date(reset_at)
    else:
        value = str(int(reset_at - time.time()))
    if existing is None and name.lower() == "retry-after":
        headers.add(name, value)  # known absent: ``set`` would look for it first
    else:
        headers.set(name, value)
    return response


def _only_when_used(hook: Any, *, teardown: bool) -> Any:
    """Flask-Limiter's after-request or teardown hook, skipped for a request it never saw.

    Its hooks read (and create) its per-request context; a request that
    Flask-Limiter did not count (a staff page, or a public route counted on
    the short path) has none, so there is nothing to add or reset.
    """

    @functools.wraps(hook)
    def run(arg: Any) -> Any:
        # Looked up in the context's __dict__: ``hasattr`` raised and caught an error.
        if "_limiter_request_context" in vars(request_ctx._get_current_object()):
            return hook(arg)
        return None if teardown else arg

    return run


def _is_limiters(hook: Any, name: str) -> bool:
    function = getattr(hook, "func", None) or getattr(hook, "__func__", None)
    owner = hook.args[0] if hasattr(hook, "args") and hook.args else getattr(hook, "__self__", None)
    return owner is limiter and getattr(function, "__name__", "") == name


def _install_hooks(app: Flask) -> None:
    """The short path's headers; Flask-Limiter's own hooks only for requests it counted."""
    after = app.after_request_funcs.setdefault(None, [])
    teardown = app.teardown_request_funcs.setdefault(None, [])
    wrapped = 0
    for hooks, name, is_teardown in (
        (after, "__inject_headers", False),
        (teardown, "__release_context", True),
    ):
        for index, hook in enumerate(hooks):
            if _is_limiters(hook, name):
                hooks[index] = _only_when_used(hook, teardown=is_teardown)
                wrapped += 1
    if wrapped != 2:
        raise RuntimeError("Flask-Limiter's request hooks were not found: check its version")
    app.after_request(_count_headers)


limiter = _RouteLimiter(key_func=get_remote_address, default_limits=[])

#: The scheme ``memory://`` is served with: :class:`SweptMemoryStorage`.
MEMORY_SCHEME = "pamong-memory"


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process store, sweeping out expired counts inline, once a second.

    The original starts a timer thread 10 ms after a count whenever the
    previous timer has run out: under load about a hundred new threads a
    second in every process, which cost more than the query a public
    request makes. Counts are checked for expiry whenever they are read, so
    the sweep only frees memory; doing it in the request that comes due
    changes no answer.
    """

    STORAGE_SCHEME = [MEMORY_SCHEME]
    SWEEP_SECONDS = 1.0
    _next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer start
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def storage_uri(uri: str) -> str:
    """The store ``rate_limit_storage`` names; ``memory://`` is :class:`SweptMemoryStorage`."""
    scheme, sep, rest = uri.partition("://")
    return f"{MEMORY_SCHEME}{sep}{rest}" if sep and scheme == "memory" else uri


#: Keys of every count Pamong keeps, so one Redis can serve other programs too.
KEY_PREFIX = "pamong"
#: Failures are forgotten a day after the first one of a series.
FAILURE_WINDOW_SECONDS = 24 * 3600
#: One account, tried from anywhere: twice the free attempts, and a short cap on
#: the wait, so that strangers can slow the administrator down but never lock them out.
ACCOUNT_MAX_DELAY_SECONDS = 60
#: One address (an office behind NAT counts as one): four times the free attempts.
ADDRESS_ATTEMPTS_FACTOR = 4


def public_limit() -> str:
    """The per-client limit of public endpoints, from ``public_rate_limit``."""
    return current_app.extensions["pamong"].settings.public_rate_limit


def public(view: Any) -> Any:
    """Decorate a public view with the configured per-address limit.

    Counted on the limiter's short path (:meth:`_RouteLimiter.count_public`)
    when it can be; otherwise by Flask-Limiter's own decorator, unchanged.
    """
    limited = limiter.limit(public_limit)(view)
    name = get_qualified_name(view)
    plain = not inspect.iscoroutinefunction(view)  # else Flask's async support runs it

    @functools.wraps(view)
    def counted(*args: Any, **kwargs: Any) -> Any:
        if limiter.count_public(name):
            if plain:
                return view(*args, **kwargs)
            return current_app.ensure_sync(view)(*args, **kwargs)
        return limited(*args, **kwargs)

    return counted


def open_storage(uri: str) -> Storage:
    """The counter store named by ``rate_limit_storage``; a clear error if unusable."""
    try:
        return storage_from_string(storage_uri(uri))
    except ConfigurationError as exc:
        raise ConfigError(f"rate_limit_storage {uri!r}: {exc}") from exc


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Counter:
    """One throttled key: how many failures are free, how long the wait may grow."""

    key: str
    free: int
    max_delay: int


class LoginThrottle:
    """Exponential back-off of failed logins, per account, per address and per both.

    After ``free_attempts`` failures of one account from one address, the
    next try must wait ``backoff_seconds``, then twice that after each
    further failure, up to ``max_delay_seconds``. The account alone (from
    any address) and the address alone (any account) have their own, more
    generous counters. Unknown usernames are counted exactly like real
    ones, so a wait reveals nothing about which accounts exist. A success
    clears the account's counters, not the address's.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        free_attempts: int = 5,
        backoff_seconds: int = 2,
        max_delay_seconds: int = 900,
    ) -> None:
        self.storage = storage
        self.free_attempts = free_attempts
        self.backoff_seconds = backoff_seconds
        self.max_delay_seconds = max_delay_seconds

    def _counters(self, username: str, address: str | None) -> list[_Counter]:
        account = _digest(username.strip().lower())
        where = _digest(address or "unknown")
        longest = self.max_delay_seconds
        return [
            _Counter(f"{KEY_PREFIX}/login/pair/{account}/{where}", self.free_attempts, longest),
            _Counter(
                f"{KEY_PREFIX}/login/account/{account}",
                2 * self.free_attempts,
                min(ACCOUNT_MAX_DELAY_SECONDS, longest),
            ),
            _Counter(
                f"{KEY_PREFIX}/login/address/{where}",
                ADDRESS_ATTEMPTS_FACTOR * self.free_attempts,
                longest,
            ),
        ]

    def delay_for(self, failures: int, free: int, max_delay: int) -> int:
        """Seconds to wait after ``failures`` failures of which ``free`` cost nothing."""
        over = failures - free
        if over <= 0:
            return 0
        return min(max_delay, self.backoff_seconds * 2 ** min(over - 1, 30))

    def wait_seconds(self, username: str, address: str | None) -> int:
        """How long this account and address must still wait (0: try now)."""
        now = time.time()
        wait = 0.0
        try:
            for counter in self._counters(username, address):
                if self.storage.get(counter.key + "/wait"):
                    wait = max(wait, self.storage.get_expiry(counter.key + "/wait") - now)
        except Exception:  # a store outage must not keep staff out: fail open, loudly
            log.exception("login throttle: the rate-limit store is not answering")
            return 0
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, username: str, address: str | None) -> None:
        """Count a failed login; start the wait its count calls for."""
        try:
            for counter in self._counters(username, address):
                failures = self.storage.incr(counter.key, FAILURE_WINDOW_SECONDS)
                delay = self.delay_for(failures, counter.free, counter.max_delay)
                if delay:
                    self.storage.clear(counter.key + "/wait")
                    self.storage.incr(counter.key + "/wait", delay)
        except Exception:
            log.exception("login throttle: the rate-limit store is not answering")

    def succeeded(self, username: str, address: str | None) -> None:
        """Forget the account's failures (the address keeps its own count)."""
        try:
            for counter in self._counters(username, address)[:2]:
                self.storage.clear(counter.key)
                self.storage.clear(counter.key + "/wait")
        except Exception:
            log.exception("login throttle: the rate-limit store is not answering")


def login_throttle() -> LoginThrottle:
    """The current app's login throttle."""
    return current_app.extensions["pamong"].login_throttle


def init_app(app: Flask) -> None:
    settings = app.extensions["pamong"].settings
    storage = open_storage(settings.rate_limit_storage)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(settings.rate_limit_storage)
    app.config["RATELIMIT_KEY_PREFIX"] = KEY_PREFIX
    # If the shared store goes away, count in this process rather than fail every request.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    limiter.init_app(app)
    _install_hooks(app)
    app.extensions["pamong"].login_throttle = LoginThrottle(
        storage,
        free_attempts=settings.login_free_attempts,
        backoff_seconds=settings.login_backoff_seconds,
        max_delay_seconds=settings.login_backoff_max_seconds,
    )

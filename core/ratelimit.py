"""Rate limits: the public pages and endpoints, and the back-off of failed logins.

Counts live in ``rate_limit_storage``: ``memory://`` (one process: the
embedded install) or a shared store every app process and host talks to,
such as ``redis://host:6379/0``. Clients are keyed by their real address,
which behind a reverse proxy is the one :mod:`pamong.web.security` takes
from ``X-Forwarded-For`` when, and only when, the proxy is listed in
``trusted_proxies``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, Storage, storage_from_string

from pamong.config import ConfigError

log = logging.getLogger(__name__)


class _RouteLimiter(Limiter):
    """Flask-Limiter counting only the routes decorated with :func:`public`.

    Pamong sets no application-wide, default or blueprint limits, so the
    check Flask-Limiter runs before every request (staff pages and API
    calls included) never found anything to count: it is skipped; the
    decorated routes check their own limits as before.
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
    """Decorate a public view with the configured per-address limit."""
    return limiter.limit(public_limit)(view)


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
    app.extensions["pamong"].login_throttle = LoginThrottle(
        storage,
        free_attempts=settings.login_free_attempts,
        backoff_seconds=settings.login_backoff_seconds,
        max_delay_seconds=settings.login_backoff_max_seconds,
    )

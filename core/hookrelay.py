"""Reach the plugin hooks from a service, which gets only a ``Session``.

The app's session factory puts its hook relay in ``session.info``; a
session made elsewhere (a script, a unit test) gets a relay that calls
nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

SESSION_KEY = "pamong_hooks"
#: The app's :class:`pamong.config.Settings`, beside its hooks in ``session.info``.
SETTINGS_KEY = "pamong_settings"


class _NoHooks:
    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> list[Any]:
            return []

        return call


def hooks_of(session: Session) -> Any:
    """The pluggy hook relay of the app that opened ``session``."""
    return session.info.get(SESSION_KEY) or _NoHooks()


def has_impls(session: Session, hook_name: str) -> bool:
    relay = session.info.get(SESSION_KEY)
    return bool(relay and getattr(relay, hook_name).get_hookimpls())


def settings_of(session: Session) -> Any:
    """The settings of the app that opened ``session``, or None (a bare session)."""
    return session.info.get(SETTINGS_KEY)

"""Test helpers for plugin authors, part of the public plugin API.

The fixtures (``app``, ``client``, ``db_session``, ``login_as``,
``make_user``, ``bearer``, ``make_org_unit``, ``make_resident``,
``enable_plugins``, ``check_migrations`` and the ``pamong_plugins`` marker) arrive by
themselves through Pamong's pytest plugin; import the helpers below::

    from pamong.plugin.testing import check_plugin_imports
"""

from __future__ import annotations

from pamong.contracts import plugin_import_violations
from pamong.testing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TEST_PASSWORD,
    TEST_REGION,
    build_app,
    live_server,
    migration_drift,
    needs_chromium,
)


def check_plugin_imports(package: str) -> None:
    """Fail (AssertionError) when ``package`` imports Pamong outside the public plugin API."""
    problems = plugin_import_violations(package)
    assert not problems, "import contract broken:\n" + "\n".join(problems)


__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "TEST_PASSWORD",
    "TEST_REGION",
    "build_app",
    "check_plugin_imports",
    "live_server",
    "migration_drift",
    "needs_chromium",
]

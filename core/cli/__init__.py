"""The ``pamong`` command line.

Every command works on one instance folder: ``--instance DIR``, else
``PAMONG_INSTANCE``, else ``./instance``. Commands live in one module per
area (``instance``, ``database``, ``backup``, ``users``...); enabled plugins add their
own command groups beside them (``pamong ktp ...``).
"""

from __future__ import annotations

from pamong.cli import (  # noqa: F401  (each module registers its commands on main)
    backup,
    database,
    instance,
    jobs,
    orgunits,
    plugins,
    residents,
    scaffold,
    surveys,
    users,
    worker,
)
from pamong.cli.base import CliError, app_context, domain_errors, main, make_app
from pamong.cli.worker import run_worker_jobs

__all__ = ["CliError", "app_context", "domain_errors", "main", "make_app", "run_worker_jobs"]

"""Kantaya's hook implementations (thin: the work is in the modules they name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema

from pamong.plugin import (
    DemoData,
    DocumentKind,
    NavItem,
    Permission,
    RoleTemplate,
    WorkerJob,
    _l,
    hookimpl,
)
from pamong_plugins.kantaya import models  # noqa: F401  (the tables belong to this plugin)
from pamong_plugins.kantaya import permissions as perm
from pamong_plugins.kantaya.settings import KantayaSettings, settings


@hookimpl
def pamong_register_blueprints(app: Any) -> Iterable[Any]:
    from pamong_plugins.kantaya.api import blp
    from pamong_plugins.kantaya.views import bp

    return [bp, blp]


@hookimpl
def pamong_register_permissions() -> Iterable[Permission]:
    return perm.PERMISSIONS


@hookimpl
def pamong_register_roles() -> Iterable[RoleTemplate]:
    return perm.ROLES


@hookimpl
def pamong_register_document_kinds() -> Iterable[DocumentKind]:
    return [perm.OUTGOING_LETTER]


@hookimpl
def pamong_register_nav_items() -> Iterable[NavItem]:
    return [
        NavItem(
            "kantaya.reports",
            _l("Daily reports"),
            weight=30,
            permission=perm.REPORT,
            description=_l("Draft, submit and approve the unit's daily report; tasks"),
        ),
        NavItem(
            "kantaya.dashboard",
            _l("Leader dashboard"),
            weight=29,
            permission=perm.MONITOR,
            description=_l("Today's reports, missing units, overdue dispositions, projects"),
        ),
        NavItem(
            "kantaya.grid",
            _l("Controlling grid"),
            weight=31,
            permission=perm.MONITOR,
            description=_l("Who reported, late or missing, unit by unit and day by day"),
        ),
        NavItem(
            "kantaya.incoming",
            _l("Incoming letters"),
            weight=33,
            permission=perm.DISPOSE,
            description=_l("Register, dispose and forward incoming letters"),
        ),
        NavItem(
            "kantaya.projects",
            _l("Projects"),
            weight=34,
            permission=perm.PROJECTS,
            description=_l("Development projects: S-curve, deviation, critical contracts"),
        ),
        NavItem(
            "kantaya.agenda",
            _l("Agenda"),
            weight=35,
            description=_l("My events and invitations; my calendar feed"),
        ),
        NavItem(
            "kantaya.forum",
            _l("Forum"),
            weight=36,
            permission=perm.REPORT,
            description=_l("Discussion threads per unit and topic, with search"),
        ),
        NavItem(
            "kantaya.letter_check",
            _l("Check a letter"),
            weight=41,
            public=True,
            description=_l("Is an official letter with this number registered?"),
        ),
        NavItem(
            "kantaya.drafts",
            _l("Letter drafts"),
            weight=32,
            description=_l("Draft, initial (paraf), sign and send outgoing letters"),
        ),
        NavItem(
            "kantaya.project_map",
            _l("Project map"),
            weight=34,
            permission=perm.PROJECTS,
            description=_l("Where the development projects are, critical ones in red"),
        ),
        NavItem(
            "kantaya.letters",
            _l("Outgoing letters"),
            weight=32,
            permission=perm.LETTERS,
            description=_l("Number outgoing letters and reserve numbers"),
        ),
    ]


@hookimpl
def pamong_register_settings_schema() -> type[Schema]:
    return KantayaSettings


@hookimpl
def pamong_register_cli_commands() -> Any:
    from pamong_plugins.kantaya.cli import cli

    return cli


@hookimpl
def pamong_register_demo_data() -> DemoData:
    from pamong_plugins.kantaya.demo import seed

    return DemoData(seed=seed, weight=90)


@hookimpl
def pamong_register_worker_jobs() -> Iterable[WorkerJob]:
    from pamong_plugins.kantaya.jobs import escalate_job, remind_job

    hour = settings()["reminder_hour"]
    return [
        WorkerJob(
            "kantaya.remind",
            remind_job,
            schedule=f"0 {hour} * * *",
            working_days=True,
            description="Remind units without today's daily report",
        ),
        WorkerJob(
            "kantaya.escalate",
            escalate_job,
            schedule="0 8 * * *",
            working_days=True,
            description="Tell senders about overdue dispositions",
        ),
    ]

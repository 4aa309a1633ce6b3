"""Implementations of every hook (the test suite checks that none is missing)."""

from __future__ import annotations

import os

import click
from flask import Blueprint, render_template
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields
from sqlalchemy import func, select

from pamong.plugin import (
    DemoData,
    DocumentKind,
    NavItem,
    Permission,
    RoleTemplate,
    Stage,
    TrackableKind,
    WorkerJob,
    _,
    _l,
    get_session,
    hookimpl,
)
from pamong_example.models import Note

EVENTS: list[tuple[str, object]] = []

web = Blueprint("example", __name__, template_folder="templates")
api = ApiBlueprint("example_api", __name__, description="Example plugin")


@web.route("/")
def index():
    count = get_session().scalar(select(func.count()).select_from(Note))
    return render_template("example/index.html", count=count, hello=_("Hello from a plugin"))


class NoteCount(Schema):
    count = fields.Integer()


@api.route("/notes/count")
@api.response(200, NoteCount)
def note_count():
    """How many notes the plugin wrote."""
    return {"count": get_session().scalar(select(func.count()).select_from(Note))}


class Settings(Schema):
    greeting = fields.String(load_default="halo")
    limit = fields.Integer(load_default=3, strict=True)


@click.group("example")
def cli() -> None:
    """Example plugin commands."""


@cli.command("hello")
def hello() -> None:
    click.echo("hello from example")


@hookimpl
def pamong_register_blueprints(app):
    return [web, api]


@hookimpl
def pamong_register_permissions():
    return [Permission("example.write", "Write example notes")]


@hookimpl
def pamong_register_roles():
    return [RoleTemplate("example_clerk", "Example clerk", ("example.write",))]


@hookimpl
def pamong_register_nav_items():
    return [NavItem("example.index", _l("Example"), weight=5, permission="example.write")]


@hookimpl
def pamong_register_settings_schema():
    return Settings


@hookimpl
def pamong_register_cli_commands():
    return cli


@hookimpl
def pamong_on_app_ready(app):
    EVENTS.append(("app_ready", app.name))


@hookimpl
def pamong_on_resident_registered(resident, session):
    session.add(Note(resident_id=resident.id, text=f"registered {resident.name}"))


@hookimpl
def pamong_on_resident_changed(resident, session, changes):
    session.add(Note(resident_id=resident.id, text="changed " + ",".join(sorted(changes))))


def seed_demo(session, context) -> None:
    EVENTS.append(("demo", context))


@hookimpl
def pamong_register_demo_data():
    return DemoData(seed=seed_demo)


EXAMPLE_FILE = TrackableKind(
    "EXM", "Example file", (Stage("received", "Received"), Stage("done", "Done"))
)


@hookimpl
def pamong_register_trackable_kinds():
    return [EXAMPLE_FILE]


@hookimpl
def pamong_on_status_changed(item, old, new, session):
    EVENTS.append(("status", (item.number, old, new)))


@hookimpl
def pamong_register_document_kinds():
    return [DocumentKind("example.certificate", "Example certificate", validity_days=365)]


SENT: list[object] = []
KEYS: list[str] = []  # the idempotency key of every send, duplicates included


class ExampleTransport:
    """A channel that keeps what it was asked to send."""

    def send(self, delivery) -> None:
        SENT.append((delivery.address, delivery.subject))
        KEYS.append(delivery.idempotency_key)


@hookimpl
def pamong_on_message_sent(message, session):
    EVENTS.append(("message", message.subject))


@hookimpl
def pamong_message_transport(channel):
    return ExampleTransport() if channel == "example" else None


@hookimpl
def pamong_on_fee_due(fee, session):
    EVENTS.append(("fee", (fee.reference, fee.amount)))


@hookimpl
def pamong_verify_identity(nik, resident, session):
    from pamong.plugin import IdentityCheck

    if nik.endswith("9999"):
        return IdentityCheck("example registry", False, ("blocked by the example adapter",))
    return None


#: What the example "SIAK" knows: one person (the tests' civil-registry adapter).
CIVIL_REGISTRY = {
    "3314014708950003": {
        "name": "Rina Marlina",
        "birth_place": "Sragen",
        "birth_date": __import__("datetime").date(1995, 8, 7),
        "sex": "F",
        "kk_number": "3314010101200009",
        "family_relation": "istri",
        "blood_type": "B+",
        "religion": "islam",
        "secret_score": 7,  # not a registry field: the core drops it
    }
}


@hookimpl
def pamong_civil_registry_record(nik, session):
    return CIVIL_REGISTRY.get(nik)


@hookimpl
def pamong_daily_activity(unit, day, session):
    from sqlalchemy import func, select

    from pamong_example.models import Note

    notes = session.scalar(select(func.count()).select_from(Note)) or 0
    return [{"source": "example", "label": "Notes kept", "value": notes}] if notes else []


def count_notes(app) -> str:
    EVENTS.append(("job", app.name))
    return "counted"


#: Set in a worker's environment, a job writes a line to this file every second
#: (tests count the lines written by several worker processes).
TICK_FILE = "PAMONG_EXAMPLE_TICK_FILE"


def tick(app) -> str:
    with open(os.environ[TICK_FILE], "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    return "ticked"


@hookimpl
def pamong_register_worker_jobs():
    jobs = [WorkerJob("example.count_notes", count_notes, interval_seconds=60)]
    if os.environ.get(TICK_FILE):
        jobs.append(WorkerJob("example.tick", tick, interval_seconds=1, timeout_seconds=5))
    return jobs


@hookimpl
def pamong_tracker_links(item, session):
    from pamong.plugin import TrackerLink

    if item.kind == "EXM" and item.closed_at is not None:
        return [TrackerLink("Rate this service", f"/example/rate/{item.number}", "two questions")]
    return []


@hookimpl
def pamong_register_survey_services():
    from pamong.plugin import SurveyService

    return [SurveyService("example.note", "Leaving a note", weight=200)]


@hookimpl
def pamong_public_services(session):
    from pamong.plugin import PublicService

    return [
        PublicService(
            "example.note",
            "Leave a note",
            requirements=("Nothing",),
            fee=0,
            sop_days=1,
            where="Online",
            apply_url="/example/",
            category="Examples",
        )
    ]


@hookimpl
def pamong_portal_widgets(session):
    from pamong.plugin import PortalWidget

    count = session.scalar(select(func.count()).select_from(Note)) or 0
    return [PortalWidget("example.notes", "Notes", rows=(("Notes left", str(count)),))]


@hookimpl
def pamong_home_page():
    """The example plugin keeps the core's home page (a portal plugin would name its own)."""
    return None


@hookimpl
def pamong_legal_reference(citation, session):
    """The example plugin keeps no legal documents: it names none (the portal's JDIH does)."""
    return None

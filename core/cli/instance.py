"""Create, serve and show an instance: ``init``, ``run``, ``demo``, ``openapi``."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click

from pamong.cli.base import (
    CliError,
    Lazy,
    app_context,
    instance_path,
    main,
    make_app,
    read_password_file,
)

regions = Lazy("pamong.regions")
accounts = Lazy("pamong.accounts.services")
Actor = Lazy("pamong.accounts.permissions", "Actor")
write_config = Lazy("pamong.config", "write_config")
available_plugins = Lazy("pamong.plugins", "available_plugins")
CONFIG_FILE = "pamong.toml"


@main.command()
@click.option("--region", required=True, help="Regency or city code, e.g. 33.14 (Sragen).")
@click.option("--admin-username", default="admin", show_default=True)
@click.option(
    "--admin-password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding the first admin's password (else you are prompted).",
)
@click.option("--plugins", default="", help="Comma-separated plugins to enable.")
@click.option("--database-url", default=None, help="Default: SQLite in the instance folder.")
@click.pass_context
def init(
    ctx: click.Context,
    region: str,
    admin_username: str,
    admin_password_file: Path | None,
    plugins: str,
    database_url: str | None,
) -> None:
    """Create an instance: config, schema, the region's org units, first admin.

    Safe to run again: nothing is duplicated and the secret key is kept.
    When it fails, it leaves nothing behind: what this run created (the
    folder, pamong.toml, the SQLite file, the tables) is removed again.
    """
    try:
        code = regions.normalise_code(region)
    except ValueError:
        raise CliError(f"{region!r} is not a region code (expected e.g. 33.14)") from None
    found = regions.get_region(code)
    if found is None or found.level is not regions.RegionLevel.REGENCY:
        raise CliError(f"{code} is not a regency or city in the bundled region table")
    instance = instance_path(ctx)
    enabled = [p.strip() for p in plugins.split(",") if p.strip()]
    undo = _InitUndo(instance)
    try:
        _init(ctx, undo, code, found, enabled, admin_username, admin_password_file, database_url)
    except BaseException:
        removed = undo.run()
        if removed:
            click.echo(f"init failed; removed what it had created: {', '.join(removed)}", err=True)
        raise


class _InitUndo:
    """What a failed ``pamong init`` takes back: only what this run created."""

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.folder_existed = instance.exists()
        self.config_existed = (instance / CONFIG_FILE).exists()
        self.database_url: str | None = None
        self.database_existed = True
        self.schema_created = False
        self.tables_before: set[str] = set()

    def database(self, url: str) -> None:
        """Note the database before the first connection (a new SQLite file is ours)."""
        self.database_url = url
        if url.startswith("sqlite"):
            path = _sqlite_file(url)
            self.database_existed = path is not None and path.exists()

    def run(self) -> list[str]:
        removed: list[str] = []
        url = self.database_url
        if url and self.schema_created and self.database_existed:
            dropped = _drop_new_tables(url, self.tables_before)
            if dropped:
                removed.append(f"{dropped} tables")
        if url and url.startswith("sqlite") and not self.database_existed:
            path = _sqlite_file(url)
            for file in [path, *(path.with_name(path.name + s) for s in _SQLITE_SIDE_FILES)]:
                if file is not None and file.exists():
                    file.unlink()
                    removed.append(str(file))
        if not self.config_existed and (self.instance / CONFIG_FILE).exists():
            (self.instance / CONFIG_FILE).unlink()
            removed.append(str(self.instance / CONFIG_FILE))
        if not self.folder_existed and self.instance.exists():
            shutil.rmtree(self.instance)
            removed.append(str(self.instance))
        return removed


_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    return Path(database).resolve() if database and database != ":memory:" else None


def table_names(url: str) -> set[str]:
    from sqlalchemy import inspect

    from pamong.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _drop_new_tables(url: str, before: set[str]) -> int:
    """Drop the tables this init created (those missing from ``before``); how many."""
    from sqlalchemy import inspect, text

    from pamong.db import Base, make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            new = set(inspect(conn).get_table_names()) - before
            known = [table for name, table in Base.metadata.tables.items() if name in new]
            Base.metadata.drop_all(conn, tables=known)  # in foreign-key order
            for name in sorted(new - {t.name for t in known}):
                conn.execute(text(f'DROP TABLE "{name}"'))  # the alembic version tables
            return len(new)
    finally:
        engine.dispose()


def _init(
    ctx: click.Context,
    undo: _InitUndo,
    code: str,
    found: regions.Region,
    enabled: list[str],
    admin_username: str,
    admin_password_file: Path | None,
    database_url: str | None,
) -> None:
    instance = instance_path(ctx)
    config_path = write_config(instance, region=code, plugins=enabled, database_url=database_url)
    click.echo(f"Config: {config_path}")

    from pamong import migrate
    from pamong.errors import PamongError
    from pamong.orgunits.services import load_region, root_unit

    with app_context(ctx, check_schema=False) as app:
        state = app.extensions["pamong"]
        if state.settings.region != code:
            raise CliError(
                f"{config_path} is for region {state.settings.region}, not {code}; "
                "use another --instance"
            )
        undo.database(state.settings.database_url)  # before the first connection creates it
        fresh = migrate.is_fresh(state.db)
        if fresh:
            undo.tables_before = table_names(state.settings.database_url)
            undo.schema_created = True
            migrate.create_schema(state.db, state.host)
            click.echo("Schema created.")
        else:
            migrate.upgrade(state.db, state.host)
            click.echo("Schema upgraded.")
        with state.db.transaction() as session:
            result = load_region(session, code)
            accounts.ensure_roles(session, state.roles)
            try:
                admin = accounts.get_user(session, admin_username)
                admin_created = False
            except PamongError:
                if admin_password_file is not None:
                    password = read_password_file(admin_password_file)
                else:
                    password = click.prompt(
                        f"Password for {admin_username}",
                        hide_input=True,
                        confirmation_prompt=True,
                    )
                system = Actor.system("pamong init")
                try:
                    admin = accounts.create_user(
                        session,
                        system,
                        username=admin_username,
                        password=password,
                        full_name="Administrator",
                    )
                except PamongError as exc:
                    raise CliError(exc.detail) from None
                root = root_unit(session)
                accounts.assign_role(
                    session,
                    system,
                    admin,
                    accounts.get_role(session, "admin"),
                    root,  # type: ignore[arg-type]
                )
                admin_created = True
        zone = regions.time_zone_label(code)
        click.echo(
            f"{found.name} ({code}, {zone}): {result.created} org units created, "
            f"{result.existing} already present."
        )
        click.echo(
            f"Admin user {admin.username!r} "
            + ("created." if admin_created else "already exists (unchanged).")
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def run(ctx: click.Context, host: str, port: int) -> None:
    """Serve the instance with Flask's server (use gunicorn in production)."""
    app = make_app(ctx)
    click.echo(f"Serving on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def openapi(ctx: click.Context, output: Path | None) -> None:
    """Print (or write) the OpenAPI 3 document of the REST API."""
    with app_context(ctx) as app:
        spec = app.extensions["pamong"].api.spec.to_dict()
    text = json.dumps(spec, indent=2, sort_keys=True)
    if output:
        output.write_text(text + "\n", "utf-8")
        click.echo(f"Wrote {output}")
    else:
        click.echo(text)


@main.command()
@click.option("--no-serve", is_flag=True, help="Only build the instance, do not serve it.")
@click.option(
    "--reset",
    is_flag=True,
    help="Rebuild an existing demo instance from scratch (after a training session).",
)
@click.option(
    "--residents",
    "resident_count",
    default=20_000,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
)
@click.option(
    "--plugins",
    default=None,
    help="Comma-separated plugins to enable (default: every installed one).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def demo(
    ctx: click.Context,
    no_serve: bool,
    reset: bool,
    resident_count: int,
    plugins: str | None,
    host: str,
    port: int,
) -> None:
    """Build a Sragen-like demo instance, print the logins, and serve it.

    An existing demo instance is served as it is, with what trainees did in
    it; ``--reset`` rebuilds it from scratch.
    """
    import shutil

    from pamong.demo import DEMO_MARKER, DEMO_PASSWORD, DEMO_REGION, run_demo
    from pamong.messaging.fakegateway import FakeGateway
    from pamong.plugins import StartupError

    instance = instance_path(ctx)
    if (instance / "pamong.toml").exists():
        if not (instance / DEMO_MARKER).exists():
            raise CliError(f"{instance} holds a real instance; give the demo another --instance")
        if not reset:
            click.echo(f"Demo instance: {instance} (kept; --reset rebuilds it)")
            click.echo(f"Every account's password: {DEMO_PASSWORD}")
            if not no_serve:
                _serve_demo(ctx, instance, host, port)
            return
        shutil.rmtree(instance)
    enabled = (
        [p.strip() for p in plugins.split(",") if p.strip()]
        if plugins is not None
        else sorted(available_plugins())
    )
    instance.mkdir(parents=True, exist_ok=True)
    # A fake SMS gateway on this machine: the citizens' SMS land in demo-sms.log.
    gateway = FakeGateway(log=instance / DEMO_SMS_LOG)
    write_config(
        instance,
        region=DEMO_REGION,
        plugins=enabled,
        extra={
            "contact_address": "Jl. Raya Sukowati No. 255, Sragen 57212",
            "contact_phone": "(0271) 891 078",
            "contact_email": "kpde@sragenkab.go.id",
            "sms_gateway_url": gateway.url,
        },
    )
    (instance / DEMO_MARKER).write_text("built by `pamong demo`; safe to delete\n")
    app = make_app(ctx, check_schema=False)
    with gateway, app.app_context():
        try:
            context = run_demo(
                app,
                resident_count,
                progress_bar=lambda total: click.progressbar(
                    length=total, label="Residents", file=sys.stderr
                ),
            )
        except StartupError as exc:  # a plugin's demo seeder (gathered for the demo only)
            raise CliError(str(exc)) from None
        app.extensions["pamong"].db.analyze()  # the planner's statistics for the demo data
    click.echo(f"Demo instance: {instance} (plugins: {', '.join(enabled) or 'none'})")
    click.echo(f"Every account's password: {DEMO_PASSWORD}")
    for username, description in context.staff.items():
        click.echo(f"  {username:<22} {description}")
    if context.samples:
        click.echo(f"Try the tracker: /track/{context.samples['tracking_number']}")
        click.echo(f"Verify a document: /verify/{context.samples['verification_code']}")
        for key, value in context.samples.items():
            if key not in ("tracking_number", "verification_code"):
                click.echo(f"  {key}: {value}")
    click.echo(f"SMS the citizens get (fake gateway): {instance / DEMO_SMS_LOG}")
    app.extensions["pamong"].db.dispose()
    if not no_serve:
        _serve_demo(ctx, instance, host, port)


#: Where the demo's fake SMS gateway writes what it receives, in the instance.
DEMO_SMS_LOG = "demo-sms.log"


def _serve_demo(ctx: click.Context, instance: Path, host: str, port: int) -> None:
    """Serve the demo with its fake SMS gateway listening where the config points."""
    from urllib.parse import urlsplit

    from pamong.messaging.fakegateway import FakeGateway

    app = make_app(ctx)
    url = app.extensions["pamong"].settings.sms_gateway_url
    gateway = None
    if url.startswith("http://127.0.0.1:"):
        try:
            gateway = FakeGateway(port=urlsplit(url).port or 0, log=instance / DEMO_SMS_LOG)
            gateway.start()
            click.echo(f"Fake SMS gateway: {url} -> {instance / DEMO_SMS_LOG}")
        except OSError as error:  # the port is taken: SMS wait in the outbox, nothing lost
            click.echo(f"Fake SMS gateway not started ({error}); SMS wait in the outbox")
    click.echo(f"Serving on http://{host}:{port}/")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False)
    finally:
        if gateway is not None:
            gateway.stop()

"""The ``pamong`` command line.

Every command works on one instance folder: ``--instance DIR``, else
``PAMONG_INSTANCE``, else ``./instance``. Enabled plugins add their own
command groups (``pamong ktp ...``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

import click
from flask import Flask

from pamong import regions
from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.config import ConfigError, write_config
from pamong.errors import PamongError
from pamong.plugins import StartupError, available_plugins


class CliError(click.ClickException):
    exit_code = 1


def _instance(ctx: click.Context) -> Path:
    return ctx.find_root().obj["instance"]


def make_app(ctx: click.Context) -> Flask:
    from pamong.app import create_app

    try:
        return create_app(_instance(ctx))
    except (ConfigError, StartupError) as exc:
        raise CliError(str(exc)) from None


@contextmanager
def app_context(ctx: click.Context) -> Iterator[Flask]:
    app = make_app(ctx)
    try:
        with app.app_context():
            yield app
    finally:
        app.extensions["pamong"].db.dispose()


def domain_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a service's error into a one-line CLI message and exit 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PamongError as exc:
            raise CliError(exc.detail) from None

    return wrapper


class PamongGroup(click.Group):
    """Adds the command groups of enabled plugins, read from the instance config."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        root = ctx.find_root()
        cache = root.meta.setdefault("pamong.plugin_commands", None)
        if cache is not None:
            return cache
        commands: dict[str, click.Command] = {}
        # Subcommands are resolved before main() runs: read the parsed option.
        given = root.params.get("instance")
        instance = Path(given).resolve() if given else _default_instance()
        if (instance / "pamong.toml").exists():
            try:
                from pamong.app import create_app

                app = create_app(instance)
            except (ConfigError, StartupError):
                app = None
            if app is not None:
                host = app.extensions["pamong"].host
                for _component, group in host.collect(
                    "pamong_register_cli_commands",
                    click.Command,
                    key=lambda g: g.name or "",
                    namespace_ok=lambda c, g: g.name == c,
                    what="command group",
                ):
                    commands[group.name or ""] = group
                app.extensions["pamong"].db.dispose()
        root.meta["pamong.plugin_commands"] = commands
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            command = self._plugin_commands(ctx).get(name)
        return command


def _default_instance() -> Path:
    return Path(os.environ.get("PAMONG_INSTANCE") or "instance").resolve()


@click.group(cls=PamongGroup)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instance folder (default: $PAMONG_INSTANCE or ./instance).",
)
@click.version_option(package_name="pamong")
@click.pass_context
def main(ctx: click.Context, instance: Path | None) -> None:
    """Pamong: e-government for Indonesian regencies."""
    ctx.ensure_object(dict)
    ctx.obj["instance"] = instance.resolve() if instance else _default_instance()


# --- init -------------------------------------------------------------------


def _read_password_file(path: Path) -> str:
    try:
        return path.read_text("utf-8").rstrip("\r\n")
    except OSError as exc:
        raise CliError(f"cannot read password file {path}: {exc.strerror}") from None


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
    """
    try:
        code = regions.normalise_code(region)
    except ValueError:
        raise CliError(f"{region!r} is not a region code (expected e.g. 33.14)") from None
    found = regions.get_region(code)
    if found is None or found.level is not regions.RegionLevel.REGENCY:
        raise CliError(f"{code} is not a regency or city in the bundled region table")
    instance = _instance(ctx)
    enabled = [p.strip() for p in plugins.split(",") if p.strip()]
    config_path = write_config(instance, region=code, plugins=enabled, database_url=database_url)
    click.echo(f"Config: {config_path}")

    from pamong import migrate
    from pamong.orgunits.services import load_region, root_unit

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        if state.settings.region != code:
            raise CliError(
                f"{config_path} is for region {state.settings.region}, not {code}; "
                "use another --instance"
            )
        if migrate.is_fresh(state.db):
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
                    password = _read_password_file(admin_password_file)
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


# --- db ---------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema: upgrade and status, per component."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Upgrade the core, then every enabled plugin, to its newest revision."""
    from pamong import migrate

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        for row in migrate.upgrade(state.db, state.host):
            click.echo(f"{row.id:<16} {row.current or '-'}")


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Show each component's current and head revision."""
    from pamong import migrate

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        rows = migrate.status(state.db, state.host)
        click.echo(f"{'component':<16} {'current':<14} {'head':<14} state")
        for row in rows:
            mark = "ok" if row.up_to_date else "needs upgrade"
            click.echo(f"{row.id:<16} {row.current or '-':<14} {row.head or '-':<14} {mark}")
        if not all(r.up_to_date for r in rows):
            sys.exit(1)


# --- run --------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def run(ctx: click.Context, host: str, port: int) -> None:
    """Serve the instance with Flask's server (use gunicorn in production)."""
    app = make_app(ctx)
    click.echo(f"Serving on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False)


# --- plugins ----------------------------------------------------------------


@main.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.pass_context
def plugins_list(ctx: click.Context) -> None:
    """Installed plugins: id, version, enabled, implemented hooks."""
    installed = available_plugins()
    enabled: dict[str, Any] = {}
    hooks: dict[str, list[str]] = {}
    instance = _instance(ctx)
    if (instance / "pamong.toml").exists():
        with app_context(ctx) as app:
            host = app.extensions["pamong"].host
            enabled = host.plugins
            hooks = {pid: host.implemented_hooks(pid) for pid in enabled}
    if not installed:
        click.echo("No plugins installed.")
    for pid in sorted(installed):
        ep = installed[pid]
        version = ep.dist.version if ep.dist else "?"
        state = "enabled" if pid in enabled else "disabled"
        click.echo(f"{pid:<16} {version:<10} {state:<9} {', '.join(hooks.get(pid, [])) or '-'}")


# --- users and tokens ---------------------------------------------------------


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--full-name", default="")
@click.option("--email", default=None)
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--role", "roles", multiple=True, help="ROLE@UNIT_CODE, e.g. registrar@33.14.01")
@click.pass_context
@domain_errors
def users_create(
    ctx: click.Context,
    username: str,
    full_name: str,
    email: str | None,
    password_file: Path | None,
    roles: tuple[str, ...],
) -> None:
    """Create a staff user and grant roles at org units."""
    from pamong.orgunits.services import get_unit

    if password_file is not None:
        password = _read_password_file(password_file)
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        system = Actor.system("cli")
        user = accounts.create_user(
            session,
            system,
            username=username,
            password=password,
            full_name=full_name,
            email=email,
        )
        for spec in roles:
            role_name, sep, unit_code = spec.partition("@")
            if not sep:
                raise CliError(f"--role {spec!r}: write ROLE@UNIT_CODE")
            accounts.assign_role(
                session,
                system,
                user,
                accounts.get_role(session, role_name),
                get_unit(session, unit_code),
            )
    click.echo(f"User {user.username!r} created.")


@main.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.pass_context
@domain_errors
def tokens_create(ctx: click.Context, username: str, name: str) -> None:
    """Create a token for USERNAME and print it (it is shown only once)."""
    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        user = accounts.get_user(session, username)
        _token, plain = accounts.create_token(session, Actor.system("cli"), user, name)
    click.echo(plain)


# --- org units ----------------------------------------------------------------


@main.group("orgunits")
def orgunits_group() -> None:
    """The org-unit tree."""


@orgunits_group.command("list")
@click.option("--kind", default=None)
@click.option("--parent", default=None, help="Code of the direct parent.")
@click.pass_context
@domain_errors
def orgunits_list(ctx: click.Context, kind: str | None, parent: str | None) -> None:
    """List org units."""
    from pamong.db import get_session
    from pamong.orgunits.services import list_units

    with app_context(ctx):
        for unit in list_units(get_session(), kind=kind, parent_code=parent):
            click.echo(f"{unit.code:<16} {unit.kind:<14} {unit.name}")


@orgunits_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True)
@click.option("--parent", required=True, help="Code of the parent unit.")
@click.pass_context
@domain_errors
def orgunits_add(ctx: click.Context, code: str, name: str, kind: str, parent: str) -> None:
    """Add an org unit (an office, a service point...)."""
    from pamong.orgunits.services import add_unit

    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        unit = add_unit(
            session, Actor.system("cli"), code=code, name=name, kind=kind, parent_code=parent
        )
    click.echo(f"Added {unit.code} {unit.name}.")


# --- residents ----------------------------------------------------------------


@main.group()
def residents() -> None:
    """The resident registry."""


@residents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--reject-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where rejected rows go (default: FILE.rejects.csv).",
)
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_context
@domain_errors
def residents_import(
    ctx: click.Context, file: Path, reject_file: Path | None, batch_size: int
) -> None:
    """Import residents from a CSV file; safe to run again on the same file."""
    from pamong.identity.importer import import_residents

    with app_context(ctx) as app:
        db = app.extensions["pamong"].db
        size = file.stat().st_size
        with click.progressbar(
            length=size, label="Importing", file=sys.stderr, show_eta=True
        ) as bar:
            summary = import_residents(
                db,
                file,
                Actor.system("pamong residents import"),
                reject_path=reject_file,
                batch_size=batch_size,
                progress=bar.update,
            )
    click.echo(
        f"Read {summary.read} rows: {summary.imported} imported "
        f"({summary.flagged} flagged for review), {summary.skipped_existing} already registered, "
        f"{summary.rejected} rejected; {summary.duplicates_queued} possible duplicates queued."
    )
    if summary.reject_path:
        click.echo(f"Rejected rows with reasons: {summary.reject_path}")


# --- openapi ------------------------------------------------------------------


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


# --- worker -------------------------------------------------------------------


@main.command()
@click.option("--once", is_flag=True, help="Deliver everything due, then exit.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between polls when the outbox is empty.",
)
@click.pass_context
def worker(ctx: click.Context, once: bool, interval: float) -> None:
    """Deliver the outbox (email and plugin channels) and run the plugins' periodic jobs.

    Run several on PostgreSQL.
    """
    import time

    from pamong.messaging.outbox import deliver_due, drain

    with app_context(ctx) as app:
        state = app.extensions["pamong"]
        hooks = state.host.pm.hook
        if once:
            click.echo(f"Attempted {drain(state.db, state.settings, hooks)} deliveries.")
            for line in run_worker_jobs(app, force=True):
                click.echo(line)
            return
        click.echo("Worker started; Ctrl-C stops it.")
        last_run: dict[str, float] = {}
        try:
            while True:
                for line in run_worker_jobs(app, last_run=last_run):
                    click.echo(line)
                if not deliver_due(state.db, state.settings, hooks):
                    time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("Worker stopped.")


def run_worker_jobs(
    app: Any, *, force: bool = False, last_run: dict[str, float] | None = None
) -> list[str]:
    """Run the plugins' periodic jobs that are due (all of them with ``force``).

    A failing job is reported and retried at its next interval; it never
    stops the worker or the other jobs.
    """
    import time

    last_run = last_run if last_run is not None else {}
    lines = []
    for _component, job in app.extensions["pamong"].worker_jobs:
        now = time.monotonic()
        if not force and now - last_run.get(job.name, -1e18) < job.interval_seconds:
            continue
        last_run[job.name] = now
        try:
            summary = job.run(app)
        except Exception as exc:  # one broken job must not stop delivery
            lines.append(f"{job.name}: failed: {exc!r}")
            continue
        if summary:
            lines.append(f"{job.name}: {summary}")
    return lines


# --- demo ---------------------------------------------------------------------


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

    instance = _instance(ctx)
    if (instance / "pamong.toml").exists():
        if not (instance / DEMO_MARKER).exists():
            raise CliError(f"{instance} holds a real instance; give the demo another --instance")
        if not reset:
            click.echo(f"Demo instance: {instance} (kept; --reset rebuilds it)")
            click.echo(f"Every account's password: {DEMO_PASSWORD}")
            if not no_serve:
                click.echo(f"Serving on http://{host}:{port}/")
                make_app(ctx).run(host=host, port=port, debug=False, use_reloader=False)
            return
        shutil.rmtree(instance)
    enabled = (
        [p.strip() for p in plugins.split(",") if p.strip()]
        if plugins is not None
        else sorted(available_plugins())
    )
    write_config(
        instance,
        region=DEMO_REGION,
        plugins=enabled,
        extra={
            "contact_address": "Jl. Raya Sukowati No. 255, Sragen 57212",
            "contact_phone": "(0271) 891 078",
            "contact_email": "kpde@sragenkab.go.id",
        },
    )
    (instance / DEMO_MARKER).write_text("built by `pamong demo`; safe to delete\n")
    app = make_app(ctx)
    with app.app_context():
        context = run_demo(
            app,
            resident_count,
            progress_bar=lambda total: click.progressbar(
                length=total, label="Residents", file=sys.stderr
            ),
        )
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
    app.extensions["pamong"].db.dispose()
    if not no_serve:
        click.echo(f"Serving on http://{host}:{port}/")
        make_app(ctx).run(host=host, port=port, debug=False, use_reloader=False)


# --- scaffolding --------------------------------------------------------------


@main.command("new-regency")
@click.argument("code")
@click.option(
    "--modules",
    default="",
    help="Built-in modules to enable, comma-separated: ktp, licensing (default: none).",
)
@click.option("--language", type=click.Choice(["id", "en"]), default="id", show_default=True)
@click.option(
    "--database",
    type=click.Choice(["postgresql", "sqlite"]),
    default="postgresql",
    show_default=True,
)
@click.option("--domain", default="", help="Public domain (default: e.g. lebakkab.go.id).")
@click.option("--admin-email", default="", help="Administrator e-mail (default: admin@DOMAIN).")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
@click.option("--overwrite", is_flag=True, help="Render over an existing folder.")
def new_regency(
    code: str,
    modules: str,
    language: str,
    database: str,
    domain: str,
    admin_email: str,
    output_dir: Path,
    overwrite: bool,
) -> None:
    """Generate a regency deployment pamong-<slug> from the regency template."""
    from pamong.scaffold import ScaffoldError, regency_context
    from pamong.scaffold import new_regency as generate

    try:
        facts = regency_context(code)
        path = generate(
            code,
            output_dir,
            modules=modules,
            default_language=language,
            database=database,
            site_domain=domain,
            admin_email=admin_email,
            overwrite=overwrite,
        )
    except ScaffoldError as exc:
        raise CliError(str(exc)) from None
    click.echo(
        f"{facts.region_name} ({facts.region_code}, {facts.province}, {facts.kind}, "
        f"{facts.time_zone_label}): {facts.kecamatan} kecamatan, {facts.villages} villages."
    )
    click.echo(f"Deployment written to {path}; next steps are in its README.md.")


@main.command("new-plugin")
@click.argument("plugin_id")
@click.option("--title", default="", help="Human title (default: from the id).")
@click.option("--description", default="")
@click.option("--author", default="")
@click.option("--author-email", default="")
@click.option("--no-model", is_flag=True, help="Leave out the model and its first migration.")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
@click.option("--overwrite", is_flag=True, help="Render over an existing folder.")
def new_plugin(
    plugin_id: str,
    title: str,
    description: str,
    author: str,
    author_email: str,
    no_model: bool,
    output_dir: Path,
    overwrite: bool,
) -> None:
    """Generate a third-party plugin distribution pamong-<id> from the plugin template."""
    from pamong.scaffold import ScaffoldError
    from pamong.scaffold import new_plugin as generate

    try:
        path = generate(
            plugin_id,
            output_dir,
            title=title,
            description=description,
            author=author,
            author_email=author_email,
            include_model=not no_model,
            overwrite=overwrite,
        )
    except ScaffoldError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Plugin written to {path}; next steps are in its README.md.")

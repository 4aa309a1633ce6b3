"""``pamong licensing …``: catalogue import, SLA escalation, expiry reminders."""

from __future__ import annotations

from pathlib import Path

import click

from pamong.plugin import Actor, PamongError, app_context, transaction
from pamong_plugins.licensing import jobs, services
from pamong_plugins.licensing.catalogue import (
    parse_catalogue_file,
    typical_delegations,
    typical_rows,
)


@click.group("licensing")
def cli() -> None:
    """Licensing: catalogue import, SLA escalation, expiry reminders."""


@cli.command("import-catalogue")
@click.argument(
    "path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--typical", is_flag=True, help="Load the seed catalogue shipped with Pamong instead."
)
@click.pass_context
def import_catalogue(ctx: click.Context, path: Path | None, typical: bool) -> None:
    """Create or update service types from a CSV or JSON file (by code)."""
    if not path and not typical:
        raise click.UsageError("Give a file or --typical.")
    try:
        rows = typical_rows() if typical else parse_catalogue_file(path.name, path.read_bytes())  # type: ignore[union-attr]
        with app_context(ctx) as app, transaction(app) as session:
            count = services.import_catalogue(session, Actor.system("pamong licensing"), rows)
    except PamongError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"{count} service types imported.")


@cli.command("import-delegations")
@click.argument(
    "path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--typical", is_flag=True, help="Load the seed delegations shipped with Pamong instead."
)
@click.pass_context
def import_delegations(ctx: click.Context, path: Path | None, typical: bool) -> None:
    """Record delegations to kecamatan or desa from a CSV or JSON file.

    Columns: code, level (kecamatan or desa), decree_number, effective_on
    (YYYY-MM-DD), kecamatan (codes or names separated by ``;``; empty for
    every kecamatan). Delegations already recorded are skipped.
    """
    if not path and not typical:
        raise click.UsageError("Give a file or --typical.")
    try:
        rows = (
            typical_delegations() if typical else parse_catalogue_file(path.name, path.read_bytes())  # type: ignore[union-attr]
        )
        with app_context(ctx) as app, transaction(app) as session:
            count = services.import_delegations(session, Actor.system("pamong licensing"), rows)
    except PamongError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"{count} delegations recorded.")


@cli.command("escalate")
@click.pass_context
def escalate(ctx: click.Context) -> None:
    """Tell the heads of office about overdue and near-due files (also a worker job)."""
    with app_context(ctx) as app:
        click.echo(jobs.escalate_job(app))


@cli.command("remind")
@click.pass_context
def remind(ctx: click.Context) -> None:
    """Remind permit holders before their permit expires (also a worker job)."""
    with app_context(ctx) as app:
        click.echo(jobs.remind_job(app))

"""The resident registry: ``pamong residents import``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pamong.cli.base import (
    Lazy,
    app_context,
    cli_language,
    domain_errors,
    main,
)

Actor = Lazy("pamong.accounts.permissions", "Actor")


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
@click.option("--batch-size", default=20_000, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_context
@domain_errors
def residents_import(
    ctx: click.Context, file: Path, reject_file: Path | None, batch_size: int
) -> None:
    """Import residents from a CSV file; safe to run again on the same file."""
    from pamong.gcpause import collector_paused, no_collection_at_exit

    no_collection_at_exit()

    # The modules and the app (some hundred thousand objects) and the rows:
    # the collector would scan them again and again for what little garbage they leave.
    with collector_paused():
        from pamong.identity.importer import import_residents

        with app_context(ctx, web=False) as app, cli_language():
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
        f"{summary.rejected} rejected ({summary.duplicates_in_file} repeating a NIK of the file); "
        f"{summary.duplicates_queued} possible duplicates queued."
    )
    if summary.reject_path:
        click.echo(f"Rejected rows with reasons: {summary.reject_path}")

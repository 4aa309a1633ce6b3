"""Backups of the instance's database: ``pamong backup`` and ``pamong restore``."""

from __future__ import annotations

from pathlib import Path

import click

from pamong.cli.base import CliError, main, make_app


def _database_url(ctx: click.Context) -> str:
    """The instance's database URL (the whole configuration is checked on the way).

    The schema is not: a backup is wanted most when something is wrong, and a
    restore often goes into an empty database.
    """
    app = make_app(ctx, check_schema=False)
    state = app.extensions["pamong"]
    state.db.dispose()
    return state.settings.database_url


@main.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, file: Path | None) -> None:
    """Write a consistent copy of the database to FILE, while the app runs.

    SQLite: SQLite's online backup (what is still in the WAL file included).
    PostgreSQL: pg_dump's custom format. Default FILE:
    <instance>/backups/pamong-<UTC time>.sqlite3 (or .dump).
    """
    from pamong import backup

    url = _database_url(ctx)
    try:
        target = file or backup.default_backup_path(ctx.find_root().obj["instance"], url)
        result = backup.backup(url, target.resolve())
    except backup.BackupError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Backup written: {result.path} ({result.kind}, {result.size:,} bytes)")
    click.echo("Keep pamong.toml too (it holds the secret key); it is not in the backup.")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    "--clean",
    "force",
    is_flag=True,
    help="Replace a database that holds data (everything changed since the backup is lost).",
)
@click.pass_context
def restore_command(ctx: click.Context, file: Path, force: bool) -> None:
    """Put the database back as it was in FILE (made by `pamong backup`).

    Stop the app and workers first. A database that holds tables is only
    replaced with --force: SQLite is overwritten whole; PostgreSQL drops and
    recreates each table of the backup in one transaction.
    """
    from pamong import backup

    url = _database_url(ctx)
    try:
        result = backup.restore(url, file.resolve(), force=force)
    except backup.BackupError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Restored {result.kind} database from {result.path}.")
    if result.kept_tables:
        click.echo(f"Not in the backup, kept as they were: {', '.join(result.kept_tables)}")
    click.echo("If the backup comes from an older Pamong, run `pamong db upgrade` next.")

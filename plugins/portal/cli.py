"""``pamong portal ...``: escalation, the LAPOR! import, the JDIHN export, loading regulations."""

from __future__ import annotations

import io
import json
from datetime import date

import click

from pamong.plugin import (
    Actor,
    CliError,
    PamongError,
    app_context,
    cli_language,
    csv_dict_reader,
    hook_relay,
    transaction,
)

SYSTEM = Actor.system("pamong portal")


@click.group("portal")
def portal() -> None:
    """Portal: complaints escalation, the LAPOR! adapter, JDIH import and export."""


@portal.command("escalate")
@click.pass_context
def escalate(ctx: click.Context) -> None:
    """Mark complaints past their deadlines as escalated (the worker job)."""
    from pamong_plugins.portal.hooks import escalate as job

    with app_context(ctx) as app:
        click.echo(job(app))


@portal.command("lapor-import")
@click.pass_context
def lapor_import(ctx: click.Context) -> None:
    """File the reports a LAPOR! adapter returns; without an adapter, nothing is imported."""
    from pamong_plugins.portal import complaints

    with app_context(ctx) as app, transaction(app) as session:
        filed = 0
        for answer in hook_relay(session).pamong_portal_lapor_import(since=None):
            for row in answer or ():
                complaint, _code = complaints.submit(
                    session,
                    SYSTEM,
                    kind=row.get("kind", "complaint"),
                    category=row.get("category", "other"),
                    title=row.get("title", ""),
                    body=row.get("body", ""),
                    anonymous=True,
                    channel="lapor",
                )
                complaint.lapor_id = str(row.get("lapor_id", ""))[:40]
                filed += 1
    click.echo(f"{filed} reports imported")


@portal.command("jdihn-export")
@click.option("--base-url", default="", help="The site's address, for the download links.")
@click.pass_context
def jdihn_export(ctx: click.Context, base_url: str) -> None:
    """Print every legal document in the JDIHN integration format (JSON)."""
    from pamong_plugins.portal.legal import jdihn_export

    with app_context(ctx) as app, transaction(app) as session:
        click.echo(json.dumps(jdihn_export(session, base_url.rstrip("/")), indent=1))


@portal.command("legal-import")
@click.argument("csv_file", type=click.File("rb"))
@click.pass_context
def legal_import(ctx: click.Context, csv_file: io.BufferedReader) -> None:
    """Load regulations from a CSV file.

    Columns: doc_type, number, year, title, subject, enacted_on, abstract, amends, revokes.

    All or nothing: a bad row stops the import and is named by its line.
    """
    from pamong_plugins.portal.legal import save_document

    try:
        text = csv_file.read(10_000_000).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError("the file is not UTF-8 text") from None
    reader = csv_dict_reader(text)
    with app_context(ctx) as app, cli_language(), transaction(app) as session:
        count = 0
        for line, row in enumerate(reader, start=2):
            try:
                year = int(row.get("year") or 0)
                enacted = date.fromisoformat(row["enacted_on"]) if row.get("enacted_on") else None
                save_document(
                    session,
                    SYSTEM,
                    doc_type=row.get("doc_type", ""),
                    number=row.get("number", ""),
                    year=year,
                    title=row.get("title", ""),
                    subject=row.get("subject", ""),
                    enacted_on=enacted,
                    abstract=row.get("abstract", ""),
                    amends=row.get("amends", ""),
                    revokes=row.get("revokes", ""),
                )
            except (ValueError, PamongError) as error:
                detail = getattr(error, "detail", str(error))
                raise CliError(f"line {line}: {detail}") from None
            count += 1
    click.echo(f"{count} documents recorded")

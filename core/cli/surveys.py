"""The satisfaction survey: ``pamong survey results|close``."""

from __future__ import annotations

import click

from pamong.cli.base import Lazy, app_context, domain_errors, main

Actor = Lazy("pamong.accounts.permissions", "Actor")


@main.group()
def survey() -> None:
    """The satisfaction survey (IKM) of every service: figures and closing periods."""


@survey.command("results")
@click.argument("period", required=False)
@click.pass_context
@domain_errors
def survey_results(ctx: click.Context, period: str | None) -> None:
    """The index of every service per unit for PERIOD (2026-H1, 2026; default: now)."""
    from pamong.runtime import regency_today
    from pamong.surveys import services

    with app_context(ctx) as app, app.extensions["pamong"].db.session() as session:
        results = services.public_results(session, period, regency_today(app))
        click.echo(f"Period {results.period}")
        for f in results.figures:
            value = f"{f.value} {f.grade}" if f.value is not None else "-"
            state = "closed" if f.closed else "open"
            click.echo(
                f"{f.service}  {f.unit_code}  {f.respondents}/{f.sample_target} "
                f"(served {f.population})  {value}  {state}"
            )


@survey.command("close")
@click.argument("period")
@click.pass_context
@domain_errors
def survey_close(ctx: click.Context, period: str) -> None:
    """Close PERIOD (over): store and publish its figures; closed figures never change."""
    from pamong.runtime import regency_today
    from pamong.surveys import services

    with app_context(ctx) as app, app.extensions["pamong"].db.transaction() as session:
        stored = services.close_period(
            session, Actor.system("cli"), period, today=regency_today(app)
        )
        click.echo(f"Period {period} closed: {len(stored)} figure(s) stored.")

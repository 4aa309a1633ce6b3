"""CLI."""

import click


@click.group("licensing")
def cli() -> None:
    """Licensing: catalogue import, SLA escalation, expiry reminders."""

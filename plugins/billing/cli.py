"""``pamong billing ...``."""

from __future__ import annotations

import click


@click.group("billing")
def cli() -> None:
    """Billing: invoices, payments, the ledger."""

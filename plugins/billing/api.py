"""REST: ``/api/v1/billing``."""

from __future__ import annotations

from pamong.plugin import ApiBlueprint

blp = ApiBlueprint("billing_api", __name__, description="Billing: invoices, payments, receipts")

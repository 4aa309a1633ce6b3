"""Billing: one kernel for every fee, levy and bill of the regency.

Invoices from announced fees (``pamong_on_fee_due``) and by hand, cash at
counters inside cashier sessions, bank and QRIS payments through payment
channels, receipts, day closing with the deposit slip (STS), an append-only
hash-chained ledger and reports. Other plugins (water, hospital) use its
public function API, :mod:`pamong_plugins.billing.services`.
"""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="billing",
    version="0.1.0",
    title=N_("Billing"),
    description="Invoices, cash and bank payments, receipts, day closing and a verifiable ledger",
    core_version=">=0.1",
    public_modules=("services",),
)

"""PDAM: water utility billing on top of the billing plugin.

Connections with a dated status history, tariffs as dated decrees with
progressive blocks, monthly meter readings with their checks, the monthly
bill run (one billing invoice per active connection, idempotent), arrears
and sealing orders, and the non-revenue-water report.
"""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="pdam",
    version="0.1.0",
    title=N_("PDAM"),
    description="Water utility billing: connections, block tariffs, meter readings, bill runs",
    core_version=">=0.1",
    requires=("billing",),
    public_modules=("tariffs",),
)

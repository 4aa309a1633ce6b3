"""Requires cyc_b, which requires cyc_a."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="cyc_a", version="1.0", requires=("cyc_b",))

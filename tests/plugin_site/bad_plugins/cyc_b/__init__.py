"""Requires cyc_a, which requires cyc_b."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="cyc_b", version="1.0", requires=("cyc_a",))

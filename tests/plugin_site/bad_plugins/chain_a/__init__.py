"""Requires chain_b: must load after it whatever the config order."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="chain_a", version="1.0", requires=("chain_b",))

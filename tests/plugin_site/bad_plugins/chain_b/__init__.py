"""A dependency of chain_a."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="chain_b", version="1.0")

"""Needs a future core."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="oldcore", version="1.0", core_version=">=99")

"""Requires a plugin that is not enabled."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="needs_billing", version="1.0", requires=("billing",))

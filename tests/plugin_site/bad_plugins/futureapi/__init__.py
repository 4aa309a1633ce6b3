"""Written for a plugin API this core does not offer yet."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="futureapi", version="3.0", plugin_api=">=2.0,<3")

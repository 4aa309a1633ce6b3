"""Its first migration creates its table, then runs a statement that fails."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="brokenmig", version="1.0")

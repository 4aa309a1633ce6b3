"""Its model has a column that its migration never adds."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="drifty", version="1.0")

"""Its event listeners fail: one raises, one leaves a row the database refuses."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="faulty", version="1.0")

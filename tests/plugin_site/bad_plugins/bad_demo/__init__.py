"""Its demo hook answers something that is not a seeder."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="bad_demo", version="1.0")

"""PLUGIN.id differs from the entry-point name."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="someone_else", version="1.0")

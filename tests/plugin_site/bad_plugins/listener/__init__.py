"""Listens to the announcer's hook without requiring it."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="listener", version="1.0")
HEARD: list[str] = []

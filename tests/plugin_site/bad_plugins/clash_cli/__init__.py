"""Installed under the id ``db``: its command group would hide ``pamong db``."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="db", version="1.0")

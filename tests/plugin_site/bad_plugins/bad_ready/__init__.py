"""Raises when the app is ready."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="bad_ready", version="1.0")

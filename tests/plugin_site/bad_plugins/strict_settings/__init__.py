"""Declares settings with a required integer."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="strict_settings", version="1.0")

"""Defines a table outside its namespace."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="badtable", version="1.0")

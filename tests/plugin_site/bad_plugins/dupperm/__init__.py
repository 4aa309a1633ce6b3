"""Registers one permission twice and one in the core namespace."""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(id="dupperm", version="1.0")

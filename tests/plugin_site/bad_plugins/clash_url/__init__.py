"""Installed under the id ``track``: its pages would hide the core's public tracker."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="track", version="1.0")

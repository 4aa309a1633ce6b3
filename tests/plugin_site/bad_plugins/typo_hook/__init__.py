"""Misspells one hook and forgets the @hookimpl marker on another."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="typo_hook", version="1.0")

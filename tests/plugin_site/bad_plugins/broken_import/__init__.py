"""Fails to import: it needs a library that is not installed."""

import pamong_no_such_library  # noqa: F401

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="broken_import", version="1.0")

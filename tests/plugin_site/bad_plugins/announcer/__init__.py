"""Declares a hook of its own, as the billing plugin declares pamong_on_invoice_paid."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(id="announcer", version="1.0")

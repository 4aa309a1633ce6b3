"""{{ cookiecutter.title }}: {{ cookiecutter.description }}

A Pamong plugin. From Pamong it imports only ``pamong.plugin``, the public
plugin API (its tests check this with ``check_plugin_imports``).
"""

from pamong.plugin import N_, PluginInfo

__version__ = "0.1.0"

PLUGIN = PluginInfo(
    id="{{ cookiecutter.plugin_id }}",
    version=__version__,
    title=N_("{{ cookiecutter.title }}"),  # N_: shown in the reader's language
    description="{{ cookiecutter.description }}",
    plugin_api=">=1.3,<2",  # the plugin API versions this plugin works with
)

"""{{ cookiecutter.title }}: {{ cookiecutter.description }}"""

from pamong.hooks import PluginInfo

PLUGIN = PluginInfo(
    id="{{ cookiecutter.plugin_id }}",
    version="0.1.0",
    title="{{ cookiecutter.title }}",
    description="{{ cookiecutter.description }}",
    core_version=">=0.1",
)

"""The site plugin of Kabupaten Lebak: what is local to this deployment.

Branding, overrides of core templates (``overrides/``) and local hooks
(e.g. the adapter to the national population registry) live here, so the
rest of the deployment stays identical to the template.
"""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(
    id="site",
    version="0.1.0",
    title="Pamong Lebak",
    description="Branding and local hooks of Kabupaten Lebak",
    core_version=">=0.1.0",
)

"""Portal: the regency's public website and its citizen channel.

Home page with the regency's figures, news and announcements, profile
pages, the kecamatan and desa directory, the public service catalogue
every plugin feeds (``pamong_public_services``), complaints and
aspirations tracked on the core tracker, and the legal documents (JDIH).

A plugin rather than core: a regency that runs Pamong only behind its own
website leaves it disabled, and the core keeps only what every plugin
needs (the catalogue and widget hooks, the tracker, the branding).
"""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="portal",
    version="0.1.0",
    title=N_("Public portal"),
    description="The regency's public website, complaints and aspirations, legal documents (JDIH)",
    core_version=">=0.1",
    plugin_api=">=1.0,<2",
)

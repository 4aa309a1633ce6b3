"""A test plugin that implements every Pamong hook, with its own table and migration."""

from pamong.plugin import PluginInfo

PLUGIN = PluginInfo(
    id="example",
    version="0.1.0",
    title="Example",
    description="Exercises every hook in the test suite",
    core_version=">=0.1",
)

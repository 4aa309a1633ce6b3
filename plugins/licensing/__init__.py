"""Licensing: the one-stop permit office (PTSP/BPT) with tracking, delegation and IKM."""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="licensing",
    version="0.1.0",
    title=N_("Licensing"),
    description="One-stop permit office: catalogue, intake, workflow, SLA, permits, IKM",
    core_version=">=0.1",
)

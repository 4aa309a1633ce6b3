"""Kantaya, the virtual office: daily reports of every unit, the controlling grid, letters.

Each Satker, kecamatan and BUMD reports daily; the draft starts with the
facts other plugins recorded that day (``pamong_daily_activity``), the
unit's head approves it, and leaders comment on it and give instructions
the unit sees as tasks. The controlling grid shows units x days of a month
(submitted, late, missing) and a worker job reminds units that have not
reported through core messaging. Outgoing letters are numbered by a format
template with a gapless sequence per year and registered as core documents.
"""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="kantaya",
    version="0.1.0",
    title=N_("Kantaya"),
    description="Virtual office: daily reports, controlling grid, reminders, numbered letters",
    core_version=">=0.1",
    public_modules=("services",),
)

"""KTP: the resident ID card service at the kecamatan counter.

One identity per person: an application is taken only at the resident's
domicile kecamatan, and the database allows one active card per resident.
"""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="ktp",
    version="0.1.0",
    title=N_("KTP"),
    description="Resident ID cards at the kecamatan counter, one identity per person",
    core_version=">=0.1",
)

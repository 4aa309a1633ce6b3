"""SIPAW: staple-food prices per market, published daily, compared across regencies.

Markets (functional org units) and the PIHPS/SP2KP commodity list with
reference prices (HET/HAP); enumerators' daily observations whose median is
the day's price, published by the coordinator; a public price page and
open data in the WFP/HDX food-price columns; alerts; comparison with peer
regencies from their open-data feeds; and a trade board between regions.
Other plugins read prices through :mod:`pamong_plugins.sipaw.services`.
"""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="sipaw",
    version="0.1.0",
    title=N_("SIPAW"),
    description="Staple-food prices per market, open data, peer comparison and a trade board",
    core_version=">=0.1",
    public_modules=("services",),
)

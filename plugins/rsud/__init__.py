"""RSUD: the regional hospital's billing.

Patients (No. RM), encounters (outpatient, emergency, inpatient stays with
ward, bed and class), a dated tariff master split into jasa sarana and jasa
pelayanan, charges posted by each unit, the discharge bill with the BPJS
INA-CBG package and the class-upgrade rule, deposits and hospital
indicators. The patient's share becomes an invoice of the billing plugin.
"""

from pamong.plugin import N_, PluginInfo

PLUGIN = PluginInfo(
    id="rsud",
    version="0.1.0",
    title=N_("RSUD"),
    description="Hospital billing: patients, stays, tariffs per class, BPJS packages, indicators",
    core_version=">=0.1",
    requires=("billing",),
    public_modules=("indicators",),
)

"""Surat Desa: certificate letters (surat keterangan) at the desa office.

The worked example of Pamong's plugin guide. A resident asks the desa
office for a letter (of domicile, business, low income, good conduct); the
clerk registers the request by the resident's NIK, and it gets a receipt
number on the public tracker. The letter is issued as a verifiable PDF with
a QR code, a fee (if the regency charges one) is announced to billing, and
the resident is told by e-mail. Each month a desa sends its kecamatan a
recap. Everything from Pamong comes through ``pamong.plugin``.
"""

from pamong.plugin import PluginInfo

__version__ = "0.1.0"

PLUGIN = PluginInfo(
    id="suratdesa",
    version=__version__,
    title="Surat Desa",
    description="Certificate letters (surat keterangan) at the desa office",
    plugin_api=">=1.0,<2",  # the plugin API versions this plugin works with
)

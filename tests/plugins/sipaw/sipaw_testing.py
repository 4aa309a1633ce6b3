"""Constants of the SIPAW tests (imported by name: tests are not a package)."""

from __future__ import annotations

OFFICE = "33.14-DISDAG"
BUNDER = "33.14-DISDAG-PSR-BUNDER"
GEMOLONG = "33.14-DISDAG-PSR-GEMOLONG"
KEC_SRAGEN = "33.14.10"
KEC_GEMOLONG = "33.14.13"

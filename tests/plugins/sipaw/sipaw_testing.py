"""Constants of the SIPAW tests (imported by name: tests are not a package)."""

from __future__ import annotations

OFFICE = "33.14-DISDAG"
REGENCY = "33.14"
BUNDER = "33.14-PSR-BUNDER"
GEMOLONG = "33.14-PSR-GEMOLONG"
KEC_SRAGEN = "33.14.10"
KEC_GEMOLONG = "33.14.13"

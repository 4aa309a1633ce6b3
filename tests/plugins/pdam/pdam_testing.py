"""Constants of the PDAM tests (imported by name: tests are not a package)."""

from __future__ import annotations

KALIJAMBE = "33.14.01"  # a kecamatan
KEDEN = "33.14.01.2001"  # a desa in Kalijambe
PLUPUH = "33.14.02"
PLUPUH_DESA = "33.14.02.2001"
REGENCY = "33.14"
R2 = [(10, 1_300), (20, 2_100), (30, 2_300), (None, 2_650)]

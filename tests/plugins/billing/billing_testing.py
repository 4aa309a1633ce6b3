"""Constants and helpers of the billing tests (imported by name: tests are not a package)."""

from __future__ import annotations

KALIJAMBE = "33.14.01"  # a kecamatan: the KTP counter
KEDEN = "33.14.01.2001"  # a desa in Kalijambe
PLUPUH = "33.14.02"
REGENCY = "33.14"

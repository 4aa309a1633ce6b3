"""The bundled Kemendagri region table (``data/wilayah.csv``).

Codes are dotted: ``33`` (province), ``33.14`` (regency or city),
``33.14.01`` (kecamatan), ``33.14.01.2001`` (village). The first digit of
the village part tells a kelurahan (1) from a desa (2) or a desa adat (3).
See ``data/LICENSE-wilayah.txt`` for the table's source and licence.
"""

from __future__ import annotations

import csv
import enum
from dataclasses import dataclass
from functools import cache
from importlib import resources


class RegionLevel(enum.IntEnum):
    PROVINCE = 1
    REGENCY = 2
    KECAMATAN = 3
    VILLAGE = 4


#: Province code prefixes by time zone. Everything not listed is WIB.
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}

TIME_ZONES = {
    "WIB": "Asia/Jakarta",
    "WITA": "Asia/Makassar",
    "WIT": "Asia/Jayapura",
}


@dataclass(frozen=True, slots=True)
class Region:
    """One row of the region table."""

    code: str
    name: str

    @property
    def level(self) -> RegionLevel:
        return RegionLevel(self.code.count(".") + 1)

    @property
    def parent_code(self) -> str | None:
        head, _, _ = self.code.rpartition(".")
        return head or None

    @property
    def village_kind(self) -> str | None:
        """``kelurahan``, ``desa`` or ``desa_adat`` for a village; else None."""
        if self.level is not RegionLevel.VILLAGE:
            return None
        return {"1": "kelurahan", "3": "desa_adat"}.get(self.code[-4], "desa")

    @property
    def is_city(self) -> bool:
        """A regency-level code 71-99 is a kota (city), 01-69 a kabupaten."""
        return self.level is RegionLevel.REGENCY and int(self.code[3:5]) >= 70


@cache
def _table() -> dict[str, str]:
    text = resources.files("pamong").joinpath("data/wilayah.csv").read_text("utf-8")
    rows = csv.reader(text.splitlines())
    next(rows)  # header
    return {code: name for code, name in rows}


@cache
def _children() -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for code in _table():
        parent = code.rpartition(".")[0]
        if parent:
            children.setdefault(parent, []).append(code)
    return children


def get_region(code: str) -> Region | None:
    """Return the region with this dotted code, or None if the table lacks it."""
    name = _table().get(code)
    return Region(code, name) if name is not None else None


def is_known_region(code: str) -> bool:
    return code in _table()


def children(code: str) -> list[Region]:
    """Direct sub-regions of ``code`` in code order."""
    table = _table()
    return [Region(c, table[c]) for c in sorted(_children().get(code, ()))]


def subtree(code: str) -> list[Region]:
    """``code`` itself and every region below it, parents before children."""
    root = get_region(code)
    if root is None:
        return []
    found = [root]
    for child in children(code):
        found.extend(subtree(child.code))
    return found


def time_zone_label(code: str) -> str:
    """``WIB``, ``WITA`` or ``WIT`` for any code in that province."""
    province = code[:2]
    if province in _WIT_PROVINCES:
        return "WIT"
    if province in _WITA_PROVINCES:
        return "WITA"
    return "WIB"


def time_zone(code: str) -> str:
    """The IANA time zone of a region: ``Asia/Jakarta``, ``Asia/Makassar``…"""
    return TIME_ZONES[time_zone_label(code)]


def normalise_code(value: str) -> str:
    """Accept ``3314``, ``33.14`` or ``33-14`` and return the dotted form."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) not in (2, 4, 6, 10):
        raise ValueError(f"not a region code: {value!r}")
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(p for p in parts if p)

"""Progressive block tariffs: the pure arithmetic of a water bill.

:func:`water_charge` is the one public, documented function for the charge
of a volume; :func:`prorate` splits a billing period over tariff decrees by
days. No database, no Flask: import and call them anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

__all__ = [
    "KARANGANYAR_2009",
    "Block",
    "block_charges",
    "check_blocks",
    "month_bounds",
    "prorate",
    "prorated_charge",
    "water_charge",
]

#: ``(upper_m3, price_per_m3)``; the last block's upper bound is ``None`` (open).
Block = tuple[int | None, int]

#: PDAM Karanganyar, July 2009 - June 2010, Rp/m3 for 0-10 / 11-20 / 21-30 / >30 m3.
KARANGANYAR_2009: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    "SU": ("Sosial Umum", (650, 650, 650, 650)),
    "SK": ("Sosial Khusus", (950, 1_100, 1_300, 1_550)),
    "R1": ("Rumah Tangga 1", (1_100, 1_800, 1_900, 2_100)),
    "R2": ("Rumah Tangga 2", (1_300, 2_100, 2_300, 2_650)),
    "R3": ("Rumah Tangga 3", (1_650, 2_200, 2_650, 2_900)),
    "SE": ("Sekolah", (1_450, 2_000, 2_400, 2_850)),
    "IP": ("Instansi Pemerintah", (2_200, 3_100, 3_500, 4_200)),
    "NK": ("Niaga Kecil", (2_200, 3_100, 3_650, 4_300)),
    "NB": ("Niaga Besar", (3_300, 3_650, 4_750, 5_500)),
    "IK": ("Industri Kecil", (3_500, 3_750, 4_950, 5_500)),
}


def check_blocks(blocks: Sequence[Sequence[int | None]]) -> list[Block]:
    """The blocks as a list of pairs, or ``ValueError`` naming what is wrong.

    Upper bounds must be positive whole m3 in strictly ascending order, the
    last one ``None`` (the open block); prices whole rupiah, not negative.
    """
    if not blocks:
        raise ValueError("a tariff needs at least one block")
    checked: list[Block] = []
    previous = 0
    for index, pair in enumerate(blocks):
        if len(pair) != 2:
            raise ValueError(f"block {index + 1} is not an (upper_m3, price) pair")
        upper, price = pair
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            raise ValueError(f"block {index + 1}: the price is whole, non-negative rupiah")
        last = index == len(blocks) - 1
        if upper is None:
            if not last:
                raise ValueError(f"block {index + 1}: only the last block is open")
        else:
            if isinstance(upper, bool) or not isinstance(upper, int):
                raise ValueError(f"block {index + 1}: the upper bound is whole m3")
            if upper <= previous:
                raise ValueError(f"block {index + 1}: upper bounds must ascend")
            if last:
                raise ValueError("the last block must be open (upper bound None)")
            previous = upper
        checked.append((upper, price))
    return checked


def block_charges(
    blocks: Sequence[Sequence[int | None]], m3: int, *, minimum_m3: int = 0
) -> list[tuple[int, int, int, int | None]]:
    """Per block that charges anything: ``(m3 in it, price, charge, upper bound)``."""
    checked = check_blocks(blocks)
    for name, value in (("volume", m3), ("minimum volume", minimum_m3)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"the {name} is whole m3")
        if value < 0:
            raise ValueError(f"the {name} cannot be negative")
    billed = max(m3, minimum_m3)
    parts = []
    lower = 0
    for upper, price in checked:
        top = billed if upper is None else min(billed, upper)
        inside = top - lower
        if inside <= 0:
            break
        parts.append((inside, price, inside * price, upper))
        if upper is None:
            break
        lower = upper
    return parts


def water_charge(blocks: Sequence[Sequence[int | None]], m3: int, *, minimum_m3: int = 0) -> int:
    """The charge in whole rupiah for ``m3`` cubic metres on progressive ``blocks``.

    ``blocks`` are ``(upper_m3, price_per_m3)`` pairs in ascending order, the
    last upper bound ``None`` (the open block). The billed volume is
    ``max(m3, minimum_m3)``; each block charges its price for the cubic
    metres that fall inside it::

        >>> water_charge([(10, 1300), (20, 2100), (30, 2300), (None, 2650)], 25)
        45500

    (10 x 1.300 + 10 x 2.100 + 5 x 2.300). ``ValueError`` for a negative
    volume, unordered bounds or a missing open block.
    """
    return sum(part[2] for part in block_charges(blocks, m3, minimum_m3=minimum_m3))


def prorate(
    first: date, last: date, changes: Sequence[tuple[date, date | None]]
) -> list[tuple[int, int]]:
    """Days of ``first..last`` (inclusive) under each decree ``(valid_from, valid_until)``.

    Returns ``(index of the decree, days)`` for each decree in force for part
    of the period, in date order. Days no decree covers raise ``ValueError``.
    """
    if last < first:
        raise ValueError("the period ends before it starts")
    total = (last - first).days + 1
    parts: list[tuple[int, int]] = []
    for index, (start, until) in sorted(enumerate(changes), key=lambda c: c[1][0]):
        low = max(first, start)
        high = min(last, until) if until is not None else last
        if high >= low:
            parts.append((index, (high - low).days + 1))
    if sum(days for _index, days in parts) != total:
        raise ValueError(f"no tariff covers every day of {first} .. {last}")
    return parts


def prorated_charge(charges: Sequence[int], parts: Sequence[tuple[int, int]]) -> int:
    """The day-weighted charge: ``charges[i]`` is the whole volume on decree ``i``.

    A period spanning a tariff change pays each decree's charge for the
    share of the period's days it was in force (rounded half up to rupiah).
    """
    total = sum(days for _index, days in parts)
    weighted = sum(charges[index] * days for index, days in parts)
    return (weighted * 2 + total) // (2 * total)


def month_bounds(period: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``; ``ValueError`` when it is not a month."""
    try:
        year, month = (int(p) for p in period.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(f"{period!r} is not a month (YYYY-MM)") from None
    if len(period) != 7:
        raise ValueError(f"{period!r} is not a month (YYYY-MM)")
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)

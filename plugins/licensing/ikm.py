"""The public satisfaction index (IKM/SKM) of a service unit.

Rules, by their legal basis:

``permenpanrb-14-2017``
    PermenPAN-RB 14/2017: 9 elements, answers 1-4. Per element the NRR is
    the mean answer; IKM = sum(NRR x 1/9); the unit index is IKM x 25
    (25-100). Categories on the value rounded to two places:
    25.00-64.99 D, 65.00-76.60 C, 76.61-88.30 B, 88.31-100.00 A.
``kepmenpan-25-2004``
    KepmenPAN 25/2004: 14 elements, weight 1/14, bands 25.00-43.75 D,
    43.76-62.50 C, 62.51-81.25 B, 81.26-100.00 A.

Arithmetic is exact (fractions) until the final rounding (half up), so
the weight is exactly 1/9, never 0.111.

>>> ikm_score([[3] * 9, [4] * 9])
IkmResult(value=Decimal('87.50'), category='B', rule='permenpanrb-14-2017', respondents=2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

__all__ = ["ELEMENTS_2017", "RULES", "IkmResult", "Rule", "category", "ikm_score"]

#: The 9 elements (unsur) of PermenPAN-RB 14/2017, in their order on the form.
ELEMENTS_2017 = (
    "Persyaratan",
    "Sistem, mekanisme dan prosedur",
    "Waktu penyelesaian",
    "Biaya/tarif",
    "Produk spesifikasi jenis pelayanan",
    "Kompetensi pelaksana",
    "Perilaku pelaksana",
    "Penanganan pengaduan, saran dan masukan",
    "Sarana dan prasarana",
)


@dataclass(frozen=True)
class Rule:
    """A legal rule for the index: how many elements and the category bands."""

    code: str
    title: str
    elements: int
    #: (lowest value of the band, letter), highest band first.
    bands: tuple[tuple[Decimal, str], ...]


RULES: dict[str, Rule] = {
    "permenpanrb-14-2017": Rule(
        "permenpanrb-14-2017",
        "PermenPAN-RB 14/2017",
        9,
        (
            (Decimal("88.31"), "A"),
            (Decimal("76.61"), "B"),
            (Decimal("65.00"), "C"),
            (Decimal(25), "D"),
        ),
    ),
    "kepmenpan-25-2004": Rule(
        "kepmenpan-25-2004",
        "KepmenPAN 25/2004",
        14,
        (
            (Decimal("81.26"), "A"),
            (Decimal("62.51"), "B"),
            (Decimal("43.76"), "C"),
            (Decimal(25), "D"),
        ),
    ),
}


class IkmResult(NamedTuple):
    """An index value (25.00-100.00), its category letter and the rule used."""

    value: Decimal
    category: str
    rule: str
    respondents: int


def category(value: Decimal, rule: str = "permenpanrb-14-2017") -> str:
    """The category letter of an index value already rounded to two places."""
    for lowest, letter in _rule(rule).bands:
        if value >= lowest:
            return letter
    raise ValueError(f"an index value is 25-100, not {value}")


def _rule(code: str) -> Rule:
    try:
        return RULES[code]
    except KeyError:
        raise ValueError(f"unknown IKM rule {code!r} (known: {', '.join(RULES)})") from None


def ikm_score(responses: Sequence[Sequence[int]], rule: str = "permenpanrb-14-2017") -> IkmResult:
    """The unit index of ``responses`` (one list of answers 1-4 per respondent).

    Raises ValueError for no respondents, a wrong number of answers or an
    answer outside 1-4.
    """
    spec = _rule(rule)
    if not responses:
        raise ValueError("the index needs at least one respondent")
    totals = [0] * spec.elements
    for number, answers in enumerate(responses, start=1):
        if len(answers) != spec.elements:
            raise ValueError(
                f"respondent {number}: {spec.title} has {spec.elements} elements, "
                f"not {len(answers)}"
            )
        for index, answer in enumerate(answers):
            if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= 4:
                raise ValueError(f"respondent {number}: answers are 1-4, not {answer!r}")
            totals[index] += answer
    count = len(responses)
    ikm = sum(Fraction(total, count) * Fraction(1, spec.elements) for total in totals)
    exact = ikm * 25
    hundredths = math.floor(exact * 100 + Fraction(1, 2))  # half up, exactly
    value = Decimal(hundredths).scaleb(-2)
    return IkmResult(value, category(value, rule), rule, count)

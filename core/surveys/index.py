"""The public satisfaction index (IKM/SKM) of a service unit, and its sample size.

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

The sample a unit needs follows Krejcie and Morgan (1970), as the
regulation's annex does: 95% confidence, 5% margin, P = 0.5.

>>> krejcie_morgan(100), krejcie_morgan(1000), krejcie_morgan(100_000)
(80, 278, 384)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

__all__ = [
    "DEFAULT_RULE",
    "ELEMENTS_2017",
    "RULES",
    "IkmResult",
    "Rule",
    "category",
    "element_means",
    "ikm_score",
    "krejcie_morgan",
]

#: The rule of new surveys.
DEFAULT_RULE = "permenpanrb-14-2017"

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


def category(value: Decimal, rule: str = DEFAULT_RULE) -> str:
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


def ikm_score(responses: Sequence[Sequence[int]], rule: str = DEFAULT_RULE) -> IkmResult:
    """The unit index of ``responses`` (one list of answers 1-4 per respondent).

    Raises ValueError for no respondents, a wrong number of answers or an
    answer outside 1-4.
    """
    spec = _rule(rule)
    totals = _element_totals(responses, spec)
    count = len(responses)
    ikm = sum(Fraction(total, count) * Fraction(1, spec.elements) for total in totals)
    value = _hundredths(ikm * 25)
    return IkmResult(value, category(value, rule), rule, count)


def element_means(
    responses: Sequence[Sequence[int]], rule: str = DEFAULT_RULE
) -> tuple[Decimal, ...]:
    """The mean answer (NRR, 1.00-4.00, two places, half up) of each element, in form order.

    >>> element_means([[3] * 9, [4] * 9])[0]
    Decimal('3.50')
    """
    totals = _element_totals(responses, _rule(rule))
    return tuple(_hundredths(Fraction(total, len(responses))) for total in totals)


#: Krejcie-Morgan: chi-square of 1 degree of freedom at 95%, proportion, margin.
_CHI_SQUARE = Fraction(3841, 1000)
_P = Fraction(1, 2)
_MARGIN = Fraction(5, 100)
#: The table's last rows: from 100,000 people on, the sample stays at 384.
_LARGE_POPULATION = 100_000
_LARGE_SAMPLE = 384


def krejcie_morgan(population: int) -> int:
    """The respondents needed from ``population`` people served (Krejcie-Morgan's table).

    The table rounds the formula to the nearest whole person (half up):

    s = X² N P(1-P) / (d² (N-1) + X² P(1-P)); 0 for nobody served.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(f"a population is a whole number of people, not {population!r}")
    if population >= _LARGE_POPULATION:
        return _LARGE_SAMPLE
    if population == 0:
        return 0
    spread = _CHI_SQUARE * _P * (1 - _P)
    sample = spread * population / (_MARGIN**2 * (population - 1) + spread)
    return min(population, math.floor(sample + Fraction(1, 2)))


def _hundredths(exact: Fraction) -> Decimal:
    """``exact`` rounded half up to two places, exactly."""
    return Decimal(math.floor(exact * 100 + Fraction(1, 2))).scaleb(-2)


def _element_totals(responses: Sequence[Sequence[int]], spec: Rule) -> list[int]:
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
    return totals

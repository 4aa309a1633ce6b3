"""The pure tariff arithmetic: water_charge (property tests), proration, month bounds."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pdam_testing import R2

from pamong_plugins.pdam.tariffs import (
    KARANGANYAR_2009,
    month_bounds,
    prorate,
    prorated_charge,
    water_charge,
)


def test_the_issue_example():
    assert water_charge(R2, 25) == 10 * 1_300 + 10 * 2_100 + 5 * 2_300 == 45_500


def test_minimum_volume_and_the_open_block():
    assert water_charge(R2, 3, minimum_m3=10) == 13_000
    assert water_charge(R2, 0) == 0
    assert water_charge(R2, 40) == 13_000 + 21_000 + 23_000 + 10 * 2_650
    assert water_charge([(None, 650)], 17) == 17 * 650


@pytest.mark.parametrize(
    ("blocks", "m3"),
    [
        (R2, -1),
        ([(20, 1), (10, 2), (None, 3)], 5),  # unordered
        ([(10, 1), (10, 2), (None, 3)], 5),  # not strictly ascending
        ([(10, 1), (20, 2)], 5),  # no open block
        ([(None, 1), (10, 2)], 5),  # open block not last
        ([], 5),
        ([(10, -5), (None, 1)], 5),
        ([(10, 1.5), (None, 1)], 5),
    ],
)
def test_bad_input_is_a_value_error(blocks, m3):
    with pytest.raises(ValueError):
        water_charge(blocks, m3)


@st.composite
def tariffs(draw):
    bounds = sorted(draw(st.sets(st.integers(1, 200), max_size=5)))
    prices = draw(
        st.lists(st.integers(0, 10_000), min_size=len(bounds) + 1, max_size=len(bounds) + 1)
    )
    return [*zip(bounds, prices[:-1], strict=True), (None, prices[-1])]


@given(tariffs(), st.integers(0, 1_000), st.integers(0, 1_000))
def test_properties(blocks, m3, more):
    charge = water_charge(blocks, m3)
    assert isinstance(charge, int) and charge >= 0
    # more water never costs less, and each extra m3 costs at most the highest price
    bigger = water_charge(blocks, m3 + more)
    assert charge <= bigger <= charge + more * max(p for _u, p in blocks)
    # the minimum volume only ever raises the charge
    assert water_charge(blocks, m3, minimum_m3=more) == water_charge(blocks, max(m3, more))


@given(st.integers(0, 500))
def test_a_flat_tariff_is_linear(m3):
    assert water_charge([(10, 650), (20, 650), (None, 650)], m3) == 650 * m3


@given(tariffs(), st.integers(0, 500))
def test_the_charge_is_the_sum_of_unit_steps(blocks, m3):
    def price_of(nth: int) -> int:  # the price of the nth cubic metre (1-based)
        return next(p for u, p in blocks if u is None or nth <= u)

    assert water_charge(blocks, m3) == sum(price_of(n) for n in range(1, m3 + 1))


def test_karanganyar_table_is_progressive_or_flat():
    for _name, prices in KARANGANYAR_2009.values():
        assert list(prices) == sorted(prices)


def test_prorate_by_days():
    first, last = month_bounds("2026-07")
    parts = prorate(first, last, [(date(2009, 7, 1), date(2026, 7, 14)), (date(2026, 7, 15), None)])
    assert parts == [(0, 14), (1, 17)]
    assert prorated_charge([31_000, 62_000], parts) == round((31_000 * 14 + 62_000 * 17) / 31)
    with pytest.raises(ValueError):
        prorate(first, last, [(date(2026, 7, 10), None)])


def test_month_bounds():
    assert month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    for bad in ("2026-13", "2026-1", "abc", ""):
        with pytest.raises(ValueError):
            month_bounds(bad)

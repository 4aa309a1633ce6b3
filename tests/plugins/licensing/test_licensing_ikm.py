"""The satisfaction index (IKM) per PermenPAN-RB 14/2017 and KepmenPAN 25/2004."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from pamong_plugins.licensing.ikm import category, ikm_score


def test_all_fours_is_one_hundred_and_a():
    assert ikm_score([[4] * 9]) == (Decimal("100.00"), "A", "permenpanrb-14-2017", 1)


def test_all_ones_is_twenty_five_and_d():
    assert ikm_score([[1] * 9]).value == Decimal("25.00")
    assert ikm_score([[1] * 9]).category == "D"


def test_a_hand_computed_case_of_three_respondents():
    responses = [
        [3, 3, 2, 4, 3, 3, 4, 2, 3],
        [4, 3, 3, 4, 3, 4, 4, 3, 3],
        [3, 2, 3, 4, 4, 3, 4, 3, 2],
    ]
    # NRR per element: 10/3, 8/3, 8/3, 12/3, 10/3, 10/3, 12/3, 8/3, 8/3 -> sum 86/3
    # IKM = 86/27 = 3.185185...; x25 = 79.6296... -> 79.63, B
    result = ikm_score(responses)
    assert result.value == Decimal("79.63")
    assert result.category == "B"
    assert result.respondents == 3


def test_the_weight_is_exactly_one_ninth_not_0_111():
    # With 0.111 the all-threes index would read 74.92 instead of 75.00.
    assert ikm_score([[3] * 9]).value == Decimal("75.00")


def test_rounding_is_half_up_on_the_exact_value():
    # 8 respondents, one element 3 instead of 4 on one form: 100 - 25/72 = 99.6527..
    responses = [[4] * 9 for _ in range(8)]
    responses[0][0] = 3
    expected = Fraction(100) - Fraction(25, 72)
    assert ikm_score(responses).value == Decimal("99.65")
    assert float(expected) == pytest.approx(99.6527, abs=1e-4)


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        ("25.00", "D"),
        ("64.99", "D"),
        ("65.00", "C"),
        ("76.60", "C"),
        ("76.61", "B"),
        ("88.30", "B"),
        ("88.31", "A"),
        ("100.00", "A"),
    ],
)
def test_category_boundaries_of_2017(value, letter):
    assert category(Decimal(value)) == letter


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        ("43.75", "D"),
        ("43.76", "C"),
        ("62.50", "C"),
        ("62.51", "B"),
        ("81.25", "B"),
        ("81.26", "A"),
    ],
)
def test_category_boundaries_of_2004(value, letter):
    assert category(Decimal(value), "kepmenpan-25-2004") == letter


def test_sragens_83_6_is_b_under_2017_and_a_under_2004():
    assert category(Decimal("83.60")) == "B"
    assert category(Decimal("83.60"), "kepmenpan-25-2004") == "A"


def respondents(count: int, total: int) -> list[list[int]]:
    """``count`` forms of 9 answers (1-4) whose answers add up to ``total``."""
    base, extra = divmod(total, 9 * count)
    flat = [base + (1 if i < extra else 0) for i in range(9 * count)]
    return [flat[i * 9 : (i + 1) * 9] for i in range(count)]


@pytest.mark.parametrize(
    ("count", "total", "value", "letter"),
    [
        # 25 x 889 / (9 x 38) = 64.9853.. -> 64.99, still D
        (38, 889, "64.99", "D"),
        (5, 117, "65.00", "C"),  # exactly 65
        (26, 717, "76.60", "C"),  # 76.6025..
        (19, 524, "76.61", "B"),  # 76.6081..
        (19, 604, "88.30", "B"),  # 88.3040..
        (24, 763, "88.31", "A"),  # 88.3101..
    ],
)
def test_category_boundaries_through_real_responses(count, total, value, letter):
    result = ikm_score(respondents(count, total))
    assert result.respondents == count
    assert (str(result.value), result.category) == (value, letter)


def test_the_2004_rule_takes_fourteen_elements():
    result = ikm_score([[3] * 14, [4] * 14], rule="kepmenpan-25-2004")
    assert result == (Decimal("87.50"), "A", "kepmenpan-25-2004", 2)


def test_a_2017_form_with_fourteen_answers_is_refused():
    with pytest.raises(ValueError, match="9 elements"):
        ikm_score([[3] * 14])


@pytest.mark.parametrize("bad", [0, 5, True, 2.5, "3"])
def test_answers_outside_one_to_four_are_refused(bad):
    with pytest.raises(ValueError, match="1-4"):
        ikm_score([[3] * 8 + [bad]])


def test_no_respondents_and_unknown_rules_are_refused():
    with pytest.raises(ValueError):
        ikm_score([])
    with pytest.raises(ValueError, match="unknown IKM rule"):
        ikm_score([[3] * 9], rule="iso-9001")

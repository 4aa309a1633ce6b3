"""The indicator arithmetic: one pure function, Barber-Johnson with Depkes ranges."""

from __future__ import annotations

import pytest

from pamong_plugins.rsud.indicators import hospital_indicators, in_ideal_range

BASE = {
    "beds": 10,
    "period_days": 30,
    "patient_days": 240,
    "discharges": 40,
    "length_of_stay_days": 236,
    "deaths": 2,
    "deaths_over_48h": 1,
}


def test_a_month_of_a_ten_bed_ward():
    got = hospital_indicators(**BASE)
    assert got == {"bor": 80.0, "alos": 5.9, "toi": 1.5, "bto": 4.0, "gdr": 50.0, "ndr": 25.0}


def test_values_are_rounded_to_two_decimals():
    got = hospital_indicators(
        beds=7,
        period_days=31,
        patient_days=150,
        discharges=3,
        length_of_stay_days=20,
        deaths=1,
        deaths_over_48h=1,
    )
    assert got["bor"] == 69.12 and got["alos"] == 6.67 and got["toi"] == 22.33
    assert got["bto"] == 0.43 and got["gdr"] == 333.33 and got["ndr"] == 333.33


def test_no_discharges_leaves_the_per_discharge_figures_undefined():
    got = hospital_indicators(
        **{**BASE, "discharges": 0, "length_of_stay_days": 0, "deaths": 0, "deaths_over_48h": 0}
    )
    assert got["alos"] is None and got["toi"] is None and got["gdr"] is None
    assert got["bor"] == 80.0 and got["bto"] == 0.0


@pytest.mark.parametrize(
    "change",
    [
        {"beds": 0},
        {"period_days": 0},
        {"patient_days": -1},
        {"discharges": -2},
        {"patient_days": 301},
        {"deaths": 41},
        {"deaths_over_48h": 3},
        {"beds": 2.5},
        {"beds": True},
    ],
)
def test_impossible_counts_are_refused(change):
    with pytest.raises(ValueError):
        hospital_indicators(**{**BASE, **change})


def test_full_occupancy_is_allowed():
    assert hospital_indicators(**{**BASE, "patient_days": 300})["bor"] == 100.0


def test_ideal_ranges_scale_bto_to_the_period():
    assert in_ideal_range("bor", 80.0) is True
    assert in_ideal_range("bor", 90.0) is False
    assert in_ideal_range("gdr", 20.0) is True
    assert in_ideal_range("bto", 3.8, period_days=30) is True  # 40-50 a year is 3.3-4.1 a month
    assert in_ideal_range("alos", None) is None

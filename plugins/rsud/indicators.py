"""Hospital indicators (Barber-Johnson) with the Depkes ideal ranges: one pure function.

Public module of the rsud plugin: other plugins and reports may call
:func:`hospital_indicators` directly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["IDEAL_RANGES", "hospital_indicators", "in_ideal_range"]

#: Depkes ideal ranges: (low, high), None where open-ended. BTO is per year.
IDEAL_RANGES: dict[str, tuple[float | None, float | None]] = {
    "bor": (60.0, 85.0),
    "alos": (6.0, 9.0),
    "toi": (1.0, 3.0),
    "bto": (40.0, 50.0),
    "gdr": (None, 45.0),
    "ndr": (None, 25.0),
}


def _round(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def hospital_indicators(
    *,
    beds: int,
    period_days: int,
    patient_days: int,
    discharges: int,
    length_of_stay_days: int,
    deaths: int,
    deaths_over_48h: int,
) -> dict[str, float | None]:
    """BOR, ALOS, TOI, BTO, GDR and NDR of one ward or hospital over one period.

    :param beds: beds in service in the period (counted from the bed register, never a constant).
    :param period_days: days in the period (a month: 28-31).
    :param patient_days: patient days from the daily census (hari perawatan).
    :param discharges: patients discharged alive or dead in the period.
    :param length_of_stay_days: the summed length of stay of those discharges (lama dirawat).
    :param deaths: deaths among the discharges; ``deaths_over_48h`` those after 48 hours.
    :returns: ``bor`` (%), ``alos`` (days), ``toi`` (days), ``bto`` (times in the period),
        ``gdr`` and ``ndr`` (per 1,000 discharges), rounded to 2 decimals. With no
        discharges, ALOS, TOI, GDR and NDR are ``None`` (undefined), BTO is 0.
    :raises ValueError: zero beds or days, a negative count, more patient days than
        beds x days, more deaths than discharges or more late deaths than deaths.

    >>> hospital_indicators(beds=10, period_days=30, patient_days=240, discharges=40,
    ...                     length_of_stay_days=236, deaths=2, deaths_over_48h=1)["bor"]
    80.0
    """
    counts = {
        "beds": beds,
        "period_days": period_days,
        "patient_days": patient_days,
        "discharges": discharges,
        "length_of_stay_days": length_of_stay_days,
        "deaths": deaths,
        "deaths_over_48h": deaths_over_48h,
    }
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
    if beds == 0:
        raise ValueError("beds must be at least 1")
    if period_days == 0:
        raise ValueError("period_days must be at least 1")
    capacity = beds * period_days
    if patient_days > capacity:
        raise ValueError(
            f"{patient_days} patient days is more than {beds} beds x {period_days} days"
        )
    if deaths > discharges:
        raise ValueError("deaths are counted among the discharges: more deaths than discharges")
    if deaths_over_48h > deaths:
        raise ValueError("deaths_over_48h is more than deaths")
    bor = _round(Decimal(patient_days) * 100 / capacity)
    bto = _round(Decimal(discharges) / beds)
    if discharges == 0:
        return {"bor": bor, "alos": None, "toi": None, "bto": bto, "gdr": None, "ndr": None}
    return {
        "bor": bor,
        "alos": _round(Decimal(length_of_stay_days) / discharges),
        "toi": _round(Decimal(capacity - patient_days) / discharges),
        "bto": bto,
        "gdr": _round(Decimal(deaths) * 1000 / discharges),
        "ndr": _round(Decimal(deaths_over_48h) * 1000 / discharges),
    }


def in_ideal_range(name: str, value: float | None, *, period_days: int = 365) -> bool | None:
    """Whether ``value`` lies in the Depkes range (BTO's yearly range scaled to the period)."""
    if value is None:
        return None
    low, high = IDEAL_RANGES[name]
    if name == "bto":
        scale = period_days / 365
        low, high = low * scale, high * scale  # type: ignore[operator]
    return (low is None or value >= low) and (high is None or value <= high)

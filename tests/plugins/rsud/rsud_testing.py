"""Constants and helpers of the rsud tests (imported by name: tests are not a package)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

HOSPITAL = "33.14.01"  # the hospital's unit in the tests (Kalijambe)
OTHER = "33.14.02"  # another unit: a user granted there never sees HOSPITAL's patients
DECREE_DAY = date(2026, 1, 1)


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a WIB (UTC+7) day, aware, in UTC."""
    return datetime.combine(day, time(hour, minute), UTC) - timedelta(hours=7)


#: service code, name, unit, per, bucket, {class: (sarana, medis, paramedis)}
TARIFFS = (
    (
        "KARCIS",
        "Karcis pendaftaran",
        "registration",
        "visit",
        "konsultasi",
        {"-": (15_000, 10_000, 0)},
    ),
    (
        "AKOMODASI",
        "Akomodasi rawat inap",
        "ward",
        "day",
        "kamar",
        {
            "III": (100_000, 0, 50_000),
            "II": (200_000, 0, 50_000),
            "I": (300_000, 0, 75_000),
            "VIP": (600_000, 0, 100_000),
        },
    ),
    (
        "VISITE",
        "Visite dokter spesialis",
        "ward",
        "action",
        "konsultasi",
        {"III": (0, 50_000, 0), "II": (0, 75_000, 0), "I": (0, 100_000, 0), "VIP": (0, 150_000, 0)},
    ),
    (
        "LAB-DL",
        "Darah lengkap",
        "lab",
        "action",
        "laboratorium",
        {
            "III": (40_000, 10_000, 5_000),
            "II": (45_000, 10_000, 5_000),
            "I": (50_000, 10_000, 5_000),
            "VIP": (60_000, 15_000, 5_000),
        },
    ),
    ("OBAT-PCT", "Parasetamol 500 mg", "pharmacy", "item", "obat", {"-": (500, 0, 0)}),
)

"""The PIHPS (Bank Indonesia) and SP2KP (Kemendag) staple foods, with unit and variant.

``(code, name, category, unit, variant, source)``; categories follow the
WFP/HDX food-price categories so the open data lines up with theirs.
"""

from __future__ import annotations

CEREALS = "cereals and tubers"
MEAT = "meat, fish and eggs"
VEG = "vegetables and fruits"
OIL = "oil and fats"
MISC = "miscellaneous food"
PULSES = "pulses and nuts"

COMMODITIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("beras_bawah_1", "Beras", CEREALS, "kg", "kualitas bawah I", "PIHPS"),
    ("beras_bawah_2", "Beras", CEREALS, "kg", "kualitas bawah II", "PIHPS"),
    ("beras_medium_1", "Beras", CEREALS, "kg", "kualitas medium I", "PIHPS"),
    ("beras_medium_2", "Beras", CEREALS, "kg", "kualitas medium II", "PIHPS"),
    ("beras_super_1", "Beras", CEREALS, "kg", "kualitas super I", "PIHPS"),
    ("beras_super_2", "Beras", CEREALS, "kg", "kualitas super II", "PIHPS"),
    ("daging_ayam_ras", "Daging ayam ras", MEAT, "kg", "segar", "PIHPS"),
    ("daging_sapi_1", "Daging sapi", MEAT, "kg", "kualitas I", "PIHPS"),
    ("daging_sapi_2", "Daging sapi", MEAT, "kg", "kualitas II", "PIHPS"),
    ("telur_ayam_ras", "Telur ayam ras", MEAT, "kg", "segar", "PIHPS"),
    ("bawang_merah", "Bawang merah", VEG, "kg", "ukuran sedang", "PIHPS"),
    ("bawang_putih", "Bawang putih", VEG, "kg", "ukuran sedang", "PIHPS"),
    ("cabai_merah_besar", "Cabai merah", VEG, "kg", "besar", "PIHPS"),
    ("cabai_merah_keriting", "Cabai merah", VEG, "kg", "keriting", "PIHPS"),
    ("cabai_rawit_hijau", "Cabai rawit", VEG, "kg", "hijau", "PIHPS"),
    ("cabai_rawit_merah", "Cabai rawit", VEG, "kg", "merah", "PIHPS"),
    ("gula_pasir_premium", "Gula pasir", MISC, "kg", "kualitas premium", "PIHPS"),
    ("gula_pasir_lokal", "Gula pasir", MISC, "kg", "lokal", "PIHPS"),
    ("minyak_goreng_curah", "Minyak goreng", OIL, "liter", "curah", "PIHPS"),
    ("minyak_goreng_kemasan_1", "Minyak goreng", OIL, "liter", "kemasan bermerk I", "PIHPS"),
    ("minyak_goreng_kemasan_2", "Minyak goreng", OIL, "liter", "kemasan bermerk II", "PIHPS"),
    ("tepung_terigu", "Tepung terigu", CEREALS, "kg", "curah", "SP2KP"),
    ("kedelai_impor", "Kedelai", PULSES, "kg", "impor", "SP2KP"),
    ("minyakita", "MinyaKita", OIL, "liter", "kemasan sederhana", "SP2KP"),
)

#: Typical retail prices (Rp per unit, Central Java, 2026), for the demo and plausibility.
TYPICAL_PRICE: dict[str, int] = {
    "beras_bawah_1": 12_000,
    "beras_bawah_2": 11_500,
    "beras_medium_1": 13_500,
    "beras_medium_2": 13_000,
    "beras_super_1": 15_500,
    "beras_super_2": 15_000,
    "daging_ayam_ras": 36_000,
    "daging_sapi_1": 130_000,
    "daging_sapi_2": 120_000,
    "telur_ayam_ras": 28_000,
    "bawang_merah": 38_000,
    "bawang_putih": 40_000,
    "cabai_merah_besar": 45_000,
    "cabai_merah_keriting": 42_000,
    "cabai_rawit_hijau": 40_000,
    "cabai_rawit_merah": 50_000,
    "gula_pasir_premium": 18_500,
    "gula_pasir_lokal": 17_500,
    "minyak_goreng_curah": 17_000,
    "minyak_goreng_kemasan_1": 20_000,
    "minyak_goreng_kemasan_2": 19_000,
    "tepung_terigu": 12_500,
    "kedelai_impor": 11_500,
    "minyakita": 15_700,
}

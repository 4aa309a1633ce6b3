"""Synthetic but valid residents for demos, tests and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

MALE_NAMES = (
    "Agus",
    "Bambang",
    "Budi",
    "Dwi",
    "Eko",
    "Fajar",
    "Hadi",
    "Joko",
    "Slamet",
    "Sugeng",
    "Suparno",
    "Sutrisno",
    "Teguh",
    "Wahyu",
    "Yusuf",
    "Rizki",
    "Arif",
    "Bayu",
    "Dimas",
    "Heru",
)
FEMALE_NAMES = (
    "Ani",
    "Dewi",
    "Endang",
    "Fitri",
    "Indah",
    "Lestari",
    "Ratna",
    "Siti",
    "Sri",
    "Sulastri",
    "Suwarni",
    "Tri",
    "Wulan",
    "Yuni",
    "Nur",
    "Rina",
    "Ayu",
    "Puji",
    "Kartini",
    "Murni",
)
FAMILY_NAMES = (
    "Wibowo",
    "Susanto",
    "Purnomo",
    "Santoso",
    "Hartono",
    "Saputra",
    "Rahayu",
    "Lestari",
    "Setiawan",
    "Nugroho",
    "Wijaya",
    "Kurniawan",
    "Pratama",
    "Hidayat",
    "Utami",
    "Handayani",
    "Suryani",
    "Prasetyo",
    "Haryanto",
    "Mulyani",
)
OCCUPATIONS = (
    "Petani",
    "Buruh Tani",
    "Wiraswasta",
    "Pedagang",
    "Guru",
    "Karyawan Swasta",
    "Pelajar/Mahasiswa",
    "Mengurus Rumah Tangga",
    "PNS",
    "Perangkat Desa",
)


def make_nik(kecamatan_code: str, birth_date: date, sex: str, serial: int) -> str:
    """A NIK that follows every rule: region, birth date (women +40), serial 0001-9999."""
    if not 1 <= serial <= 9999:
        raise ValueError("serial must be 1-9999")
    region = kecamatan_code.replace(".", "")
    day = birth_date.day + (40 if sex == "F" else 0)
    return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


@dataclass(frozen=True)
class SyntheticResident:
    nik: str
    kk_number: str
    name: str
    birth_place: str
    birth_date: date
    sex: str
    religion: str
    marital_status: str
    occupation: str
    address: str
    rt: str
    rw: str
    desa_code: str


def synthetic_residents(
    villages: list[tuple[str, str]], count: int, seed: int = 3314
) -> Iterator[SyntheticResident]:
    """``count`` residents spread over ``villages`` (code, name), unique valid NIKs.

    Serials are assigned per (kecamatan, birth date, sex), so NIKs never collide.
    """
    rng = random.Random(seed)
    serials: dict[tuple[str, date, str], int] = {}
    start = date(1940, 1, 1)
    span = (date(2008, 12, 31) - start).days
    for i in range(count):
        desa_code, desa_name = villages[i % len(villages)]
        kecamatan = desa_code.rsplit(".", 1)[0]
        sex = "F" if rng.random() < 0.5 else "M"
        while True:
            born = start + timedelta(days=rng.randrange(span))
            key = (kecamatan, born, sex)
            serial = serials.get(key, 0) + 1
            if serial <= 9999:
                serials[key] = serial
                break
        given = rng.choice(FEMALE_NAMES if sex == "F" else MALE_NAMES)
        name = f"{given} {rng.choice(FAMILY_NAMES)}"
        kk_date = f"{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(0, 25):02d}"
        yield SyntheticResident(
            nik=make_nik(kecamatan, born, sex, serial),
            kk_number=f"{kecamatan.replace('.', '')}{kk_date}{rng.randrange(1, 9999):04d}",
            name=name,
            birth_place="Sragen" if rng.random() < 0.7 else desa_name,
            birth_date=born,
            sex=sex,
            religion="islam" if rng.random() < 0.95 else rng.choice(("kristen", "katolik")),
            marital_status="kawin" if born.year < 1995 else "belum_kawin",
            occupation=rng.choice(OCCUPATIONS),
            address=f"Dukuh {desa_name}",
            rt=f"{rng.randrange(1, 15):03d}",
            rw=f"{rng.randrange(1, 8):03d}",
            desa_code=desa_code,
        )

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
    family_relation: str
    name: str
    birth_place: str
    birth_date: date
    sex: str
    religion: str
    marital_status: str
    occupation: str
    blood_type: str
    address: str
    rt: str
    rw: str
    desa_code: str


#: Household sizes of the synthetic population, and how often each occurs.
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS = (10, 20, 25, 25, 12, 8)
#: Blood types as often as in Indonesia's population, and "" for an unknown type.
BLOOD_TYPES = ("O", "B", "A", "AB", "")
BLOOD_WEIGHTS = (34, 24, 20, 7, 15)
_LAST_BIRTH = date(2008, 12, 31)  # everyone is of KTP age


def _day_in_year(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _household(rng: random.Random, size: int) -> list[tuple[str, str, date, str]]:
    """(relation, sex, birth date, marital status) of a household's members, head first."""
    head_born = _day_in_year(rng, rng.randrange(1940, 1986))
    head_sex = "M" if rng.random() < 0.85 else "F"
    members = []
    spouse = size > 1 and rng.random() < 0.9
    head_marital = "kawin" if spouse else rng.choice(("belum_kawin", "cerai_mati", "cerai_hidup"))
    members.append(("kepala_keluarga", head_sex, head_born, head_marital))
    if spouse:
        born = _day_in_year(rng, min(head_born.year + rng.randrange(-3, 6), 1990))
        relation, sex = ("istri", "F") if head_sex == "M" else ("suami", "M")
        members.append((relation, sex, born, "kawin"))
    while len(members) < size:
        year = min(head_born.year + rng.randrange(20, 41), _LAST_BIRTH.year)
        born = min(_day_in_year(rng, year), _LAST_BIRTH)
        marital = "kawin" if born.year < 1990 and rng.random() < 0.5 else "belum_kawin"
        members.append(("anak", "F" if rng.random() < 0.5 else "M", born, marital))
    return members


def synthetic_residents(
    villages: list[tuple[str, str]], count: int, seed: int = 3314
) -> Iterator[SyntheticResident]:
    """``count`` residents in households spread over ``villages`` (code, name).

    Each household shares a family card (KK) with one head of the family,
    a spouse mostly, and children; NIK and KK serials are assigned per
    (kecamatan, date[, sex]), so numbers never collide.
    """
    rng = random.Random(seed)
    serials: dict[tuple[str, date, str], int] = {}
    kk_serials: dict[tuple[str, str], int] = {}
    made = 0
    households = 0
    while made < count:
        desa_code, desa_name = villages[households % len(villages)]
        households += 1
        kecamatan = desa_code.rsplit(".", 1)[0]
        while True:
            kk_date = _day_in_year(rng, rng.randrange(2000, 2025)).strftime("%d%m%y")
            kk_serial = kk_serials.get((kecamatan, kk_date), 0) + 1
            if kk_serial <= 9999:
                kk_serials[(kecamatan, kk_date)] = kk_serial
                break
        kk_number = f"{kecamatan.replace('.', '')}{kk_date}{kk_serial:04d}"
        family_name = rng.choice(FAMILY_NAMES)
        religion = "islam" if rng.random() < 0.95 else rng.choice(("kristen", "katolik"))
        address = f"Dukuh {desa_name}"
        rt, rw = f"{rng.randrange(1, 15):03d}", f"{rng.randrange(1, 8):03d}"
        size = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0]
        for relation, sex, born, marital in _household(rng, size):
            if made == count:
                break
            while True:
                serial = serials.get((kecamatan, born, sex), 0) + 1
                if serial <= 9999:
                    serials[(kecamatan, born, sex)] = serial
                    break
                born += timedelta(days=1)
            given = rng.choice(FEMALE_NAMES if sex == "F" else MALE_NAMES)
            made += 1
            yield SyntheticResident(
                nik=make_nik(kecamatan, born, sex, serial),
                kk_number=kk_number,
                family_relation=relation,
                name=f"{given} {family_name}",
                birth_place="Sragen" if rng.random() < 0.7 else desa_name,
                birth_date=born,
                sex=sex,
                religion=religion,
                marital_status=marital,
                occupation=rng.choice(OCCUPATIONS),
                blood_type=rng.choices(BLOOD_TYPES, BLOOD_WEIGHTS)[0],
                address=address,
                rt=rt,
                rw=rw,
                desa_code=desa_code,
            )

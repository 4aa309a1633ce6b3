"""The distribution carries every package and its data."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).parent.parent
MAPPING = {"core": "pamong", "plugins": "pamong_plugins"}


def _listed_packages() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return {line.strip() for line in parser["options"]["packages"].splitlines() if line.strip()}


def _package_folders() -> set[str]:
    found = set()
    for folder, import_name in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            if "tests" in init.relative_to(ROOT / folder).parts:
                continue
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([import_name, *rel.parts]))
    return found


def test_every_package_folder_is_listed_in_setup_cfg():
    assert _package_folders() - _listed_packages() == set()


def test_every_listed_package_exists():
    assert _listed_packages() - _package_folders() == set()


def test_region_table_ships_with_its_licence_notice():
    data = ROOT / "core" / "data"
    assert (data / "wilayah.csv").exists()
    assert "MIT" in (data / "LICENSE-wilayah.txt").read_text("utf-8")

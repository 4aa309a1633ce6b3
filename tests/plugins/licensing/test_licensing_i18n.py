"""The licensing catalogs (domain ``licensing``): complete in id and en, in step with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[3]
CATALOGS = ROOT / "plugins" / "licensing" / "translations"


def catalog(locale: str):
    with (CATALOGS / locale / "LC_MESSAGES" / "licensing.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["id", "en"])
def test_every_string_is_translated_and_none_is_fuzzy(locale):
    cat = catalog(locale)
    assert not cat.fuzzy
    assert [m.id for m in cat if m.id and (not m.string or m.fuzzy)] == []


def test_indonesian_has_a_single_plural_form():
    assert catalog("id").num_plurals == 1


@pytest.mark.parametrize("locale", ["id", "en"])
def test_catalogs_match_the_strings_in_the_code(tmp_path, locale):
    pot = tmp_path / "licensing.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            *("-k", "_l", "-k", "lazy_gettext", "-k", "N_"),
            "--no-location",
            "-o",
            str(pot),
            str(ROOT / "plugins" / "licensing"),
        ],
        check=True,
    )
    with pot.open("rb") as handle:
        expected = {m.id for m in read_po(handle) if m.id}
    found = {m.id for m in catalog(locale) if m.id}
    assert expected - found == set(), "update the licensing catalogs (docs/licensing/admins.md)"
    assert found - expected == set(), "obsolete entries in the licensing catalogs"


@pytest.mark.pamong_plugins("licensing")
def test_the_catalogue_page_is_indonesian_by_default(client):
    html = client.get("/licensing/catalogue").get_data(as_text=True)
    assert "Layanan perizinan" in html and "Siapa menerbitkan apa" in html

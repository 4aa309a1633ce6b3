"""Translations: complete catalogs in id and en, kept in step with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
CATALOGS = ROOT / "core" / "translations"
LOCALES = ("id", "en")


def catalog(locale: str):
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def msgids(cat) -> set:
    return {m.id for m in cat if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_core_string_is_translated(locale):
    def translated(message) -> bool:
        return all(message.string) if message.pluralizable else bool(message.string)

    untranslated = [m.id for m in catalog(locale) if m.id and not translated(m)]
    assert untranslated == []


@pytest.mark.parametrize("locale", LOCALES)
def test_no_translation_is_fuzzy(locale):
    cat = catalog(locale)
    assert not cat.fuzzy, "a fuzzy catalog header makes pybabel compile skip the catalog"
    assert [m.id for m in cat if m.id and m.fuzzy] == []


def test_indonesian_has_a_single_plural_form():
    assert catalog("id").num_plurals == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogs_match_the_strings_in_the_code(tmp_path, locale):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            str(ROOT / "core"),
        ],
        check=True,
    )
    with pot.open("rb") as handle:
        expected = msgids(read_po(handle))
    found = msgids(catalog(locale))
    assert expected - found == set(), "run the catalog update (docs: translations)"
    assert found - expected == set(), "obsolete entries: run the catalog update"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_pages_are_in_indonesian_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Masuk petugas" in page
    assert '<html lang="id">' in page


def test_the_language_switch_is_remembered(client):
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Staff login" in client.get("/login").get_data(as_text=True)
    assert "Staff login" in client.get("/").get_data(as_text=True)


def test_an_unknown_language_is_ignored(client):
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/lang", data={"lang": "fr", "csrf_token": token})
    assert "Masuk petugas" in client.get("/login").get_data(as_text=True)


def test_a_plugin_catalog_is_merged(enable_plugins, make_user):
    app = enable_plugins("example")
    with app.app_context():
        from flask_babel import force_locale

        from pamong.i18n import gettext

        with app.test_request_context(), force_locale("id"):
            assert gettext("Hello from a plugin") == "Halo dari plugin"
            assert gettext("Residents") == "Penduduk"

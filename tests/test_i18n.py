"""Translations: complete catalogs in id and en, kept in step with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
LOCALES = ("id", "en")
#: (source folder, catalog folder, domain): the core and every built-in plugin.
COMPONENTS = [(ROOT / "core", ROOT / "core" / "translations", "messages")] + [
    (folder, folder / "translations", folder.name)
    for folder in sorted((ROOT / "plugins").iterdir())
    if (folder / "translations").is_dir()
]
CASES = [(src, cats, domain, locale) for src, cats, domain in COMPONENTS for locale in LOCALES]
IDS = [f"{domain}-{locale}" for _, _, domain, locale in CASES]


def catalog(catalogs: Path, domain: str, locale: str):
    with (catalogs / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def msgids(cat) -> set:
    return {m.id for m in cat if m.id}


def test_every_built_in_plugin_has_catalogs():
    plugins = [p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists()]
    assert {p.name for p in plugins} <= {domain for _, _, domain in COMPONENTS}


@pytest.mark.parametrize(("source", "catalogs", "domain", "locale"), CASES, ids=IDS)
def test_every_string_is_translated(source, catalogs, domain, locale):
    def translated(message) -> bool:
        return all(message.string) if message.pluralizable else bool(message.string)

    untranslated = [m.id for m in catalog(catalogs, domain, locale) if m.id and not translated(m)]
    assert untranslated == []


@pytest.mark.parametrize(("source", "catalogs", "domain", "locale"), CASES, ids=IDS)
def test_no_translation_is_fuzzy(source, catalogs, domain, locale):
    cat = catalog(catalogs, domain, locale)
    assert not cat.fuzzy, "a fuzzy catalog header makes pybabel compile skip the catalog"
    assert [m.id for m in cat if m.id and m.fuzzy] == []


@pytest.mark.parametrize(("source", "catalogs", "domain"), COMPONENTS)
def test_indonesian_has_a_single_plural_form(source, catalogs, domain):
    assert catalog(catalogs, domain, "id").num_plurals == 1


@pytest.mark.parametrize(("source", "catalogs", "domain", "locale"), CASES, ids=IDS)
def test_catalogs_match_the_strings_in_the_code(tmp_path, source, catalogs, domain, locale):
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
            str(source),
        ],
        check=True,
    )
    with pot.open("rb") as handle:
        expected = msgids(read_po(handle))
    found = msgids(catalog(catalogs, domain, locale))
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


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("id", "Tidak ditemukan", "Tidak ada apa pun di alamat ini."),
        ("en", "Not found", "There is nothing at this address."),
    ],
)
def test_an_api_problem_speaks_one_language(client, language, title, detail):
    response = client.get("/api/v1/nothing-here", headers={"Accept-Language": language})
    body = response.json
    assert response.status_code == 404
    assert (body["title"], body["detail"]) == (title, detail)


def test_a_service_refusal_has_its_title_in_the_language_of_its_detail(client):
    response = client.get("/api/v1/residents/3314011208900001", headers={"Accept-Language": "id"})
    assert response.status_code == 401 and response.json["title"] == "Perlu masuk"


def test_a_plugin_catalog_is_merged(enable_plugins, make_user):
    app = enable_plugins("example")
    with app.app_context():
        from flask_babel import force_locale

        from pamong.i18n import gettext

        with app.test_request_context(), force_locale("id"):
            assert gettext("Hello from a plugin") == "Halo dari plugin"
            assert gettext("Residents") == "Penduduk"


#: msgids translated differently by two catalogs, seen and left: the catalogs are merged
#: into one, so every page shows the last plugin's reading (plugins in id order), and
#: each of these reads acceptably wherever it appears. Add none: give the new string a
#: msgid of its own ("Went home", not "Home"), or the same Indonesian as the others.
KNOWN_OVERLAPS = frozenset(
    {
        "%(file)s is empty.", "%(number)s is closed.", "%(what)s must be whole rupiah.",
        "A month is written YYYY-MM.", "Account", "Answer", "Apply online", "Archive",
        "Balance", "Bill", "By", "By unit", "Check", "Choose a new password", "Closed",
        "Confirmed", "Description", "Document verification", "Due", "Due date",
        "Family card (KK)", "Fee", "From", "Give the reason.", "Holder", "Mobile phone",
        "More", "No org unit %(code)s.", "Open", "Place", "Register", "Reply",
        "Satisfaction survey", "The code is wrong, used or expired: ask for a new one.",
        "The e-mail address is not valid.", "The phone number is not valid.", "Total",
        "Until (empty: open)", "When", "closed", "inactive", "open", "read", "sent",
    }
)  # fmt: skip


def test_no_new_msgid_means_two_things_across_catalogs():
    """One merged catalog serves every page: a msgid two catalogs translate
    differently shows one reading everywhere (the RSUD's "Home", a patient who
    went home, once titled the portal's home page "Pulang")."""
    readings: dict[str, dict[str, str]] = {}
    for _source, catalogs, domain in COMPONENTS:
        for message in catalog(catalogs, domain, "id"):
            if message.id and message.string:
                key = message.id if isinstance(message.id, str) else message.id[0]
                text = message.string if isinstance(message.string, str) else message.string[0]
                readings.setdefault(key, {})[domain] = text
    overlaps = {key: seen for key, seen in readings.items() if len(set(seen.values())) > 1}
    new = {key: seen for key, seen in overlaps.items() if key not in KNOWN_OVERLAPS}
    assert not new, new
    stale = sorted(KNOWN_OVERLAPS - set(overlaps))
    assert not stale, stale  # the list stays true: drop what was resolved

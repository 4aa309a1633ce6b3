"""What an Indonesian page must not show: English words from the catalogs, or raw codes.

:func:`english_leaks` looks for the English msgids whose Indonesian msgstr
differs or is empty (so a string left untranslated, or rendered outside a
gettext call, shows up); :func:`raw_codes` for snake_case tokens such as ``moved_out``,
which a page shows when it prints a status or event code instead of its label.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: English fragments shorter than this many letters are too often part of Indonesian
#: text or names (``No``, ``OK``) to be told apart from it.
MIN_LETTERS = 4


def _catalogs() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("core/translations/id/LC_MESSAGES/*.po"),
            *ROOT.glob("plugins/*/translations/id/LC_MESSAGES/*.po"),
        ]
    )


def _pairs() -> list[tuple[str, str]]:
    """(English, Indonesian) of every message of every Indonesian catalog."""
    pairs: list[tuple[str, str]] = []
    for path in _catalogs():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="id")
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):  # an empty msgstr shows the English
                pairs.extend(zip(message.id, message.string, strict=False))
            else:
                pairs.append((message.id, message.string or ""))
    return pairs


@cache
def english_phrases() -> frozenset[str]:
    """The literal pieces of msgids that no catalog uses in its Indonesian text.

    "Total" is English in most catalogs ("Jumlah") and Indonesian in one
    (pdam: "Total"): a piece found in any Indonesian msgstr is not a leak.
    """
    pairs = _pairs()
    indonesian_text = "\n".join(indonesian for _english, indonesian in pairs)
    phrases: set[str] = set()
    for english, _indonesian in pairs:
        for piece in PLACEHOLDER.split(english):
            piece = piece.strip(" .,:;!?()*·–-\n")
            if sum(c.isalpha() for c in piece) >= MIN_LETTERS and piece not in indonesian_text:
                phrases.add(piece)
    return frozenset(phrases)


@cache
def _pattern() -> re.Pattern[str]:
    # Longest first, whole words only, case as written (an Indonesian sentence never
    # starts a word with the capital of an English msgid by accident often enough).
    words = sorted(english_phrases(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def english_leaks(text: str) -> list[str]:
    """English catalog phrases found in ``text`` (the visible text of a page)."""
    return sorted(set(_pattern().findall(text)))


def raw_codes(text: str) -> list[str]:
    """snake_case tokens in ``text``: codes shown instead of their labels."""
    return sorted(set(SNAKE_CASE.findall(text)))


def check_page(page: Any, shot: Path, area: str = "main", allow: tuple[str, ...] = ()) -> None:
    """A browser page reads in Indonesian only, with labels for codes; a screenshot for people.

    ``page`` is a Playwright page, ``shot`` where its full-page screenshot
    goes, ``area`` the part of the page whose text is checked (with its title),
    leaving out ``<code>`` (addresses and parameters an API user types);
    ``allow`` English words the page's own data uses ("Site Plan" in a
    permit's official name).
    """
    page.screenshot(path=str(shot), full_page=True)
    text = f"{page.title()}\n{page.inner_text(area)}"
    for code in page.locator(f"{area} code").all_inner_texts():
        text = text.replace(code, " ")
    leaks = [leak for leak in english_leaks(text) if leak not in allow]
    assert leaks == [], f"English on {shot.name}: {leaks}"
    assert raw_codes(text) == [], f"raw codes on {shot.name}: {raw_codes(text)}"

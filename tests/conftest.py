"""Test setup: the example plugin is installed from tests/plugin_site.

The fixtures themselves (app, client, login_as, …) come from Pamong's
pytest plugin, ``pamong.testing``, exactly as a plugin author gets them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PLUGIN_SITE = Path(__file__).parent / "plugin_site"
sys.path.insert(0, str(PLUGIN_SITE))
collect_ignore = ["plugin_site"]


def _compile_catalogs(root: Path) -> None:
    for po_path in root.rglob("LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


_compile_catalogs(PLUGIN_SITE)


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--update-visual",
        action="store_true",
        help="record the reference screenshots of tests/visual instead of comparing",
    )

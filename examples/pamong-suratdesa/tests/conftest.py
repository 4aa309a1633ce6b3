"""Pamong's pytest plugin gives these tests their fixtures: ``app`` (a fresh Sragen, 33.14,
instance with the plugins of the ``pamong_plugins`` marker), ``client``, ``db_session``,
``login_as``, ``bearer``, ``make_user``, ``make_org_unit``, ``make_resident``.

The catalogs are compiled here, so the tests see translations in a source checkout too.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import pamong_suratdesa


def _compile_catalogs(root: Path) -> None:
    for po_path in root.rglob("LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


_compile_catalogs(Path(pamong_suratdesa.__file__).parent / "translations")

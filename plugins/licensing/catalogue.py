"""The seed catalogue and delegations (package data files), and reading catalogue files.

``data/catalogue.csv`` is a one-stop office list at the scale of Sragen's
(permits and non-permit services with legal basis, requirements, SOP
working days and fee rules; most are free since UU 28/2009 and PP 6/2021);
``data/delegations.csv`` the services the bupati delegated to the camat or
the desa, for every kecamatan or some. Regencies edit them in the browser
or import their own files: this is data, not rules.
"""

from __future__ import annotations

import csv
from importlib import resources
from typing import Any

from pamong.plugin import (
    InvalidInput,
    TooDeep,
    _,
    contains_nul,
    csv_dict_reader,
    load_json,
    nul_line,
)

#: The seed files shipped with the plugin (package data, not code).
CATALOGUE_FILE = "data/catalogue.csv"
DELEGATIONS_FILE = "data/delegations.csv"


def _data_file(name: str) -> tuple[str, bytes]:
    path = resources.files("pamong_plugins.licensing").joinpath(name)
    return name, path.read_bytes()


def typical_rows() -> list[dict[str, Any]]:
    """The seed catalogue (Sragen's one-stop office: 63 permits, 10 non-permit services)."""
    return parse_catalogue_file(*_data_file(CATALOGUE_FILE))


def typical_delegations() -> list[dict[str, Any]]:
    """The seed delegations to kecamatan and desa (PATEN, Permendagri 4/2010)."""
    return parse_catalogue_file(*_data_file(DELEGATIONS_FILE))


def parse_catalogue_file(filename: str, data: bytes) -> list[dict[str, Any]]:
    """Rows of a catalogue file: JSON (a list of objects) or CSV with a header line.

    In CSV, ``requirements`` and ``stages`` are separated by ``;``. Text that
    no database column may hold (NUL characters) and JSON nested deeper than
    a catalogue ever is are refused with a 422, like any other bad file.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            _("The file is not UTF-8 text (line %(line)d).", line=line), slug="invalid-import"
        ) from None
    line = nul_line(text)
    if line is not None:
        raise InvalidInput(
            _("Line %(line)d holds a NUL character: the file is not a text file.", line=line),
            slug="invalid-import",
        )
    if filename.lower().endswith(".json"):
        try:
            rows = load_json(text, max_depth=4)
        except TooDeep:
            raise InvalidInput(
                _("The JSON file nests too deeply for a catalogue."), slug="invalid-import"
            ) from None
        except ValueError:
            raise InvalidInput(_("The file is not valid JSON."), slug="invalid-import") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput(_("A JSON catalogue is a list of objects."), slug="invalid-import")
        if contains_nul(rows):
            raise InvalidInput(_("The file holds a NUL character."), slug="invalid-import")
        return rows
    try:
        return list(csv_dict_reader(text))
    except csv.Error as exc:
        raise InvalidInput(
            _("The file is not valid CSV (%(problem)s).", problem=str(exc)), slug="invalid-import"
        ) from None

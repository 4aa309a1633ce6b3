"""Checks for hostile or broken input that the core and plugins share.

Bad input is a 4xx with a reason, never a 500: JSON nested deeper than any
of our documents, NUL characters (PostgreSQL refuses them in text), control
characters in uploaded file names (they end up in headers and logs).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Any

#: No request body or imported file of ours nests deeper than this.
MAX_JSON_DEPTH = 32


class TooDeep(ValueError):
    """A JSON document nests deeper than allowed."""


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep lists and objects nest in ``value`` (a scalar is 0); stops past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def load_json(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses deep nesting with :class:`TooDeep` (a ValueError).

    Invalid JSON raises ``ValueError`` as ``json.loads`` does; nesting past
    the interpreter's recursion limit, which ``json.loads`` reports as a
    RecursionError, is TooDeep as well.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if json_depth(value, max_depth) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def contains_nul(value: Any) -> bool:
    """True if a NUL character hides anywhere in a parsed document's keys or strings."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def nul_line(text: str) -> int | None:
    """The 1-based line of the first NUL character in ``text``, or None."""
    at = text.find("\x00")
    return None if at < 0 else text.count("\n", 0, at) + 1


def clean_filename(name: str, default: str = "document", limit: int = 200) -> str:
    """A file name safe to store and show: no folders, no control characters (CR, LF, NUL…)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    name = " ".join(name.split()).strip(". ")
    return name[-limit:] or default


#: The separators a spreadsheet writes in a CSV file: a comma; a semicolon where
#: the decimal mark is a comma (Excel in the Indonesian locale); a tab.
CSV_DELIMITERS = (",", ";", "\t")


def csv_delimiter(header: str) -> str:
    """The separator of a CSV file, told from its header line (outside quotes).

    ``nik;name;birth_date`` (Excel with Indonesian settings) gives ``";"``; a
    header with none of them gives ``","``.
    """
    counts = dict.fromkeys(CSV_DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_dict_reader(text: str) -> csv.DictReader:
    """The rows of a CSV text with a header line, as dicts, whatever its separator.

    The separator is told from the header (:func:`csv_delimiter`), so a file
    saved by Excel with Indonesian settings (semicolons) reads like any other.
    """
    header = text.partition("\n")[0]
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=csv_delimiter(header))

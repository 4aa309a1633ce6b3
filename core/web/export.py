"""Downloads of the tables staff print: CSV and Excel (XLSX, via openpyxl).

A report page offers both: XLSX opens in Excel with numbers as numbers
whatever the locale; CSV (UTF-8 with a byte-order mark, so Excel reads the
accents) suits scripts and other tools.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request

#: The formats :func:`table_download` writes.
FORMATS = ("csv", "xlsx")
#: The most rows a list's download holds (a regency's month of work fits; a whole
#: registry does not belong in a spreadsheet).
EXPORT_LIMIT = 50_000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_download(
    stem: str, header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str
) -> Response:
    """``rows`` under ``header`` as ``<stem>.csv`` or ``<stem>.xlsx`` (``fmt``), as a download.

    Raises ValueError for another format: callers offer only :data:`FORMATS`.
    """
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        body, mimetype = buffer.getvalue().encode("utf-8"), "text/csv"
    elif fmt == "xlsx":
        from openpyxl import Workbook  # 0.15 s to import: only when a download asks

        book = Workbook(write_only=True)
        sheet = book.create_sheet(stem[:31])
        sheet.append([str(title) for title in header])
        for row in rows:
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        body, mimetype = out.getvalue(), XLSX_MIME
    else:
        raise ValueError(f"unknown table format {fmt!r}")
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


def download_format() -> str | None:
    """The table format the request asks for (``?format=csv`` or ``?format=xlsx``), else None.

    A list page answers its own URL with ``format`` added by a download of the
    rows it shows, filters kept (the ``downloads`` macro of ``_lists.html`` links it)::

        fmt = download_format()
        if fmt:
            rows = session.scalars(stmt.limit(EXPORT_LIMIT))
            return table_download("invoices", header, [row_of(r) for r in rows], fmt)
    """
    fmt = request.args.get("format")
    return fmt if fmt in FORMATS else None


__all__ = ["EXPORT_LIMIT", "FORMATS", "download_format", "table_download"]

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

from flask import Response

#: The formats :func:`table_download` writes.
FORMATS = ("csv", "xlsx")
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


__all__ = ["FORMATS", "table_download"]

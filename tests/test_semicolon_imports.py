"""Excel set to Indonesian saves CSV with semicolons: every import reads those files.

The residents import (tests/test_import.py) and the licensing catalogue
(tests/plugins/licensing/test_licensing_web.py) have their own tests; these
cover the bank statement of the billing reconciliation and the portal's
legal-document import.
"""

from __future__ import annotations

import os

from click.testing import CliRunner
from sqlalchemy import select

from pamong.cli import main
from pamong.testing import build_app
from pamong_plugins.billing.reconcile import read_statement
from pamong_plugins.portal.models import LegalDocument


def test_a_bank_statement_with_semicolons_and_decimal_commas_is_read():
    statement = (
        "date;reference;amount;description\n"
        '2026-11-02;INV-2026-000001;"150.000";"Setoran, loket 1"\n'
        "2026-11-03;INV-2026-000002;Rp 25.000;\n"
    )
    rows, problems = read_statement(statement)
    assert problems == []
    assert [(r["reference"], r["amount"], r["description"]) for r in rows] == [
        ("INV-2026-000001", 150_000, "Setoran, loket 1"),
        ("INV-2026-000002", 25_000, ""),
    ]


def test_the_legal_import_reads_a_semicolon_file(tmp_path):
    app = build_app(tmp_path / "instance", ["portal"])
    app.extensions["pamong"].db.dispose()
    path = tmp_path / "jdih.csv"
    path.write_text(
        "doc_type;number;year;title;subject;enacted_on\n"
        'perda;4;2006;"Retribusi Pelayanan Pasar; Kebersihan";pasar;2006-05-02\n',
        encoding="utf-8-sig",
    )
    url = os.environ.get("PAMONG_TEST_DATABASE_URL")  # the CLI reads pamong.toml: say where
    runner = CliRunner(env={"PAMONG_DATABASE_URL": url} if url else None)
    result = runner.invoke(
        main, ["--instance", str(tmp_path / "instance"), "portal", "legal-import", str(path)]
    )
    assert result.exit_code == 0, result.output
    with app.extensions["pamong"].db.session() as session:
        [doc] = session.scalars(select(LegalDocument)).all()
    assert (doc.number, doc.year, doc.title) == ("4", 2006, "Retribusi Pelayanan Pasar; Kebersihan")

    bad = tmp_path / "bad.csv"
    bad.write_text("doc_type;number;year;title\nqanun;1;2026;Pasar\n", encoding="utf-8")
    result = runner.invoke(
        main, ["--instance", str(tmp_path / "instance"), "portal", "legal-import", str(bad)]
    )
    assert result.exit_code == 1
    assert "Error: line 2: Unknown document type." in result.output  # one language: English
    app.extensions["pamong"].db.dispose()

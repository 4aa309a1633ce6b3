"""``pamong residents import``: streaming CSV import that explains every rejected row."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from pamong.accounts.permissions import Actor
from pamong.accounts.services import actor_for, load_user
from pamong.audit.models import AuditEntry
from pamong.cli import main
from pamong.errors import InvalidInput
from pamong.identity.importer import import_residents
from pamong.identity.models import DuplicateCandidate, Resident
from pamong.identity.synthetic import make_nik

HEADER = "nik,name,birth_place,birth_date,sex,desa_code,religion,rt,rw"
SYSTEM = Actor.system("test")


def nik(serial: int, kecamatan: str = "33.14.01", born=date(1990, 8, 12), sex="M") -> str:
    return make_nik(kecamatan, born, sex, serial)


def write(tmp_path, *lines, name="penduduk.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes("\n".join([header, *lines]).encode(encoding) + b"\n")
    return path


def run(app, path, actor=SYSTEM, **kwargs):
    return import_residents(app.extensions["pamong"].db, path, actor, **kwargs)


def residents(db_session):
    return db_session.scalars(select(Resident).order_by(Resident.nik)).all()


def rejects(summary):
    with summary.reject_path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_valid_rows_are_imported(app, tmp_path, db_session):
    path = write(
        tmp_path,
        f"{nik(1)},Budi Santoso,Sragen,1990-08-12,L,33.14.01.2001,Islam,001,002",
        f"{nik(2, born=date(1992, 1, 5), sex='F')},Sri Lestari,Sragen,05-01-1992,P,"
        "33.14.01.2001,islam,,",
    )
    summary = run(app, path)
    assert (summary.read, summary.imported, summary.rejected) == (2, 2, 0)
    assert summary.reject_path is None
    budi, sri = residents(db_session)
    assert (budi.name, budi.sex, budi.religion, budi.rt) == ("Budi Santoso", "M", "islam", "001")
    assert (sri.sex, sri.birth_date) == ("F", date(1992, 1, 5))
    assert budi.domicile.code == "33.14.01.2001"


def test_an_import_leaves_the_planner_statistics_of_the_registry(app, tmp_path, db_session):
    """SQLite plans a scoped search villages-first only once ``ANALYZE`` has run."""
    db = app.extensions["pamong"].db
    run(app, write(tmp_path, f"{nik(1)},Budi Santoso,Sragen,1990-08-12,L,33.14.01.2001,,,"))
    if db.is_sqlite:
        with db.engine.connect() as conn:
            analysed = conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'residents'"
            ).scalar()
        assert analysed
    else:
        with db.engine.connect() as conn:
            analysed = conn.exec_driver_sql(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'residents'"
            ).scalar()
        assert analysed is not None


def test_bad_rows_go_to_the_reject_file_with_line_and_reason(app, tmp_path, db_session):
    path = write(
        tmp_path,
        f"{nik(1)},Budi Santoso,Sragen,1990-08-12,L,33.14.01.2001,,,",
        "12345,Short Nik,Sragen,1990-08-12,L,33.14.01.2001,,,",
        f"{nik(3)},Bad Date,Sragen,31-02-1990,L,33.14.01.2001,,,",
        f"{nik(4)},Bad Desa,Sragen,1990-08-12,L,33.14.99.9999,,,",
        f"{nik(5)},Bad Sex,Sragen,1990-08-12,X,33.14.01.2001,,,",
        f"{nik(6)},Too,Few,Fields",
    )
    summary = run(app, path)
    assert (summary.imported, summary.rejected) == (1, 5)
    assert summary.reject_path == tmp_path / "penduduk.rejects.csv"
    rows = rejects(summary)
    assert [(r["line"], r["reason"]) for r in rows] == [
        ("3", "NIK must be 16 digits"),
        ("4", "birth_date '31-02-1990' is not a valid date (YYYY-MM-DD or DD-MM-YYYY)"),
        ("5", "desa_code '33.14.99.9999' is not a desa/kelurahan of this regency"),
        ("6", "sex 'X' must be L/P or M/F"),
        ("7", "4 fields, the header has 9"),
    ]
    assert rows[0]["name"] == "Short Nik"
    assert len(residents(db_session)) == 1


def test_a_legacy_nik_that_breaks_the_rules_is_imported_flagged(app, tmp_path, db_session):
    legacy = "3314013208900001"  # birth day 32 does not exist
    summary = run(app, write(tmp_path, f"{legacy},Lama,Sragen,1990-08-12,L,33.14.01.2001,,,"))
    assert (summary.imported, summary.flagged) == (1, 1)
    (resident,) = residents(db_session)
    assert resident.needs_review
    assert "bad_birth_day" in resident.nik_issues


def test_a_nik_that_disagrees_with_the_record_is_imported_with_a_warning(app, tmp_path, db_session):
    path = write(tmp_path, f"{nik(1)},Budi,Sragen,1990-08-13,P,33.14.01.2001,,,")
    assert run(app, path).imported == 1
    (resident,) = residents(db_session)
    assert not resident.needs_review
    assert set(resident.nik_issues) == {"birth_date_mismatch", "sex_mismatch"}


def test_running_the_same_file_twice_imports_nothing_twice(app, tmp_path, db_session):
    path = write(
        tmp_path,
        f"{nik(1)},Budi Santoso,Sragen,1990-08-12,L,33.14.01.2001,,,",
        f"{nik(2)},Agus Wibowo,Sragen,1990-08-12,L,33.14.01.2001,,,",
        f"{nik(2)},Agus Again,Sragen,1990-08-12,L,33.14.01.2001,,,",
    )
    first = run(app, path)
    second = run(app, path)
    assert (first.imported, first.skipped_existing, first.duplicates_in_file) == (2, 0, 1)
    assert (second.imported, second.skipped_existing, second.duplicates_in_file) == (0, 2, 1)
    assert len(residents(db_session)) == 2


def test_small_batches_give_the_same_result(app, tmp_path, db_session):
    lines = [f"{nik(i)},Warga {i},Sragen,1990-08-12,L,33.14.01.2001,,," for i in range(1, 12)]
    summary = run(app, write(tmp_path, *lines), batch_size=3)
    assert summary.imported == 11
    assert len(residents(db_session)) == 11


def test_progress_adds_up_to_the_file_size(app, tmp_path):
    lines = [f"{nik(i)},Warga {i},Sragen,1990-08-12,L,33.14.01.2001,,," for i in range(1, 12)]
    path = write(tmp_path, *lines)
    seen = []
    run(app, path, batch_size=4, progress=seen.append)
    assert sum(seen) == path.stat().st_size
    assert len(seen) >= 3


def test_a_missing_required_column_stops_before_importing(app, tmp_path, db_session):
    path = write(tmp_path, f"{nik(1)},Budi", header="nik,name")
    with pytest.raises(InvalidInput, match="lacks the column\\(s\\) birth_place, birth_date"):
        run(app, path)
    assert residents(db_session) == []


def test_a_file_that_is_not_utf8_is_refused_clearly(app, tmp_path):
    path = write(
        tmp_path, f"{nik(1)},Dédé,Sragen,1990-08-12,L,33.14.01.2001,,,", encoding="latin-1"
    )
    with pytest.raises(InvalidInput, match="is not UTF-8 text"):
        run(app, path)


def test_a_byte_order_mark_is_accepted(app, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + f"{HEADER}\n{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,,,\n".encode()
    )
    assert run(app, path).imported == 1


def test_excel_in_the_indonesian_locale_separates_with_semicolons(app, tmp_path, db_session):
    header = HEADER.replace(",", ";")
    path = write(
        tmp_path,
        f'{nik(1)};"Santoso, Budi";Sragen;12-08-1990;L;33.14.01.2001;Islam;1;2',
        f"{nik(2)};Joko;Sragen;1990-08-12;L;33.14.01.2001;;;;",  # one field too many
        header=header,
    )
    summary = run(app, path)
    assert (summary.imported, summary.rejected) == (1, 1)
    assert [r.name for r in residents(db_session)] == ["Santoso, Budi"]
    assert rejects(summary)[0]["line"] == "3"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nik,name", ","),
        ("nik;name;alamat", ";"),
        ('nik;"nama, lengkap";rt', ";"),
        ("nik\tname", "\t"),
        ("nik", ","),
    ],
)
def test_the_separator_is_told_from_the_header(header, expected):
    from pamong.plugin import csv_delimiter

    assert csv_delimiter(header) == expected


def test_a_scoped_officer_imports_only_into_their_kecamatan(app, tmp_path, make_user, db_session):
    user = make_user("registrar", "33.14.01")
    actor = actor_for(load_user(db_session, user.id))
    db_session.rollback()  # end the read: on SQLite an open transaction holds the write lock
    path = write(
        tmp_path,
        f"{nik(1)},Di Kalijambe,Sragen,1990-08-12,L,33.14.01.2001,,,",
        f"{nik(2, '33.14.02')},Di Plupuh,Sragen,1990-08-12,L,33.14.02.2001,,,",
    )
    summary = run(app, path, actor=actor)
    assert (summary.imported, summary.rejected) == (1, 1)
    assert "outside the units you may import into" in rejects(summary)[0]["reason"]


def test_possible_duplicates_are_queued_after_the_import(app, tmp_path, db_session):
    path = write(
        tmp_path,
        f"{nik(1)},Siti Aminah,Sragen,1983-07-21,P,33.14.01.2001,,,",
        f"{nik(1, '33.14.02', date(1983, 7, 21), 'F')},SITI  AMINAH,sragen,1983-07-21,P,"
        "33.14.02.2001,,,",
    )
    assert run(app, path).duplicates_queued == 1
    assert db_session.scalar(select(func.count()).select_from(DuplicateCandidate)) == 1


def test_the_import_is_audited_once(app, tmp_path, db_session):
    run(app, write(tmp_path, f"{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,,,"))
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "resident.import")
    ).one()
    assert entry.detail["imported"] == 1
    assert entry.detail["file"] == "penduduk.csv"


@pytest.mark.pamong_plugins("example")
def test_plugins_hear_about_each_imported_resident(app, tmp_path, db_session):
    from pamong_example.models import Note

    run(app, write(tmp_path, f"{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,,,"))
    assert db_session.scalars(select(Note.text)).all() == ["registered Budi"]


def test_the_cli_prints_a_summary_and_the_reject_file(tmp_path):
    instance = tmp_path / "instance"
    password = tmp_path / "pw"
    password.write_text("kabupaten-sragen-1")
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "--instance",
            str(instance),
            "init",
            "--region",
            "33.14",
            "--admin-password-file",
            str(password),
        ],
    )
    assert result.exit_code == 0, result.output
    path = write(
        tmp_path,
        f"{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,,,",
        "1,Bad,Sragen,1990-08-12,L,33.14.01.2001,,,",
    )
    result = runner.invoke(main, ["--instance", str(instance), "residents", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Read 2 rows: 1 imported (0 flagged for review), 0 already registered, 1 rejected" in (
        result.output
    )
    assert "penduduk.rejects.csv" in result.output


def test_the_cli_names_a_missing_column(tmp_path):
    instance = tmp_path / "instance"
    password = tmp_path / "pw"
    password.write_text("kabupaten-sragen-1")
    runner = CliRunner()
    runner.invoke(
        main,
        [
            "--instance",
            str(instance),
            "init",
            "--region",
            "33.14",
            "--admin-password-file",
            str(password),
        ],
    )
    path = write(tmp_path, "1,x", header="nik,name")
    result = runner.invoke(main, ["--instance", str(instance), "residents", "import", str(path)])
    assert result.exit_code == 1
    # One language: click's "Error:" and the importer's reason both in English.
    assert "Error: penduduk.csv lacks the column(s) birth_place, birth_date, sex, desa_code" in (
        result.output
    )


def test_a_family_card_gets_one_living_head_across_batches_and_the_registry(
    app, tmp_path, db_session, make_resident
):
    kk, other_kk, registered_kk = "3314012001900001", "3314012001900002", "3314012001900003"
    make_resident(
        nik=nik(90), kk_number=registered_kk, family_relation="kepala_keluarga", name="Paimin"
    )
    header = "nik,name,birth_place,birth_date,sex,desa_code,kk_number,family_relation,status"
    row = "{nik},{name},Sragen,1990-08-12,L,33.14.01.2001,{kk},{relation},{status}"
    lines = [
        row.format(nik=nik(1), name="Budi", kk=kk, relation="kepala_keluarga", status=""),
        row.format(nik=nik(2), name="Joko", kk=kk, relation="anak", status=""),
        row.format(nik=nik(3), name="Slamet", kk=other_kk, relation="kepala_keluarga", status=""),
        row.format(nik=nik(4), name="Agus", kk=kk, relation="kepala_keluarga", status=""),
        row.format(nik=nik(5), name="Darmo", kk=kk, relation="kepala_keluarga", status="deceased"),
        row.format(
            nik=nik(6), name="Tono", kk=registered_kk, relation="kepala_keluarga", status=""
        ),
    ]
    path = write(tmp_path, *lines, header=header)
    summary = run(app, path, batch_size=2)  # line 5 sits in another batch than line 2
    assert (summary.imported, summary.rejected) == (4, 2)
    assert [(r["line"], r["reason"]) for r in rejects(summary)] == [
        ("5", f"KK {kk} already has a head of the family on line 2"),
        ("7", f"KK {registered_kk} already has a head of the family in the registry"),
    ]
    assert run(app, path, batch_size=2).skipped_existing == 4  # the same file again: no new error


def test_an_unquoted_field_over_the_size_limit_refuses_the_whole_file(app, tmp_path, db_session):
    """A file without quotes skips the csv module's check unless a line is too long for it."""
    path = write(
        tmp_path,
        f"{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,,,",
        f"{nik(2)},{'x' * 200_000},Sragen,1990-08-12,L,33.14.01.2001,,,",
    )
    with pytest.raises(InvalidInput, match="line 3: not valid CSV"):
        run(app, path, batch_size=1)
    assert residents(db_session) == []


def test_the_scan_measures_lines_across_its_blocks(tmp_path):
    from pamong.identity.importer import _scan

    short = b"a,b\n" * 250_000  # 1,000,000 bytes: the next line crosses the 1 MB block
    path = tmp_path / "long.csv"
    path.write_bytes(short + b"y" * 140_000 + b"\nz\n")
    with path.open("rb") as raw:
        scan = _scan(raw)
    assert (scan.text, scan.quoted, scan.longest_line) == (True, False, 140_000)
    path.write_bytes(b'a,"b"\n\xff\n')
    with path.open("rb") as raw:
        assert not _scan(raw).text


def test_the_cli_import_runs_on_the_app_without_its_web_parts(tmp_path):
    """``create_base_app``: database, plugins, translations; no pages, API or login."""
    from pamong.appbase import create_base_app
    from pamong.config import ConfigError
    from pamong.migrate import SchemaNotCurrent

    with pytest.raises(ConfigError, match="No Pamong instance"):
        create_base_app(tmp_path / "nowhere")
    instance = tmp_path / "instance"
    password = tmp_path / "pw"
    password.write_text("kabupaten-sragen-1")
    runner = CliRunner()
    init = ["--instance", str(instance), "init", "--region", "33.14"]
    assert runner.invoke(main, [*init, "--admin-password-file", str(password)]).exit_code == 0
    app = create_base_app(instance)
    try:
        assert app.blueprints == {}
        assert [rule.endpoint for rule in app.url_map.iter_rules()] == ["static"]
        db = app.extensions["pamong"].db
        with app.app_context():
            summary = import_residents(
                db, write(tmp_path, f"{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,,,"), SYSTEM
            )
        assert summary.imported == 1
        with db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(AuditEntry)) >= 1
            session.execute(text("UPDATE alembic_version SET version_num = 'core_0001'"))
    finally:
        app.extensions["pamong"].db.dispose()
    with pytest.raises(SchemaNotCurrent):
        create_base_app(instance)


def test_the_base_app_and_the_rest_module_agree_on_the_api_prefix():
    from pamong import appbase, rest

    assert appbase._API_PREFIX == rest.API_PREFIX


def test_a_nik_repeated_as_a_family_head_in_a_later_batch_is_rejected_as_repeated(
    app, tmp_path, db_session
):
    """The batch is first inserted as if no NIK were registered; the unique index says no."""
    kk = "3314012001900001"
    header = "nik,name,birth_place,birth_date,sex,desa_code,kk_number,family_relation"
    path = write(
        tmp_path,
        f"{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,{kk},anak",
        f"{nik(2)},Joko,Sragen,1990-08-12,L,33.14.01.2001,{kk},anak",
        f"{nik(1)},Budi,Sragen,1990-08-12,L,33.14.01.2001,{kk},kepala_keluarga",
        header=header,
    )
    summary = run(app, path, batch_size=1)
    assert (summary.imported, summary.duplicates_in_file, summary.skipped_existing) == (2, 1, 0)
    assert [(r["line"], r["reason"]) for r in rejects(summary)] == [
        ("4", f"NIK {nik(1)} is already on an earlier line of this file")
    ]
    assert [r.family_relation for r in residents(db_session)] == ["anak", "anak"]


def test_the_collector_is_paused_for_the_block_only():
    import gc

    from pamong.gcpause import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_each_bad_coded_field_is_named_even_after_good_rows_with_the_same_values(app, tmp_path):
    """The converter remembers coded fields' values; a bad one is never remembered."""
    ok = "Sragen,1990-08-12,L,33.14.01.2001,Islam,001,002"
    path = write(
        tmp_path,
        f"{nik(1)},Budi,{ok}",
        f"{nik(2)},Joko,{ok.replace('Islam', 'Jedi')}",
        f"{nik(3)},Agus,{ok.replace('001,002', '0001,002')}",
        f"{nik(4)},Tono,{ok.replace('Islam,001', 'Jedi,0001')}",
        f"{nik(5)},Darmo,{ok}",
    )
    summary = run(app, path)
    assert (summary.imported, summary.rejected) == (2, 3)
    assert [(r["line"], r["reason"].split(" ")[0]) for r in rejects(summary)] == [
        ("3", "religion"),
        ("4", "rt"),
        ("5", "religion"),  # the first bad field of the row, as before
    ]


def test_a_command_can_spare_its_exit_the_collector(monkeypatch):
    import atexit
    import gc

    from pamong.gcpause import no_collection_at_exit

    registered: list = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(
        atexit, "unregister", lambda f: registered.remove(f) if f in registered else 0
    )
    no_collection_at_exit()
    no_collection_at_exit()
    assert registered == [gc.freeze]  # once, however many commands a process runs

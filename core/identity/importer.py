"""Bulk import of residents from CSV: streaming, idempotent, every bad row explained.

A first pass reads the whole file: a file that is not UTF-8 text, holds a
NUL character or is not CSV is refused with the line number before a single
row is written, so a broken file never leaves half an import behind. Then
valid rows are inserted in batches (one transaction per batch); NIKs already
registered are skipped, so running the same file twice imports nothing
twice. Rows that cannot be imported go to a reject file with their line
number and the reason, among them a NIK that appears twice in the file and
a second living head of the family for one family card (KK), whether the
first is on an earlier line or already in the registry.
Legacy NIKs that are 16 digits but break the NIK rules are imported flagged
for review rather than dropped (DOMAIN.md).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.db import Database, utcnow
from pamong.errors import InvalidInput
from pamong.hookrelay import has_impls, hooks_of
from pamong.i18n import gettext as _
from pamong.identity.models import (
    BloodType,
    FamilyRelation,
    MaritalStatus,
    Religion,
    Resident,
    ResidentStatus,
)
from pamong.identity.nik import parse_nik
from pamong.identity.services import EARLIEST_BIRTH_DATE, normalise_key, screen_all_duplicates
from pamong.inputs import csv_delimiter
from pamong.orgunits.models import OrgUnit, OrgUnitKind

REQUIRED = ("nik", "name", "birth_place", "birth_date", "sex", "desa_code")
OPTIONAL = (
    "kk_number",
    "family_relation",
    "religion",
    "marital_status",
    "occupation",
    "blood_type",
    "address",
    "rt",
    "rw",
    "status",
)
PERMISSION = "core.residents.import"
_SEX = {"L": "M", "M": "M", "P": "F", "F": "F"}
_RELIGIONS = {m.value: m.value for m in Religion}
_MARITAL = {m.value: m.value for m in MaritalStatus}
_STATUSES = {m.value: m.value for m in ResidentStatus}
_RELATIONS = {m.value: m.value for m in FamilyRelation}
_BLOOD_TYPES = {m.value.lower(): m.value for m in BloodType}
_NIK_STRIP = str.maketrans("", "", " .-\t")
_IN_CHUNK = 900  # stay under every database's bound-parameter limit
_REMEMBERED = 100_000  # cleaned birth places and dates kept per import
_HEAD = FamilyRelation.KEPALA_KELUARGA.value
_LIVING = ResidentStatus.LIVING.value


@dataclass(frozen=True)
class ImportSummary:
    read: int
    imported: int
    skipped_existing: int
    flagged: int
    rejected: int
    duplicates_queued: int
    reject_path: Path | None
    duplicates_in_file: int = 0  # rows rejected because their NIK came earlier in the file


class RowError(ValueError):
    """A row that cannot be imported; the message is the reason."""


def _date(text: str) -> date:
    value = text.strip().replace("/", "-")
    try:
        if len(value) == 10 and value[4] == "-":
            return date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
        if len(value) == 10 and value[2] == "-":
            return date(int(value[6:10]), int(value[3:5]), int(value[0:2]))
    except ValueError:
        pass
    raise RowError(f"birth_date {text!r} is not a valid date (YYYY-MM-DD or DD-MM-YYYY)")


def _blood_type(raw: str) -> str | None:
    value = raw.strip()
    if not value or value == "-":  # SIAK exports print "-" for an unknown type
        return None
    found = _BLOOD_TYPES.get(value.lower())
    if found is None:
        raise RowError(f"blood_type {value!r} is not one of: {', '.join(BloodType)}")
    return found


def _choice(raw: str, field: str, allowed: dict[str, str]) -> str | None:
    found = allowed.get(raw)  # fast path: the value exactly as stored
    if found is not None or not raw:
        return found
    value = raw.strip().lower()
    if not value:
        return None
    if value not in allowed:
        raise RowError(f"{field} {value!r} is not one of: {', '.join(sorted(allowed))}")
    return value


def _digits(value: str, field: str, sizes: tuple[int, ...]) -> str | None:
    if not value:
        return None
    if not (len(value) in sizes and value.isascii() and value.isdigit()):
        value = value.strip()
        if not value:
            return None
        if not (len(value) in sizes and value.isascii() and value.isdigit()):
            raise RowError(f"{field} {value!r} must be {' or '.join(map(str, sizes))} digits")
    return value


class _Converter:
    """Turns one CSV row into the values of a ``residents`` row (or raises RowError).

    It reads the fields by their position in the header; a column the file
    lacks reads as empty. Birth places and dates repeat across a regency's
    rows: their cleaned forms are remembered (up to ``_REMEMBERED`` each).
    """

    def __init__(
        self, header: list[str], units: dict[str, tuple[int, str]], actor: Actor, today: date
    ) -> None:
        position = {name: index for index, name in enumerate(header)}
        absent = len(header)  # each row gets one empty field at the end for them
        self.fields = itemgetter(*(position.get(c, absent) for c in (*REQUIRED, *OPTIONAL)))
        self.units = units
        self.scopes = None if actor.is_system else actor.scope_paths(PERMISSION)
        self.today = today
        self.places: dict[str, tuple[str, str]] = {}
        self.dates: dict[str, date] = {}

    def __call__(self, row: list[str]) -> dict[str, Any]:
        (
            nik,
            name,
            birth_place,
            birth_text,
            sex_text,
            code,
            kk_number,
            family_relation,
            religion,
            marital_status,
            occupation,
            blood_type,
            address,
            rt,
            rw,
            status,
        ) = self.fields([*row, ""])
        if not (len(nik) == 16 and nik.isascii() and nik.isdigit()):
            nik = nik.translate(_NIK_STRIP)
            if len(nik) != 16 or not (nik.isascii() and nik.isdigit()):
                raise RowError("NIK must be 16 digits")
        name = " ".join(name.split())
        name_key = normalise_key(name)
        if not name_key:
            raise RowError("name is empty")
        place = self.places.get(birth_place)
        if place is None:
            cleaned = " ".join(birth_place.split())
            place = (cleaned, normalise_key(cleaned))
            if len(self.places) < _REMEMBERED:
                self.places[birth_place] = place
        birth_place, birth_place_key = place
        if not birth_place_key:
            raise RowError("birth_place is empty")
        birth_date = self.dates.get(birth_text)
        if birth_date is None:
            birth_date = _date(birth_text)
            if birth_date > self.today:
                raise RowError(f"birth_date {birth_date.isoformat()} lies in the future")
            if birth_date < EARLIEST_BIRTH_DATE:
                raise RowError(f"birth_date {birth_date.isoformat()} lies before 1900")
            if len(self.dates) < _REMEMBERED:
                self.dates[birth_text] = birth_date
        sex = _SEX.get(sex_text) or _SEX.get(sex_text.strip().upper())
        if sex is None:
            raise RowError(f"sex {sex_text!r} must be L/P or M/F")
        unit = self.units.get(code)
        if unit is None:
            code = code.strip()
            unit = self.units.get(code)
            if unit is None:
                raise RowError(f"desa_code {code!r} is not a desa/kelurahan of this regency")
        if self.scopes is not None and not any(unit[1].startswith(p) for p in self.scopes):
            raise RowError(f"desa_code {code.strip()!r} is outside the units you may import into")

        parsed = parse_nik(nik, reference_date=self.today, known_birth_date=birth_date)
        issues = [*parsed.errors, *parsed.warnings]
        if parsed.sex and parsed.sex != sex:
            issues.append("sex_mismatch")
        return {
            "nik": nik,
            "kk_number": _digits(kk_number, "kk_number", (16,)),
            "family_relation": _choice(family_relation, "family_relation", _RELATIONS),
            "name": name[:200],
            "name_key": name_key[:200],
            "birth_place": birth_place[:100],
            "birth_place_key": birth_place_key[:100],
            "birth_date": birth_date,
            "sex": sex,
            "religion": _choice(religion, "religion", _RELIGIONS),
            "marital_status": _choice(marital_status, "marital_status", _MARITAL),
            "occupation": occupation.strip()[:100] or None,
            "blood_type": _blood_type(blood_type) if blood_type else None,
            "address": address.strip()[:300],
            "rt": _digits(rt, "rt", (1, 2, 3)),
            "rw": _digits(rw, "rw", (1, 2, 3)),
            "domicile_unit_id": unit[0],
            "status": _choice(status, "status", _STATUSES) or _LIVING,
            "nik_issues": issues,
            "needs_review": not parsed.valid,
        }


class _CountingReader(io.RawIOBase):
    """Counts the bytes read so the caller can drive a progress bar."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n or 0


def _lines(raw: Any, path: Path) -> Iterator[str]:
    """The file's lines as text; invalid UTF-8 or a NUL character stops it with the line number."""
    for number, line in enumerate(raw, start=1):
        if b"\x00" in line:
            raise InvalidInput(
                _(
                    "%(file)s line %(line_num)s holds a NUL character: "
                    "it is not a text file; nothing was imported.",
                    file=path.name,
                    line_num=number,
                ),
                slug="invalid-file",
            )
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(
                _(
                    "%(file)s line %(line_num)s is not UTF-8 text; save it as CSV UTF-8. "
                    "Nothing was imported.",
                    file=path.name,
                    line_num=number,
                ),
                slug="invalid-file",
            ) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _rows(raw: Any, path: Path) -> Iterator[tuple[int, list[str]]]:
    lines = _lines(raw, path)
    first = next(lines, "")
    reader = csv.reader(chain((first,), lines), delimiter=csv_delimiter(first))
    try:
        for fields in reader:
            yield reader.line_num, fields
    except csv.Error as exc:
        raise _csv_error(path, reader.line_num, exc) from None


def _csv_error(path: Path, line: int, exc: csv.Error) -> InvalidInput:
    return InvalidInput(
        _(
            "%(file)s line %(line_num)s: not valid CSV (%(exc)s).",
            file=path.name,
            line_num=line,
            exc=exc,
        ),
        slug="invalid-file",
    )


def _checked_rows(raw: BinaryIO, path: Path) -> Iterator[tuple[int, list[str]]]:
    """The rows of a file :func:`check_file` passed: read by the C decoder and parser."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        reader = csv.reader(chain((first,), text), delimiter=csv_delimiter(first))
        try:
            for fields in reader:
                yield reader.line_num, fields
        except csv.Error as exc:
            raise _csv_error(path, reader.line_num, exc) from None
    finally:
        if not text.closed:
            text.detach()  # the caller closes the file


def _is_text(raw: BinaryIO) -> bool:
    """True when the whole file is UTF-8 without a NUL character (read in 1 MB blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := raw.read(1 << 20):
            if b"\x00" in block:
                return False
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def check_file(path: Path) -> None:
    """Read the whole file once: InvalidInput names the first line that is not CSV text.

    A file of UTF-8 text is checked in blocks and parsed by the csv module
    alone; only a file that is not is read line by line, to name the line.
    """
    with path.open("rb") as raw:
        if _is_text(raw):
            raw.seek(0)
            for _row in _checked_rows(raw, path):
                pass
            return
        raw.seek(0)
        for _row in _rows(raw, path):
            pass


def import_residents(
    db: Database,
    path: Path,
    actor: Actor,
    *,
    reject_path: Path | None = None,
    batch_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import residents from a CSV file (see the module docstring).

    Required columns: ``nik, name, birth_place, birth_date, sex, desa_code``;
    optional: ``kk_number, family_relation, religion, marital_status,
    occupation, blood_type, address, rt, rw, status``. ``progress(n)`` is
    called after each batch with the number of bytes read since the
    previous call.
    """
    reject_path = reject_path or path.with_name(f"{path.stem}.rejects.csv")
    check_file(path)
    with db.session() as session:
        kinds = (OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value)
        units = {
            code: (uid, upath)
            for code, uid, upath in session.execute(
                select(OrgUnit.code, OrgUnit.id, OrgUnit.path).where(OrgUnit.kind.in_(kinds))
            )
        }
        call_hooks = has_impls(session, "pamong_on_resident_registered")
    table = Resident.__table__
    counts = {"read": 0, "imported": 0, "skipped": 0, "flagged": 0, "rejected": 0, "twice": 0}
    #: Every row of this run shares one timestamp: a NIK found in the database
    #: with it came from an earlier line of this very file.
    stamp = utcnow()
    reject_file = None
    reject_writer: Any = None
    header: list[str] = []
    reported = 0
    #: The line of each family card's living head read so far in this file.
    head_lines: dict[str, int] = {}

    def reject(line: int, reason: str, fields: list[str]) -> None:
        nonlocal reject_file, reject_writer
        if reject_writer is None:
            reject_file = reject_path.open("w", newline="", encoding="utf-8")
            reject_writer = csv.writer(reject_file)
            reject_writer.writerow(["line", "reason", *header])
        reject_writer.writerow([line, reason, *fields])
        counts["rejected"] += 1

    def flush(batch: list[tuple[int, list[str], dict[str, Any]]]) -> None:
        if not batch:
            return
        with db.transaction() as tx:
            niks = list({values["nik"] for _l, _f, values in batch})
            existing = _registered(tx, niks, stamp)
            registered_heads = _living_heads(
                tx, {v["kk_number"] for _l, _f, v in batch if _is_head(v)}
            )
            lines: dict[str, int] = {}
            fresh: list[dict[str, Any]] = []
            for line, fields, values in batch:
                nik = values["nik"]
                if nik in lines or existing.get(nik):
                    earlier = f"line {lines[nik]}" if nik in lines else "an earlier line"
                    reject(line, f"NIK {nik} is already on {earlier} of this file", fields)
                    counts["twice"] += 1
                    continue
                lines[nik] = line
                if _is_head(values):
                    kk = values["kk_number"]
                    if kk in head_lines:
                        reason = (
                            f"KK {kk} already has a head of the family on line {head_lines[kk]}"
                        )
                        reject(line, reason, fields)
                        continue
                    if registered_heads.get(kk, nik) != nik:
                        reason = f"KK {kk} already has a head of the family in the registry"
                        reject(line, reason, fields)
                        continue
                    head_lines[kk] = line
                if nik in existing:
                    counts["skipped"] += 1
                    continue
                values["created_at"] = values["updated_at"] = stamp
                fresh.append(values)
            if fresh:
                try:
                    with tx.begin_nested():
                        _insert_many(tx, table, fresh)
                except IntegrityError:
                    fresh = _insert_one_by_one(tx, table, fresh, counts)
            counts["imported"] += len(fresh)
            counts["flagged"] += sum(1 for values in fresh if values["needs_review"])
            if call_hooks and fresh:
                relay = hooks_of(tx)
                stmt = select(Resident).where(Resident.nik.in_([v["nik"] for v in fresh]))
                for resident in tx.scalars(stmt):
                    relay.pamong_on_resident_registered(resident=resident, session=tx)

    try:
        with path.open("rb") as raw:
            counter = _CountingReader(raw)
            rows = _checked_rows(io.BufferedReader(counter), path)
            first = next(rows, None)
            if first is None:
                raise InvalidInput(_("%(file)s is empty.", file=path.name), slug="invalid-file")
            header = [name.strip().lower() for name in first[1]]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise InvalidInput(
                    _(
                        "%(file)s lacks the column(s) %(missing)s; required: %(required)s.",
                        file=path.name,
                        missing=", ".join(missing),
                        required=", ".join(REQUIRED),
                    ),
                    slug="invalid-file",
                )
            width = len(header)
            convert = _Converter(header, units, actor, date.today())
            batch: list[tuple[int, list[str], dict[str, Any]]] = []
            for line, fields in rows:
                if not "".join(fields).strip():
                    continue
                counts["read"] += 1
                if len(fields) != width:
                    reject(line, f"{len(fields)} fields, the header has {width}", fields)
                    continue
                try:
                    batch.append((line, fields, convert(fields)))
                except RowError as error:
                    reject(line, str(error), fields)
                if len(batch) >= batch_size:
                    flush(batch)
                    batch = []
                    if progress:
                        progress(counter.count - reported)
                        reported = counter.count
            flush(batch)
    finally:
        if reject_file is not None:
            reject_file.close()
    if progress:
        progress(path.stat().st_size - reported)

    with db.transaction() as session:
        queued = screen_all_duplicates(session)
        record(
            session,
            actor,
            "resident.import",
            "resident",
            None,
            file=path.name,
            read=counts["read"],
            imported=counts["imported"],
            rejected=counts["rejected"],
            skipped=counts["skipped"],
            flagged=counts["flagged"],
            duplicates_in_file=counts["twice"],
        )
    if counts["imported"]:
        db.analyze()  # the planner's statistics for the new rows (scope-first searches)
    return ImportSummary(
        read=counts["read"],
        imported=counts["imported"],
        skipped_existing=counts["skipped"],
        flagged=counts["flagged"],
        rejected=counts["rejected"],
        duplicates_queued=queued,
        reject_path=reject_path if counts["rejected"] else None,
        duplicates_in_file=counts["twice"],
    )


def _is_head(values: dict[str, Any]) -> bool:
    """A row that makes its person the living head of a family card."""
    return (
        values["family_relation"] == _HEAD
        and values["kk_number"] is not None
        and values["status"] == _LIVING
    )


#: Built once (SQLAlchemy caches their compiled form): the NIKs of a batch
#: already registered, and the living heads of a batch's family cards.
_REGISTERED = select(Resident.nik, Resident.created_at).where(
    Resident.nik.in_(bindparam("niks", expanding=True))
)


def _registered(tx: Any, niks: list[str], stamp: datetime) -> dict[str, bool]:
    """Which of ``niks`` the registry holds: NIK -> True when this run wrote it.

    On SQLite the query goes straight to the driver (a tenth of the import's
    time went to SQLAlchemy rendering the ``IN`` list of each chunk), the
    timestamp compared as the text :func:`_insert_many` writes.
    """
    found: dict[str, bool] = {}
    sqlite = tx.bind.dialect.name == "sqlite"
    if sqlite:
        connection = tx.connection()
        stamp_text = _sqlite_stamp(stamp)
    for start in range(0, len(niks), _IN_CHUNK):
        chunk = niks[start : start + _IN_CHUNK]
        if sqlite:
            sql = (
                "SELECT nik, created_at = ? FROM residents "
                f"WHERE nik IN ({', '.join('?' * len(chunk))})"
            )
            found.update(connection.exec_driver_sql(sql, (stamp_text, *chunk)).all())
        else:
            rows = tx.execute(_REGISTERED, {"niks": chunk})
            found.update((nik, created == stamp) for nik, created in rows)
    return {nik: bool(ours) for nik, ours in found.items()}


def _sqlite_stamp(stamp: datetime) -> str:
    """A timestamp as SQLAlchemy stores it on SQLite (naive UTC)."""
    return stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_LIVING_HEADS = select(Resident.kk_number, Resident.nik).where(
    Resident.kk_number.in_(bindparam("numbers", expanding=True)),
    Resident.family_relation == _HEAD,
    Resident.status == _LIVING,
)


def _living_heads(tx: Any, kk_numbers: set[str]) -> dict[str, str]:
    """KK number -> NIK of its living head, for those of ``kk_numbers`` the registry holds."""
    found: dict[str, str] = {}
    numbers = list(kk_numbers)
    for start in range(0, len(numbers), _IN_CHUNK):
        chunk = numbers[start : start + _IN_CHUNK]
        found.update(tx.execute(_LIVING_HEADS, {"numbers": chunk}).all())
    return found


def _insert_many(tx: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """One executemany for a batch.

    On SQLite the rows go straight to the driver in the formats SQLAlchemy
    itself stores (ISO dates, naive UTC timestamps, JSON text): per-row
    type processing would otherwise cost more than the insert.
    """
    if tx.bind.dialect.name != "sqlite":
        tx.execute(insert(table), rows)
        return
    columns = [c.name for c in table.columns if c.name != "id"]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    stamp = _sqlite_stamp(rows[0]["created_at"])
    pick = itemgetter(*columns)
    born, created, updated, issues, review = (
        columns.index(name)
        for name in ("birth_date", "created_at", "updated_at", "nik_issues", "needs_review")
    )
    lists: list[tuple[Any, ...]] = []
    for values in rows:
        row = list(pick(values))
        row[born] = row[born].isoformat()
        row[created] = row[updated] = stamp
        row[issues] = json.dumps(row[issues]) if row[issues] else "[]"
        row[review] = int(row[review])
        lists.append(tuple(row))
    tx.connection().exec_driver_sql(sql, lists)


def _insert_one_by_one(
    tx: Any, table: Any, rows: list[dict[str, Any]], counts: dict[str, int]
) -> list[dict[str, Any]]:
    """A concurrent writer registered some NIKs first: insert what is still free."""
    inserted = []
    for values in rows:
        try:
            with tx.begin_nested():
                _insert_many(tx, table, [values])
            inserted.append(values)
        except IntegrityError:
            counts["skipped"] += 1
    return inserted

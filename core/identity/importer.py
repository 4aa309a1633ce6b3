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
from dataclasses import dataclass, field
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
from pamong.gcpause import collector_paused
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
from pamong.identity.nik import birth_digits, kecamatan_is_known, parse_nik
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


#: The columns the converter fills, in the order of its tuples (then the two timestamps).
_COLUMNS = (
    "nik",
    "kk_number",
    "family_relation",
    "name",
    "name_key",
    "birth_place",
    "birth_place_key",
    "birth_date",
    "sex",
    "religion",
    "marital_status",
    "occupation",
    "blood_type",
    "address",
    "rt",
    "rw",
    "domicile_unit_id",
    "status",
    "nik_issues",
    "needs_review",
)
_NIK, _KK, _RELATION, _STATUS, _REVIEW = (
    _COLUMNS.index(c) for c in ("nik", "kk_number", "family_relation", "status", "needs_review")
)
_STAMPS = ("created_at", "updated_at")

#: A row as :class:`_Converter` gives it: the values of :data:`_COLUMNS` as
#: SQLite stores them (ISO date, JSON text, 0/1), ready for the driver.
Row = tuple[Any, ...]


class _Converter:
    """Turns one CSV row into the values of a ``residents`` row (or raises RowError).

    It reads the fields by their position in the header; a column the file
    lacks reads as empty. Birth places and dates repeat across a regency's
    rows: their cleaned forms are remembered (up to ``_REMEMBERED`` each),
    as is which NIK prefixes name a known kecamatan. The NIK is parsed only
    when it does not plainly agree with the row (see :func:`birth_digits`).
    The values are those of :data:`_COLUMNS`, in SQLite's storage forms.
    """

    def __init__(
        self, header: list[str], units: dict[str, tuple[int, str]], actor: Actor, today: date
    ) -> None:
        position = {name: index for index, name in enumerate(header)}
        absent = len(header)  # each row gets one empty field at the end for them
        positions = [position.get(c, absent) for c in (*REQUIRED, *OPTIONAL)]
        self.fields = itemgetter(*positions)
        self.pad = absent in positions
        self.units = units
        self.scopes = None if actor.is_system else actor.scope_paths(PERMISSION)
        self.today = today
        self.places: dict[str, tuple[str, str]] = {}
        #: birth date text -> (date, ISO text, the NIK's date digits for a man, for a woman)
        self.dates: dict[str, tuple[date, str, str, str]] = {}
        self.kecamatans: dict[str, bool] = {}
        #: (family_relation, religion, marital_status, blood_type) -> their values
        self.coded: dict[tuple[str, ...], tuple[str | None, ...]] = {}
        #: (rt, rw, status) -> their values
        self.local: dict[tuple[str, ...], tuple[str | None, ...]] = {}

    def _coded(
        self, relation: str, religion: str, marital: str, blood: str
    ) -> tuple[str | None, ...]:
        found = (
            _choice(relation, "family_relation", _RELATIONS),
            _choice(religion, "religion", _RELIGIONS),
            _choice(marital, "marital_status", _MARITAL),
            _blood_type(blood) if blood else None,
        )
        if len(self.coded) < _REMEMBERED:
            self.coded[relation, religion, marital, blood] = found
        return found

    def _local(self, rt: str, rw: str, status: str) -> tuple[str | None, ...]:
        found = (
            _digits(rt, "rt", (1, 2, 3)),
            _digits(rw, "rw", (1, 2, 3)),
            _choice(status, "status", _STATUSES) or _LIVING,
        )
        if len(self.local) < _REMEMBERED:
            self.local[rt, rw, status] = found
        return found

    def _birth_date(self, text: str) -> tuple[date, str, str, str]:
        found = self.dates.get(text)
        if found is None:
            born = _date(text)
            if born > self.today:
                raise RowError(f"birth_date {born.isoformat()} lies in the future")
            if born < EARLIEST_BIRTH_DATE:
                raise RowError(f"birth_date {born.isoformat()} lies before 1900")
            found = (born, born.isoformat(), birth_digits(born, "M"), birth_digits(born, "F"))
            if len(self.dates) < _REMEMBERED:
                self.dates[text] = found
        return found

    def _nik_issues(self, nik: str, born: date, date_digits: str, sex: str) -> tuple[str, int]:
        """The NIK's issues as JSON text and whether it needs review (1) or not (0)."""
        if date_digits == nik[6:12] and nik[12:] != "0000":
            known = self.kecamatans.get(nik[:6])
            if known is None:
                known = self.kecamatans[nik[:6]] = kecamatan_is_known(nik[:6])
            if known:
                return "[]", 0
        parsed = parse_nik(nik, reference_date=self.today, known_birth_date=born)
        issues = [*parsed.errors, *parsed.warnings]
        if parsed.sex and parsed.sex != sex:
            issues.append("sex_mismatch")
        return (json.dumps(issues) if issues else "[]"), int(not parsed.valid)

    def __call__(self, row: list[str]) -> Row:
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
        ) = self.fields([*row, ""] if self.pad else row)
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
        born, born_text, man_digits, woman_digits = self.dates.get(birth_text) or self._birth_date(
            birth_text
        )
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
        date_digits = man_digits if sex == "M" else woman_digits
        if date_digits == nik[6:12] and nik[12:] != "0000" and self.kecamatans.get(nik[:6]):
            issues, review = "[]", 0  # what _nik_issues says of it, without a call
        else:
            issues, review = self._nik_issues(nik, born, date_digits, sex)
        kk_number = _digits(kk_number, "kk_number", (16,))
        relation, religion, marital_status, blood_type = self.coded.get(
            (family_relation, religion, marital_status, blood_type)
        ) or self._coded(family_relation, religion, marital_status, blood_type)
        rt, rw, status = self.local.get((rt, rw, status)) or self._local(rt, rw, status)
        return (
            nik,
            kk_number,
            relation,
            name[:200],
            name_key[:200],
            birth_place[:100],
            birth_place_key[:100],
            born_text,
            sex,
            religion,
            marital_status,
            occupation.strip()[:100] or None,
            blood_type,
            address.strip()[:300],
            rt,
            rw,
            unit[0],
            status,
            issues,
            review,
        )


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


@dataclass
class _Scan:
    text: bool = True  # UTF-8 without a NUL character
    quoted: bool = False  # a double quote somewhere
    longest_line: int = 0  # in bytes


def _scan(raw: BinaryIO) -> _Scan:
    """Read the whole file in 1 MB blocks: is it text, does it quote, how long its lines."""
    found = _Scan()
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 0  # the bytes of the line a block ended in
    try:
        while block := raw.read(1 << 20):
            if b"\x00" in block:
                found.text = False
                return found
            decoder.decode(block)
            found.quoted = found.quoted or b'"' in block
            pieces = block.split(b"\n")
            longest = max(line + len(pieces[0]), *map(len, pieces[1:-1]), len(pieces[-1]))
            found.longest_line = max(found.longest_line, longest)
            line = len(pieces[-1]) + (line if len(pieces) == 1 else 0)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        found.text = False
    return found


def check_file(path: Path) -> None:
    """Read the whole file once: InvalidInput names the first line that is not CSV text.

    A file of UTF-8 text is checked in blocks; if it holds no double quote
    and no line longer than the csv module's field limit, the csv module
    cannot fail on it (a field ends at its line's end), and the check ends
    there. Else it is parsed by the csv module; only a file that is not
    text is read line by line, to name the line.
    """
    with path.open("rb") as raw:
        scan = _scan(raw)
        if scan.text and not scan.quoted and scan.longest_line <= csv.field_size_limit():
            return
        raw.seek(0)
        if scan.text:
            for _row in _checked_rows(raw, path):
                pass
            return
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

    def flush(batch: list[tuple[int, list[str], Row]]) -> None:
        if not batch:
            return
        with db.transaction() as tx:
            rows = [row for _l, _f, row in batch]
            registered_heads = _living_heads(
                tx, {row[_KK] for row in rows if row[_RELATION] == _HEAD and _is_head(row)}
            )
            # First as if no NIK of the batch were registered (an import's usual
            # case): the NIKs' unique index checks that while inserting, instead
            # of a look-up of each beforehand. The head rule's rejects are not
            # inserted: their NIKs are looked up (a few), as a registered one would
            # have been rejected for it instead.
            sorted_ = _sort_rows(batch, {}, registered_heads, head_lines)
            inserted = False
            if not _registered(tx, [row[_NIK] for _l, _r, row in sorted_.head_rejects], stamp):
                try:
                    with tx.begin_nested():
                        if sorted_.fresh:
                            _insert_many(tx, sorted_.fresh, stamp)
                        inserted = True
                except IntegrityError:
                    pass
            fresh = sorted_.fresh
            if not inserted:
                existing = _registered(tx, list(set(map(itemgetter(_NIK), rows))), stamp)
                sorted_ = _sort_rows(batch, existing, registered_heads, head_lines)
                fresh = sorted_.fresh
                if fresh:
                    try:
                        with tx.begin_nested():
                            _insert_many(tx, fresh, stamp)
                    except IntegrityError:
                        fresh = _insert_one_by_one(tx, fresh, stamp, counts)
            for line, reason, fields in sorted_.rejects:
                reject(line, reason, fields)
            head_lines.update(sorted_.heads)
            counts["twice"] += sorted_.twice
            counts["skipped"] += sorted_.skipped
            counts["imported"] += len(fresh)
            counts["flagged"] += sum(row[_REVIEW] for row in fresh)
            if call_hooks and fresh:
                relay = hooks_of(tx)
                stmt = select(Resident).where(Resident.nik.in_([row[_NIK] for row in fresh]))
                for resident in tx.scalars(stmt):
                    relay.pamong_on_resident_registered(resident=resident, session=tx)

    try:
        with collector_paused(), path.open("rb") as raw:
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
            batch: list[tuple[int, list[str], Row]] = []
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


@dataclass
class _Sorted:
    """A batch's rows sorted by :func:`_sort_rows`."""

    fresh: list[Row] = field(default_factory=list)
    rejects: list[tuple[int, str, list[str]]] = field(default_factory=list)  # in line order
    head_rejects: list[tuple[int, str, Row]] = field(default_factory=list)
    heads: dict[str, int] = field(default_factory=dict)  # KK number -> line of its new head
    twice: int = 0  # rejected: the NIK came on an earlier line
    skipped: int = 0  # registered before this import


def _sort_rows(
    batch: list[tuple[int, list[str], Row]],
    existing: dict[str, bool],
    registered_heads: dict[str, str],
    head_lines: dict[str, int],
) -> _Sorted:
    """Which rows of a batch to insert, reject (and why) or skip; changes nothing.

    ``existing``: the batch's registered NIKs (True: this import wrote it);
    ``registered_heads``: KK number -> NIK of its living head in the
    registry; ``head_lines``: KK number -> line of its head in this file so far.
    """
    found = _Sorted()
    lines: dict[str, int] = {}
    for line, fields, row in batch:
        nik = row[_NIK]
        if nik in lines or existing.get(nik):
            earlier = f"line {lines[nik]}" if nik in lines else "an earlier line"
            found.rejects.append((line, f"NIK {nik} is already on {earlier} of this file", fields))
            found.twice += 1
            continue
        lines[nik] = line
        if row[_RELATION] == _HEAD and _is_head(row):
            kk = row[_KK]
            head_line = head_lines.get(kk) or found.heads.get(kk)
            if head_line:
                reason = f"KK {kk} already has a head of the family on line {head_line}"
            elif registered_heads.get(kk, nik) != nik:
                reason = f"KK {kk} already has a head of the family in the registry"
            else:
                found.heads[kk] = line
                reason = ""
            if reason:
                found.rejects.append((line, reason, fields))
                found.head_rejects.append((line, reason, row))
                continue
        if nik in existing:
            found.skipped += 1
            continue
        found.fresh.append(row)
    return found


def _is_head(row: Row) -> bool:
    """A row that makes its person the living head of a family card."""
    return row[_RELATION] == _HEAD and row[_KK] is not None and row[_STATUS] == _LIVING


#: Built once (SQLAlchemy caches their compiled form): the NIKs of a batch
#: already registered, and the living heads of a batch's family cards.
_REGISTERED = select(Resident.nik, Resident.created_at).where(
    Resident.nik.in_(bindparam("niks", expanding=True))
)
_LIVING_HEADS = select(Resident.kk_number, Resident.nik).where(
    Resident.kk_number.in_(bindparam("numbers", expanding=True)),
    Resident.family_relation == _HEAD,
    Resident.status == _LIVING,
)
#: The same two on SQLite, for the driver (``{}``: the chunk's placeholders).
_REGISTERED_SQL = "SELECT nik, created_at = ? FROM residents WHERE nik IN ({})"
_LIVING_HEADS_SQL = (
    "SELECT kk_number, nik FROM residents "
    "WHERE family_relation = ? AND status = ? AND kk_number IN ({})"
)


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _driver_rows(tx: Any, sql: str, fixed: tuple[Any, ...], values: list[str]) -> list[Any]:
    """The rows of ``sql`` (``... IN ({})``) for every chunk of ``values``, on SQLite's driver.

    SQLAlchemy's rendering of the expanding ``IN`` lists cost a tenth of
    the import; the driver takes the placeholders as they are.
    """
    connection = tx.connection()
    found: list[Any] = []
    for chunk in _chunks(values):
        statement = sql.format(", ".join("?" * len(chunk)))
        found += connection.exec_driver_sql(statement, (*fixed, *chunk)).all()
    return found


def _registered(tx: Any, niks: list[str], stamp: datetime) -> dict[str, bool]:
    """Which of ``niks`` the registry holds: NIK -> True when this run wrote it.

    On SQLite the timestamp is compared as the text :func:`_insert_many` writes.
    """
    if tx.bind.dialect.name == "sqlite":
        rows = _driver_rows(tx, _REGISTERED_SQL, (_sqlite_stamp(stamp),), niks)
        return {nik: bool(ours) for nik, ours in rows}
    found: dict[str, bool] = {}
    for chunk in _chunks(niks):
        rows = tx.execute(_REGISTERED, {"niks": chunk})
        found.update((nik, created == stamp) for nik, created in rows)
    return found


def _sqlite_stamp(stamp: datetime) -> str:
    """A timestamp as SQLAlchemy stores it on SQLite (naive UTC)."""
    return stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _living_heads(tx: Any, kk_numbers: set[str]) -> dict[str, str]:
    """KK number -> NIK of its living head, for those of ``kk_numbers`` the registry holds."""
    numbers = list(kk_numbers)
    if tx.bind.dialect.name == "sqlite":
        return dict(_driver_rows(tx, _LIVING_HEADS_SQL, (_HEAD, _LIVING), numbers))
    found: dict[str, str] = {}
    for chunk in _chunks(numbers):
        found.update(tx.execute(_LIVING_HEADS, {"numbers": chunk}).all())
    return found


_INSERT_SQL = (
    f"INSERT INTO residents ({', '.join((*_COLUMNS, *_STAMPS))}) "
    f"VALUES ({', '.join('?' * (len(_COLUMNS) + len(_STAMPS)))})"
)


def _insert_many(tx: Any, rows: list[Row], stamp: datetime) -> None:
    """One executemany for a batch, every row stamped ``stamp``.

    On SQLite the rows go straight to the driver, already in the formats
    SQLAlchemy itself stores (ISO dates, naive UTC timestamps, JSON text):
    per-row type processing would otherwise cost more than the insert.
    """
    if tx.bind.dialect.name != "sqlite":
        tx.execute(insert(Resident.__table__), [_values(row, stamp) for row in rows])
        return
    stamps = (_sqlite_stamp(stamp),) * len(_STAMPS)
    tx.connection().exec_driver_sql(_INSERT_SQL, [row + stamps for row in rows])


def _values(row: Row, stamp: datetime) -> dict[str, Any]:
    """A converted row as the column values SQLAlchemy binds (other databases than SQLite)."""
    values = dict(zip(_COLUMNS, row, strict=True))
    values["birth_date"] = date.fromisoformat(values["birth_date"])
    values["nik_issues"] = json.loads(values["nik_issues"])
    values["needs_review"] = bool(values["needs_review"])
    values["created_at"] = values["updated_at"] = stamp
    return values


def _insert_one_by_one(
    tx: Any, rows: list[Row], stamp: datetime, counts: dict[str, int]
) -> list[Row]:
    """A concurrent writer registered some NIKs first: insert what is still free."""
    inserted = []
    for row in rows:
        try:
            with tx.begin_nested():
                _insert_many(tx, [row], stamp)
            inserted.append(row)
        except IntegrityError:
            counts["skipped"] += 1
    return inserted

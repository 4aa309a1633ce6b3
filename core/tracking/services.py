"""Opening tracked files, moving them through stages, and what the public sees."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pamong.accounts.permissions import Actor
from pamong.audit.services import record
from pamong.db import HotQuery, insert_many, insert_rows, utcnow
from pamong.errors import InvalidInput, NotFound
from pamong.hookrelay import has_impls, hooks_of
from pamong.hooks import TrackableKind
from pamong.i18n import gettext as _
from pamong.orgunits.models import OrgUnit
from pamong.tracking.models import ReceiptCounter, StatusEvent, TrackedItem

NUMBER_RE = re.compile(r"^([A-Z]{2,6})-(\d{4})-(\d{6})$")


def format_number(kind: str, year: int, seq: int) -> str:
    """A receipt number: ``format_number("LIC", 2026, 123)`` is ``LIC-2026-000123``."""
    return f"{kind}-{year:04d}-{seq:06d}"


def next_sequence(session: Session, kind: str, year: int, count: int = 1) -> int:
    """The next receipt sequence of ``kind`` in ``year``; safe under concurrency.

    One atomic ``UPDATE … RETURNING`` both locks and increments the
    counter row, so two desks never get the same number (the second waits
    for the first to commit). The row is created on the year's first
    number; when two desks create it at once, the loser counts on from it.
    ``count`` reserves that many numbers at once and returns the last of them.
    """
    bump = (
        update(ReceiptCounter)
        .where(ReceiptCounter.kind == kind, ReceiptCounter.year == year)
        .values(last=ReceiptCounter.last + count)
        .returning(ReceiptCounter.last)
        # Counter rows are never loaded as objects: skip scanning the session's
        # identity map, which made a long transaction's numbering quadratic.
        .execution_options(synchronize_session=False)
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is not None:
        return last
    try:
        with session.begin_nested():
            session.execute(insert(ReceiptCounter).values(kind=kind, year=year, last=count))
        return count
    except IntegrityError:
        return session.execute(bump).scalar_one()


def open_item(
    session: Session,
    actor: Actor,
    kind: TrackableKind,
    unit: OrgUnit,
    reference: str = "",
    stage: str | None = None,
    *,
    now: datetime | None = None,
) -> TrackedItem:
    """Give a new file its receipt number; it starts at ``stage`` (default: the first)."""
    stage = stage or kind.stages[0].code
    if kind.stage(stage) is None:
        raise InvalidInput(
            _("%(stage)s is not a stage of %(code)s.", stage=repr(stage), code=kind.code),
            slug="invalid-stage",
        )
    now = now or utcnow()
    seq = next_sequence(session, kind.code, now.year)
    item = TrackedItem(
        number=format_number(kind.code, now.year, seq),
        kind=kind.code,
        year=now.year,
        seq=seq,
        stage=stage,
        org_unit=unit,
        reference=reference[:100],
        opened_at=now,
        updated_at=now,
    )
    item.history.append(StatusEvent(stage=stage, at=now, actor_id=actor.user_id))
    session.add(item)
    session.flush()
    record(session, actor, "tracked_item.open", "tracked_item", item.number, org_unit_id=unit.id)
    hooks_of(session).pamong_on_status_changed(item=item, old=None, new=stage, session=session)
    return item


class OpenedItem(NamedTuple):
    """A file opened by :func:`open_items`: its id and receipt number."""

    id: int
    number: str


def open_items(
    session: Session,
    actor: Actor,
    kind: TrackableKind,
    units: Sequence[OrgUnit],
    references: Sequence[str] | None = None,
    stage: str | None = None,
    *,
    now: datetime | None = None,
) -> list[OpenedItem]:
    """Open many files at once (a monthly bill run): one per unit in ``units``, in order.

    The same files as :func:`open_item` gives one by one, written in bulk:
    the receipt numbers are reserved in one counter update, the files and
    their first steps inserted with one multi-row statement each, and one
    audit entry written per unit (the count and the first and last numbers).
    ``pamong_on_status_changed`` is called for each file only when a plugin
    implements it. Returns ``(id, number)`` pairs in the order of ``units``.
    """
    if not units:
        return []
    if references is not None and len(references) != len(units):
        raise ValueError("open_items needs one reference per unit")
    stage = stage or kind.stages[0].code
    if kind.stage(stage) is None:
        raise InvalidInput(
            _("%(stage)s is not a stage of %(code)s.", stage=repr(stage), code=kind.code),
            slug="invalid-stage",
        )
    now = now or utcnow()
    first = next_sequence(session, kind.code, now.year, len(units)) - len(units) + 1
    refs = references if references is not None else [""] * len(units)
    rows = [
        {
            "number": format_number(kind.code, now.year, first + n),
            "kind": kind.code,
            "year": now.year,
            "seq": first + n,
            "stage": stage,
            "org_unit_id": unit.id,
            "reference": ref[:100],
            "opened_at": now,
            "updated_at": now,
        }
        for n, (unit, ref) in enumerate(zip(units, refs, strict=True))
    ]
    session.flush()  # pending changes first: the inserts below bypass the unit of work
    ids = insert_many(session, TrackedItem, rows, key="number")
    opened = [OpenedItem(item_id, row["number"]) for item_id, row in zip(ids, rows, strict=True)]
    insert_rows(
        session,
        StatusEvent,
        [
            {"item_id": item.id, "stage": stage, "at": now, "actor_id": actor.user_id}
            for item in opened
        ],
    )
    by_unit: dict[int, list[str]] = {}
    for unit, item in zip(units, opened, strict=True):
        by_unit.setdefault(unit.id, []).append(item.number)
    for unit_id, numbers in by_unit.items():
        record(
            session,
            actor,
            "tracked_item.open_batch",
            "tracked_item",
            numbers[0],
            org_unit_id=unit_id,
            count=len(numbers),
            last=numbers[-1],
        )
    if has_impls(session, "pamong_on_status_changed"):
        hooks = hooks_of(session)
        ids = [item.id for item in opened]
        for start in range(0, len(ids), 500):
            for tracked in session.scalars(
                select(TrackedItem).where(TrackedItem.id.in_(ids[start : start + 500]))
            ):
                hooks.pamong_on_status_changed(item=tracked, old=None, new=stage, session=session)
    return opened


def move_to(
    session: Session,
    actor: Actor,
    item: TrackedItem,
    kind: TrackableKind,
    stage: str,
    note: str = "",
    *,
    public_note: str = "",
    close: bool = False,
    now: datetime | None = None,
) -> TrackedItem:
    """Move a file to ``stage`` (any stage of its kind: stages may be skipped).

    ``note`` is internal: only staff see it. ``public_note`` is the note to
    the applicant, the only text of a step the public tracker shows: never
    put personal data in it. ``now`` backdates the step (imports of paper
    files, demo data).
    """
    if kind.code != item.kind or kind.stage(stage) is None:
        raise InvalidInput(
            _("%(stage)s is not a stage of %(kind)s.", stage=repr(stage), kind=item.kind),
            slug="invalid-stage",
        )
    if item.closed_at is not None:
        raise InvalidInput(_("%(number)s is closed.", number=item.number), slug="item-closed")
    old, now = item.stage, now or utcnow()
    item.stage = stage
    item.updated_at = now
    if close:
        item.closed_at = now
    item.history.append(
        StatusEvent(
            stage=stage,
            at=now,
            actor_id=actor.user_id,
            note=note.strip()[:300],
            public_note=public_note.strip()[:300],
        )
    )
    session.flush()
    record(
        session,
        actor,
        "tracked_item.move",
        "tracked_item",
        item.number,
        org_unit_id=item.org_unit_id,
        old=old,
        new=stage,
    )
    hooks_of(session).pamong_on_status_changed(item=item, old=old, new=stage, session=session)
    return item


def move_items(
    session: Session,
    actor: Actor,
    items: Sequence[TrackedItem],
    kind: TrackableKind,
    stage: str,
    *,
    close: bool = False,
    now: datetime | None = None,
) -> None:
    """Move many files of ``kind`` to ``stage`` at once (a batch of paid invoices).

    What :func:`move_to` does for each (no notes), with the steps written in
    one multi-row insert and one audit entry per unit. A closed file, or one
    of another kind, raises ``InvalidInput`` before anything moves.
    """
    if kind.stage(stage) is None or any(item.kind != kind.code for item in items):
        raise InvalidInput(
            _("%(stage)s is not a stage of %(kind)s.", stage=repr(stage), kind=kind.code),
            slug="invalid-stage",
        )
    for item in items:
        if item.closed_at is not None:
            raise InvalidInput(_("%(number)s is closed.", number=item.number), slug="item-closed")
    if not items:
        return
    now = now or utcnow()
    old = {item.id: item.stage for item in items}
    for item in items:
        item.stage = stage
        item.updated_at = now
        if close:
            item.closed_at = now
    session.flush()
    session.execute(
        insert(StatusEvent),
        [{"item_id": i.id, "stage": stage, "at": now, "actor_id": actor.user_id} for i in items],
    )
    by_unit: dict[int, list[str]] = {}
    for item in items:
        session.expire(item, ["history"])
        by_unit.setdefault(item.org_unit_id, []).append(item.number)
    for unit_id, numbers in by_unit.items():
        record(
            session,
            actor,
            "tracked_item.move_batch",
            "tracked_item",
            numbers[0],
            org_unit_id=unit_id,
            new=stage,
            count=len(numbers),
            last=numbers[-1],
        )
    if has_impls(session, "pamong_on_status_changed"):
        hooks = hooks_of(session)
        for item in items:
            hooks.pamong_on_status_changed(item=item, old=old[item.id], new=stage, session=session)


def import_file(
    session: Session,
    actor: Actor,
    kind: TrackableKind,
    unit: OrgUnit,
    history: Sequence[tuple[str, datetime]],
    *,
    reference: str = "",
    closed: bool = False,
) -> TrackedItem:
    """Record a file that began before Pamong (a paper archive, demo data) with its past steps.

    ``history`` is the file's stages with the time each was reached, oldest
    first; the receipt number is taken in the year of the first step. No
    hook is called: these are not events happening now.
    """
    if not history:
        raise InvalidInput(_("A file needs at least one step."), slug="invalid-stage")
    for stage, _at in history:
        if kind.stage(stage) is None:
            raise InvalidInput(
                _("%(stage)s is not a stage of %(code)s.", stage=repr(stage), code=kind.code),
                slug="invalid-stage",
            )
    opened, (last_stage, last_at) = history[0][1], history[-1]
    seq = next_sequence(session, kind.code, opened.year)
    item = TrackedItem(
        number=format_number(kind.code, opened.year, seq),
        kind=kind.code,
        year=opened.year,
        seq=seq,
        stage=last_stage,
        org_unit=unit,
        reference=reference[:100],
        opened_at=opened,
        updated_at=last_at,
        closed_at=last_at if closed else None,
    )
    item.history.extend(StatusEvent(stage=stage, at=at) for stage, at in history)
    session.add(item)
    session.flush()
    record(session, actor, "tracked_item.import", "tracked_item", item.number, org_unit_id=unit.id)
    return item


class PublicStep(NamedTuple):
    """One step as the public sees it; ``note`` is the step's note to the applicant.

    Named tuples (immutable, as the frozen dataclasses they were, and made
    several times faster) since the public tracker builds them per request.
    """

    stage: str
    label: str
    at: datetime
    note: str


class PublicStatus(NamedTuple):
    """What anyone may know about a file: no names, NIKs, addresses or phones."""

    number: str
    kind: str
    kind_title: str
    stage: str
    stage_label: str
    unit: str
    opened_at: datetime
    closed: bool
    history: list[PublicStep]


_ITEMS = TrackedItem.__table__
_STEPS = StatusEvent.__table__
_UNITS = OrgUnit.__table__
#: The tracker's two queries, built once (their SQL is compiled once per database kind).
_PUBLIC_ITEM = HotQuery(
    select(
        _ITEMS.c.id,
        _ITEMS.c.kind,
        _ITEMS.c.stage,
        _ITEMS.c.opened_at,
        _ITEMS.c.closed_at,
        _UNITS.c.name,
    )
    .join(_UNITS, _UNITS.c.id == _ITEMS.c.org_unit_id)
    .where(_ITEMS.c.number == bindparam("number"))
)
_PUBLIC_STEPS = HotQuery(
    select(_STEPS.c.stage, _STEPS.c.at, _STEPS.c.public_note)
    .where(_STEPS.c.item_id == bindparam("item_id"))
    .order_by(_STEPS.c.id)
)


def _kind_texts(kind: TrackableKind) -> tuple[str, dict[str, str]]:
    """The kind's title and stage labels in the request's language, translated once per app."""
    locale = get_locale()  # a Locale (hashable): no need to spell it out per request
    cache = current_app.extensions.setdefault("pamong.tracker_texts", {})
    texts = cache.get((kind.code, locale))
    if texts is None:
        texts = cache[kind.code, locale] = (
            str(kind.title),
            {stage.code: str(stage.label) for stage in kind.stages},
        )
    return texts


def public_status(
    session: Session | Connection, number: str, kinds: dict[str, TrackableKind]
) -> PublicStatus:
    """The public view of a file by its receipt number (404 when unknown).

    Two queries, columns only (no ORM objects): the file with its unit's
    name, then its steps. ``session`` may be a Core connection
    (:meth:`~pamong.db.Database.read_connection`), as the public API uses.
    """
    number = number.strip().upper()
    conn = session.connection() if isinstance(session, Session) else session
    row = None
    if NUMBER_RE.match(number):
        row = _PUBLIC_ITEM.first(conn, {"number": number})
    kind = kinds.get(row.kind) if row is not None else None
    if row is None or kind is None:
        raise NotFound(_("No file with this receipt number."), slug="receipt-not-found")
    title, labels = _kind_texts(kind)
    steps = _PUBLIC_STEPS.rows(conn, {"item_id": row.id})
    return PublicStatus(
        number=number,
        kind=row.kind,
        kind_title=title,
        stage=row.stage,
        stage_label=labels.get(row.stage, row.stage),
        unit=row.name,
        opened_at=row.opened_at,
        closed=row.closed_at is not None,
        history=[
            PublicStep(stage, labels.get(stage, stage), at, public_note)
            for stage, at, public_note in steps
        ],
    )

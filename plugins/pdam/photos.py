"""Meter photos taken with a reading: JPEG or PNG, recognised by their bytes, at most 2 MB.

Stored in the database beside the reading (as the project keeps other
uploads), shown to whoever reviews a held reading.
"""

from __future__ import annotations

import base64
import binascii

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import Actor, InvalidInput, NotFound, _, utcnow
from pamong_plugins.pdam import services
from pamong_plugins.pdam.models import PdamReading, PdamReadingPhoto
from pamong_plugins.pdam.permissions import READER

MAX_PHOTO_BYTES = 2 * 1024 * 1024
#: Accepted types, by their first bytes (never by a name or a declared type).
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def decode(value: bytes | str) -> bytes:
    """Raw bytes from bytes, base64 or a ``data:image/...;base64,`` URL; 422 for bad base64."""
    if isinstance(value, bytes):
        return value
    payload = value.partition("base64,")[2] or value
    try:
        return base64.b64decode(payload.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            _("The meter photo is not valid base64."), slug="invalid-photo", field="photo"
        ) from None


def photo_type(data: bytes) -> str:
    """The content type of an acceptable photo, else 422 (empty, too large, not JPEG/PNG)."""
    if not data:
        raise InvalidInput(_("The meter photo is empty."), slug="invalid-photo", field="photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(
            _("The meter photo is larger than %(mb)d MB.", mb=MAX_PHOTO_BYTES // 1024 // 1024),
            slug="photo-too-large",
            field="photo",
        )
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    raise InvalidInput(
        _("The meter photo must be a JPEG or PNG image."), slug="photo-type", field="photo"
    )


def attach(
    session: Session, actor: Actor, reading: PdamReading, value: bytes | str
) -> PdamReadingPhoto:
    """Store (or replace) the photo of ``reading``; ``pdam.reader`` at its desa."""
    services._require(actor, READER, reading.connection.desa)
    data = decode(value)
    content_type = photo_type(data)
    photo = session.scalar(
        select(PdamReadingPhoto).where(PdamReadingPhoto.reading_id == reading.id)
    )
    if photo is None:
        photo = PdamReadingPhoto(reading_id=reading.id)
        session.add(photo)
    photo.content_type = content_type
    photo.size = len(data)
    photo.data = data
    photo.uploaded_at = utcnow()
    photo.uploaded_by_id = actor.user_id
    session.flush()
    services._audit(
        session,
        actor,
        "reading.photo",
        reading.connection.number,
        reading.connection.desa_id,
        period=reading.period,
        size=len(data),
    )
    return photo


def photo_of(session: Session, actor: Actor, reading_id: int) -> PdamReadingPhoto:
    """The photo of a reading the actor may see (404 otherwise, or when there is none)."""
    reading = session.get(PdamReading, reading_id)
    photo = (
        None
        if reading is None or not services._can_read(actor, reading.connection.desa)
        else session.scalar(
            select(PdamReadingPhoto).where(PdamReadingPhoto.reading_id == reading_id)
        )
    )
    if photo is None:
        raise NotFound(_("This reading has no meter photo."), slug="photo-not-found")
    return photo


def with_photo(session: Session, reading_ids: list[int]) -> set[int]:
    """Which of ``reading_ids`` have a photo (for the list of held readings)."""
    if not reading_ids:
        return set()
    return set(
        session.scalars(
            select(PdamReadingPhoto.reading_id).where(PdamReadingPhoto.reading_id.in_(reading_ids))
        )
    )

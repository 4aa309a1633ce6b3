"""Photos and signatures: decode what the counter sends, check it, store a clean JPEG/PNG.

The old KTP rule (DOMAIN.md, KTP service): a 3x4 photo on a **red**
background for odd birth years and **blue** for even ones. The check is a
warning for the officer, never a refusal: lighting fools any colour test.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pamong.plugin import N_, InvalidInput, _, _l

if TYPE_CHECKING:  # Pillow is imported on use: app creation does not need it
    from PIL import Image

MAX_UPLOAD_BYTES = 3 * 1024 * 1024
MAX_PIXELS = 20_000_000  # 20 megapixels: refused before decoding (decompression bombs)
PHOTO_SIZE = (300, 400)  # 3x4 at 100 px/cm
SIGNATURE_SIZE = (400, 160)
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}

RED, BLUE, UNCLEAR = "red", "blue", "unclear"
WHAT = {"photo": _l("photo"), "signature": _l("signature")}
BACKGROUND_WARNINGS = {
    "expected_red": N_("Odd birth year: the background should be red."),
    "expected_blue": N_("Even birth year: the background should be blue."),
}


def expected_background(birth_year: int) -> str:
    """Red for odd birth years, blue for even ones."""
    return RED if birth_year % 2 else BLUE


_STRICT = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Pillow as strict as it can be: bombs are errors, truncated files and huge text
    chunks too. WeasyPrint relaxes ``LOAD_TRUNCATED_IMAGES`` for the whole process
    when it is imported (to render PDFs); uploads must not profit from that."""
    from PIL import Image, ImageFile

    with _STRICT, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        relaxed = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = relaxed


def decode_upload(data: bytes | str, what: str) -> Image.Image:
    """An image from raw bytes or a ``data:image/...;base64,`` URL (webcam or signature pad).

    ``what`` is ``"photo"`` or ``"signature"``, named in the error messages.
    """
    from PIL import Image, UnidentifiedImageError

    what = str(WHAT.get(what, what))
    if isinstance(data, str):
        payload = data.partition("base64,")[2]
        try:
            data = base64.b64decode(payload or data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                _("The %(what)s is not a valid image.", what=what), slug="invalid-image"
            ) from None
    if not data:
        raise InvalidInput(_("The %(what)s is empty.", what=what), slug="invalid-image")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("The %(what)s is larger than 3 MB.", what=what), slug="image-too-large"
        )
    too_large = InvalidInput(
        _("The %(what)s has too many pixels.", what=what), slug="image-too-large"
    )
    try:
        with _strict_decoding():
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise InvalidInput(
                    _("The %(what)s must be a JPEG or PNG image.", what=what), slug="invalid-image"
                )
            if image.width * image.height > MAX_PIXELS:
                raise too_large
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError, struct.error):
        # Broken or hostile files: truncated data, oversized PNG text chunks, bad headers.
        raise InvalidInput(
            _("The %(what)s is not a valid image.", what=what), slug="invalid-image"
        ) from None
    return image


def background_colour(image: Image.Image) -> str:
    """``red``, ``blue`` or ``unclear``: the mean colour of the top corners."""
    small = image.convert("RGB").resize((60, 80))
    pixels = [small.getpixel((x, y)) for y in range(0, 12) for x in (*range(0, 10), *range(50, 60))]
    r = sum(p[0] for p in pixels) / len(pixels)
    g = sum(p[1] for p in pixels) / len(pixels)
    b = sum(p[2] for p in pixels) / len(pixels)
    if r > g + 50 and r > b + 50:
        return RED
    if b > r + 40 and b > g + 20:
        return BLUE
    return UNCLEAR


@dataclass(frozen=True)
class Capture:
    photo: bytes
    signature: bytes
    warning: str  # a BACKGROUND_WARNINGS text, or ""


def prepare_capture(photo: bytes | str, signature: bytes | str, birth_year: int) -> Capture:
    """Check both images; return a 300x400 JPEG photo and a PNG signature, metadata stripped."""
    photo_image = decode_upload(photo, "photo")
    signature_image = decode_upload(signature, "signature")
    expected = expected_background(birth_year)
    warning = ""
    if background_colour(photo_image) != expected:
        warning = BACKGROUND_WARNINGS[f"expected_{expected}"]
    fitted = photo_image.convert("RGB")
    fitted.thumbnail((PHOTO_SIZE[0] * 2, PHOTO_SIZE[1] * 2))
    canvas = fitted.resize(PHOTO_SIZE)
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=85)
    sign = signature_image.convert("RGBA")
    sign.thumbnail(SIGNATURE_SIZE)
    sign_out = io.BytesIO()
    sign.save(sign_out, "PNG", optimize=True)
    return Capture(out.getvalue(), sign_out.getvalue(), warning)


def data_url(data: bytes, mime: str) -> str:
    """Embed an image in HTML or a PDF template."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"

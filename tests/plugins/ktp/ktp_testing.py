"""Constants and image helpers of the KTP tests (imported by name: tests are not a package)."""

from __future__ import annotations

import io

from PIL import Image

KALIJAMBE = "33.14.01"
KEDEN = "33.14.01.2001"  # a desa in Kalijambe
PLUPUH = "33.14.02"
RED = (200, 20, 30)
BLUE = (20, 60, 200)


def image_bytes(colour: tuple[int, int, int], fmt: str = "JPEG", size=(300, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()

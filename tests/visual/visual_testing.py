"""Screenshots compared with stored reference PNGs (imported by name: tests are not a package).

A pixel *differs* when one of its channels differs by more than
:data:`CHANNEL_TOLERANCE` (font anti-aliasing stays below); a screenshot
*matches* when at most :data:`MAX_DIFF_RATIO` of its pixels differ. On a
mismatch the screenshot and a diff image (the reference faded, the
differing pixels in red) go to ``test-artifacts/visual/``.

Re-record the references with ``pytest tests/visual --update-visual`` (or
``PAMONG_UPDATE_VISUAL=1``), look at them, and commit them.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

REFERENCES = Path(__file__).parent / "references"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "visual"
CHANNEL_TOLERANCE = 40
MAX_DIFF_RATIO = 0.01
#: The clock of the visual tests: Friday 20 November 2026, 10:00 WIB.
MOMENT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
#: What a screenshot never shows: moving parts and the text cursor.
STILL = (
    "*,*::before,*::after{transition:none!important;animation:none!important;"
    "caret-color:transparent!important}"
)


class FrozenDatetime(datetime):
    """``datetime`` whose ``now()`` is :data:`MOMENT`: the core's one clock, frozen."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return MOMENT.astimezone(tz) if tz is not None else MOMENT.replace(tzinfo=None)


def freeze_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the core's clock at :data:`MOMENT`: ``utcnow`` and ``regency_now`` read it."""
    import pamong.db
    import pamong.runtime

    monkeypatch.setattr(pamong.db, "datetime", FrozenDatetime)
    monkeypatch.setattr(pamong.runtime, "datetime", FrozenDatetime)


def updating(config: pytest.Config) -> bool:
    """Whether this run records the references instead of checking them."""
    return bool(config.getoption("--update-visual", default=False)) or os.environ.get(
        "PAMONG_UPDATE_VISUAL", ""
    ) not in ("", "0")


def compare(actual: Image.Image, reference: Image.Image) -> tuple[float, Image.Image]:
    """The share of differing pixels, and a diff image to look at.

    Images of different sizes are compared on the larger canvas (white
    padding), so a page that grew counts its new part as different.
    """
    size = (max(actual.width, reference.width), max(actual.height, reference.height))
    a, b = (_on_canvas(image, size) for image in (actual, reference))
    channels = ImageChops.difference(a, b).split()
    worst = channels[0]
    for channel in channels[1:]:
        worst = ImageChops.lighter(worst, channel)
    mask = worst.point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0)
    differing = mask.histogram()[255]
    diff = Image.blend(b, Image.new("RGB", size, "white"), 0.7)
    diff.paste(Image.new("RGB", size, (230, 0, 0)), mask=mask)
    return differing / (size[0] * size[1]), diff


def _on_canvas(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    canvas = Image.new("RGB", size, "white")
    canvas.paste(image.convert("RGB"), (0, 0))
    return canvas


def check_screenshot(png: bytes, name: str, update: bool) -> None:
    """Fail unless ``png`` matches the reference ``name``; with ``update``, record it."""
    reference_path = REFERENCES / f"{name}.png"
    actual = Image.open(io.BytesIO(png))
    if update:
        REFERENCES.mkdir(parents=True, exist_ok=True)
        actual.save(reference_path, optimize=True)
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    actual_path = ARTIFACTS / f"{name}.png"
    if not reference_path.exists():
        actual.save(actual_path)
        pytest.fail(
            f"{name}: no reference {reference_path.name}; look at {actual_path} and record it "
            "with --update-visual (or PAMONG_UPDATE_VISUAL=1)"
        )
    with Image.open(reference_path) as reference:
        ratio, diff = compare(actual, reference)
        sizes = f"{actual.size} against {reference.size}"
    if ratio > MAX_DIFF_RATIO:
        actual.save(actual_path)
        diff_path = ARTIFACTS / f"{name}.diff.png"
        diff.save(diff_path)
        pytest.fail(
            f"{name}: {ratio:.2%} of the pixels differ (at most {MAX_DIFF_RATIO:.0%}; "
            f"{sizes}). See {actual_path} and {diff_path}; if the change is intended, "
            "re-record with --update-visual"
        )

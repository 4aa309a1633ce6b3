"""The screenshot comparison itself: tolerance, size changes, the diff image, re-recording."""

from __future__ import annotations

import io

import pytest
import visual_testing
from PIL import Image, ImageDraw
from visual_testing import check_screenshot, compare


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def page(block: tuple[int, int, int, int] | None = None, size=(100, 100)) -> Image.Image:
    image = Image.new("RGB", size, (247, 248, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 60, 20), fill=(11, 110, 79))
    if block:
        draw.rectangle(block, fill=(0, 0, 0))
    return image


def test_identical_and_faintly_different_images_match():
    assert compare(page(), page())[0] == 0
    faint = Image.eval(page(), lambda v: min(255, v + 20))  # anti-aliasing-sized noise
    assert compare(faint, page())[0] == 0


def test_a_moved_block_counts_its_pixels_and_a_taller_page_its_new_part():
    ratio, diff = compare(page(block=(0, 50, 9, 59)), page())
    assert ratio == pytest.approx(100 / 10_000)
    assert diff.getpixel((5, 55)) == (230, 0, 0) and diff.getpixel((90, 90)) != (230, 0, 0)
    taller = Image.new("RGB", (100, 120), "black")
    taller.paste(page(), (0, 0))
    assert compare(taller, page())[0] == pytest.approx(2000 / 12_000)


@pytest.fixture
def folders(tmp_path, monkeypatch):
    monkeypatch.setattr(visual_testing, "REFERENCES", tmp_path / "references")
    monkeypatch.setattr(visual_testing, "ARTIFACTS", tmp_path / "artifacts")
    return tmp_path


def test_a_missing_reference_fails_until_recorded(folders):
    with pytest.raises(pytest.fail.Exception, match="--update-visual"):
        check_screenshot(png(page()), "home-phone", update=False)
    assert (folders / "artifacts" / "home-phone.png").exists()
    check_screenshot(png(page()), "home-phone", update=True)
    check_screenshot(png(page()), "home-phone", update=False)


def test_a_changed_page_fails_and_leaves_the_diff_image(folders):
    check_screenshot(png(page()), "login-desktop", update=True)
    with pytest.raises(pytest.fail.Exception, match=r"4\.\d\d% of the pixels differ"):
        check_screenshot(png(page(block=(70, 70, 89, 89))), "login-desktop", update=False)
    diff = Image.open(folders / "artifacts" / "login-desktop.diff.png")
    assert diff.getpixel((80, 80)) == (230, 0, 0)
    check_screenshot(png(page(block=(0, 95, 9, 99))), "login-desktop", update=False)  # 0.5%

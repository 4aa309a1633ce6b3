"""The Indonesian guide (docs/id/) and its screenshots stay in step with their script."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).parent.parent
GUIDE = ROOT / "docs" / "id"
IMAGES = GUIDE / "_static"


def _script_shots() -> set[str]:
    spec = importlib.util.spec_from_file_location(
        "docs_screenshots", ROOT / "scripts" / "docs-screenshots.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return {shot.name for shot in module.SHOTS}


def _referenced() -> set[str]:
    names = set()
    for page in GUIDE.glob("*.md"):
        names |= set(re.findall(r"\]\(_static/([\w-]+)\.png\)", page.read_text(encoding="utf-8")))
    return names


def test_every_screenshot_is_used_taken_by_the_script_and_small():
    stored = {p.stem for p in IMAGES.glob("*.png")}
    assert _referenced() == stored, "an image is missing or unused"
    assert _script_shots() == stored, "scripts/docs-screenshots.py and docs/id/_static/ differ"
    for path in IMAGES.glob("*.png"):
        assert path.stat().st_size < 80_000, path.name
        with Image.open(path) as image:
            assert image.mode == "P", f"{path.name} is not a palette PNG"
            assert image.width in (390, 1280), path.name


def test_the_install_section_never_installs_from_a_package_index():
    text = (GUIDE / "admin-kabupaten.md").read_text(encoding="utf-8")
    commands = [
        line for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()
    ]
    installs = [line for line in commands if "pip install" in line]
    assert installs and all("requirements.lock.txt" in line for line in installs)
    assert not any(re.search(r"pip install\s+pamong\b", line) for line in commands)
    assert "PORT=" in text

"""Sphinx configuration for the Pamong documentation (MyST Markdown)."""

project = "Pamong"
author = "Pamong contributors"
copyright = "2026, Pamong contributors"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
html_theme = "alabaster"
html_title = "Pamong"

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).parent
# The reference is generated from the code: pamong.hookspecs, pamong.hooks,
# pamong.plugin, and hook implementations of real plugins for the examples.
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "tests" / "plugin_site"))
sys.path.insert(0, str(HERE.parent / "examples" / "pamong-suratdesa"))  # the worked example
extensions.append("pamong_reference")

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
